"""An agreement as a tagged, accessible PDF (PDF/UA-1), rendered by WeasyPrint from HTML.

The HTML comes from templates/agreements/pdf.html with Jinja's autoescaping, so whatever the
parties and the coach typed is text, never markup. WeasyPrint may still be asked to fetch
something (the stylesheet, or anything a template change adds), so it gets a fetcher that opens
only files under the app's static folder: no network, no other file on the server.
"""

import mimetypes
import os
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

from flask import current_app
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from portal.times import service_zone
from portal.vocab import AgreementState

MARKERS = {
    AgreementState.DRAFT: "Draft: not yet agreed",
    AgreementState.PROPOSED: "Proposed: waiting for acceptance",
    AgreementState.FINAL: "Final",
    AgreementState.SUPERSEDED: "Superseded: replaced by a later version",
}


class FetchRefused(ValueError):
    """WeasyPrint asked for something outside the static folder."""


class StaticOnlyFetcher(URLFetcher):
    """Opens file: URLs inside `static_folder` and refuses everything else.

    A subclass rather than a plain function because WeasyPrint 70 reads `_fail_on_errors` off
    whatever fetcher it is given when a fetch fails. A refusal is logged by WeasyPrint (the
    "weasyprint" logger names the URL and FetchRefused) and the PDF is made without that resource.
    """

    def __init__(self, static_folder):
        super().__init__()  # only for its attributes: `fetch` below never uses its opener
        self.root = os.path.realpath(static_folder)

    def fetch(self, url, headers=None):
        path = Path(self.path_for(url))
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(path.as_uri(), path.read_bytes(), {"Content-Type": content_type})

    def path_for(self, url):
        """The real path `url` names, if it is a file under the static folder."""
        parts = urlsplit(url)
        if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
            raise FetchRefused(f"only files under the static folder are fetched, not {url!r}")
        # Decoded first, so that %2e%2e is ".." too; realpath then resolves ".." and symlinks, so
        # the check is on the file that would really be opened.
        path = os.path.realpath(unquote(parts.path))
        if os.path.commonpath([self.root, path]) != self.root or not os.path.isfile(path):
            raise FetchRefused(f"{url!r} is not a file under the static folder")
        return path


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
    fetcher = StaticOnlyFetcher(current_app.static_folder)
    return HTML(string=html, base_url=static_base_url(), url_fetcher=fetcher).write_pdf(
        pdf_variant="pdf/ua-1")


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
