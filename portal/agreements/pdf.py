"""An agreement as a tagged, accessible PDF (PDF/UA-1), rendered by WeasyPrint from HTML.

The HTML comes from templates/agreements/pdf.html with Jinja's autoescaping, so whatever the
parties and the coach typed is text, never markup. WeasyPrint may still be asked to fetch
something (the stylesheet, or anything a template change adds), so it gets a fetcher that opens
only files under the app's static folder: no network, no other file on the server
(`agreements/pdf_engine.py`, the only module that imports WeasyPrint).
"""

import re
from pathlib import Path

from flask import current_app

from portal.times import service_zone
from portal.vocab import AgreementState

MARKERS = {
    AgreementState.DRAFT: "Draft: not yet agreed",
    AgreementState.PROPOSED: "Proposed: waiting for acceptance",
    AgreementState.FINAL: "Final",
    AgreementState.SUPERSEDED: "Superseded: replaced by a later version",
}


def static_base_url():
    """Relative links in the template (css/agreement-pdf.css) resolve inside static/."""
    return Path(current_app.static_folder).resolve().as_uri() + "/"


def agreement_html(document):
    """The agreement as HTML, every value escaped by the template."""
    if document.state not in MARKERS:
        raise ValueError(f"unknown agreement state {document.state!r}")
    # The app's Jinja environment (autoescaping .html, templates cached) but not render_template:
    # its context processors look up the signed-in user, which needs a request and the database,
    # and an agreement must read the same whoever (or whatever job) renders it.
    template = current_app.jinja_env.get_template("agreements/pdf.html")
    return template.render(document=document, marker=MARKERS[document.state],
                           long_date=long_date, accepted_at_words=accepted_at_words,
                           paragraphs=paragraphs(document.other_terms))


def render_pdf_from_html(html):
    """PDF/UA-1 bytes for `html`; title and language come from its <title> and <html lang>."""
    # WeasyPrint takes most of a second to import: only a process that makes a PDF pays it.
    from portal.agreements.pdf_engine import write_pdf
    return write_pdf(html, base_url=static_base_url(), static_folder=current_app.static_folder)


def render_pdf(document):
    """The agreement as the portal stores and serves it."""
    return render_pdf_from_html(agreement_html(document))


def long_date(day):
    """12 March 2027: the day without a leading zero, whatever the platform's strftime."""
    return f"{day.day} {day:%B %Y}" if day else "No date"


def accepted_at_words(moment):
    """3 December 2026 at 14:05, in the service's time zone."""
    if moment.tzinfo is None:
        raise ValueError("an acceptance time must be aware")
    local = moment.astimezone(service_zone())
    return f"{long_date(local.date())} at {local:%H:%M}"


def paragraphs(text):
    """Plain text split on blank lines; single line breaks stay inside a paragraph."""
    return [part.strip() for part in re.split(r"\n\s*\n", text or "") if part.strip()]
