"""The agreement PDF: what it says, on every page; tagged for screen readers with its fonts
embedded; what people typed shown as text; and nothing fetched from outside static/."""

import logging
import socket
from datetime import UTC, date, datetime, timedelta
from io import BytesIO
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader
from pypdf.generic import BooleanObject

from portal.agreements.document import Acceptance, AgreementDocument, PartyLine, TermLine
from portal.agreements.pdf import agreement_html, render_pdf, render_pdf_from_html, static_base_url
from portal.agreements.pdf_engine import FetchRefused, StaticOnlyFetcher

LONDON = ZoneInfo("Europe/London")
HOSTILE = '<b>bold</b><img src="http://example.org/x.png">'


def make_document(**fields):
    values = {
        "service_name": "Accord Community Mediation",
        "case_reference": "AC-2026-0042",
        "title": "Garden fence and late-night noise",
        "version": 3,
        "state": "proposed",
        "parties": (
            PartyLine("Alex Morgan", Acceptance("Alex Morgan", datetime(2026, 12, 3, 14, 5, tzinfo=LONDON))),
            PartyLine("Sam Okafor", None),
        ),
        "issues": ("Music after 11 pm on weekdays", "Who repairs the shared fence"),
        "terms": (
            TermLine("Keep music low after 11 pm on weekdays", "Alex Morgan", date(2027, 3, 12)),
            TermLine("Pay half the cost of the new fence panels", "Sam Okafor", date(2027, 1, 4)),
            TermLine("Talk to each other first when something goes wrong", "Both parties", None),
        ),
        "review_on": date(2027, 6, 1),
        "other_terms": "Either party may ask for a further meeting.",
    }
    return AgreementDocument(**{**values, **fields})


def many_terms(count):
    return tuple(TermLine(f"Term number {n}: tidy the shared path every Saturday morning",
                          "Both parties", date(2027, 1, 1) + timedelta(days=n))
                 for n in range(1, count + 1))


def flat(text):
    """Extracted text with line breaks and runs of spaces as single spaces."""
    return " ".join(text.split())


def squeezed(text):
    """Without any whitespace: a long word may wrap anywhere in a table cell (after "http://")."""
    return "".join(text.split())


def page_texts(data):
    return [flat(page.extract_text()) for page in PdfReader(BytesIO(data)).pages]


@pytest.fixture
def rendering(app):
    with app.app_context():
        yield app


@pytest.fixture
def no_network(monkeypatch):
    """Any attempt to open a connection fails the test (WeasyPrint would swallow an exception)."""
    attempts = []

    def refuse(self, address, *args):
        attempts.append(address)
        raise AssertionError(f"connection attempted to {address!r}")
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", lambda *args, **kwargs: refuse(None, args))
    return attempts


# --- what it says ---------------------------------------------------------------------------

def test_the_pdf_says_everything_the_agreement_says(rendering):
    document = make_document()
    text = " ".join(page_texts(render_pdf(document)))

    expected = [
        document.title, "Proposed: waiting for acceptance", "Alex Morgan", "Sam Okafor",
        *document.issues, *(term.what for term in document.terms),
        "Both parties", "12 March 2027", "4 January 2027", "No date",
        "review this agreement on 1 June 2027", "Version 3", "AC-2026-0042",
        "This agreement records what the parties agreed in mediation.",
        "Either party may ask for a further meeting.", "Accord Community Mediation",
    ]
    for words in expected:
        assert words in text, words


def test_each_term_reads_as_one_row_what_who_and_by_when(rendering):
    text = " ".join(page_texts(render_pdf(make_document())))
    assert "Keep music low after 11 pm on weekdays Alex Morgan 12 March 2027" in text
    assert "Pay half the cost of the new fence panels Sam Okafor 4 January 2027" in text
    assert "Talk to each other first when something goes wrong Both parties No date" in text


def test_a_short_agreement_is_one_page_with_its_header_and_footer(rendering):
    document = make_document(other_terms="", parties=(PartyLine("Alex Morgan", None),
                                                      PartyLine("Sam Okafor", None)))
    pages = page_texts(render_pdf(document))
    assert len(pages) == 1
    assert "Page 1 of 1" in pages[0]


def test_every_page_of_a_long_agreement_names_the_service_case_version_and_page(rendering):
    pages = page_texts(render_pdf(make_document(terms=many_terms(80))))
    assert len(pages) >= 3
    for number, text in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in text
        assert "Accord Community Mediation" in text
        assert "Case reference AC-2026-0042" in text
        assert "Version 3" in text
    everything = " ".join(pages)
    for n in (1, 40, 80):
        assert f"Term number {n}: tidy the shared path every Saturday morning" in everything


@pytest.mark.parametrize("state, marker, not_there", [
    ("draft", "Draft: not yet agreed", "Proposed"),
    ("proposed", "Proposed: waiting for acceptance", "Draft"),
    ("final", "Final", "waiting for acceptance"),
])
def test_the_pdf_says_whether_it_is_a_draft_a_proposal_or_final(rendering, state, marker, not_there):
    text = " ".join(page_texts(render_pdf(make_document(state=state))))
    assert f"{make_document().title} {marker}" in text
    assert not_there not in text


def test_an_unknown_state_is_refused_rather_than_printed_without_a_marker(rendering):
    with pytest.raises(ValueError):
        agreement_html(make_document(state="agreed"))


def test_other_terms_keep_their_paragraphs(rendering):
    html = agreement_html(make_document(other_terms="First paragraph.\n\n\nSecond,\nstill second."))
    assert html.count('<p class="plain-text">') == 2
    assert "<p class=\"plain-text\">Second,\nstill second.</p>" in html


# --- acceptance and signatures --------------------------------------------------------------

def test_a_party_who_accepted_has_their_typed_name_and_time_and_the_other_a_signature_line(rendering):
    text = " ".join(page_texts(render_pdf(make_document())))
    acceptance = text.split(" Acceptance ", 1)[1]
    accepted = "Accepted by typing their name: Alex Morgan, on 3 December 2026 at 14:05."
    assert accepted in acceptance
    after_sam = acceptance.split("Sam Okafor", 1)[1]
    assert after_sam.lstrip().startswith("Signature: ____")
    assert "Date: ____" in after_sam
    assert acceptance.count("Signature:") == 1


def test_an_acceptance_recorded_in_person_says_so_in_the_service_time_zone(rendering):
    summer_utc = datetime(2026, 7, 1, 13, 5, tzinfo=UTC)  # 14:05 in London (BST)
    parties = (PartyLine("Alex Morgan", Acceptance("Alex Morgan", summer_utc, in_person=True)),
               PartyLine("Sam Okafor", Acceptance("Sam Okafor", summer_utc)))
    text = " ".join(page_texts(render_pdf(make_document(parties=parties, state="final"))))
    assert ("Accepted by typing their name: Alex Morgan, on 1 July 2026 at 14:05, "
            "recorded in person by the coach.") in text
    assert "Accepted by typing their name: Sam Okafor, on 1 July 2026 at 14:05." in text
    assert "Signature:" not in text


def test_an_acceptance_time_without_a_zone_is_refused(rendering):
    parties = (PartyLine("Alex Morgan", Acceptance("Alex Morgan", datetime(2026, 7, 1, 14, 5))),)
    with pytest.raises(ValueError):
        agreement_html(make_document(parties=parties))


# --- accessible and self-contained ----------------------------------------------------------

def test_the_pdf_is_tagged_with_its_language_and_title(rendering):
    document = make_document()
    reader = PdfReader(BytesIO(render_pdf(document)))
    catalog = reader.trailer["/Root"]
    title = "Garden fence and late-night noise — agreement, AC-2026-0042, version 3"

    assert catalog["/MarkInfo"]["/Marked"] == BooleanObject(True)
    assert catalog["/StructTreeRoot"].get_object()["/Type"] == "/StructTreeRoot"
    assert catalog["/Lang"] == "en-GB"
    assert catalog["/ViewerPreferences"]["/DisplayDocTitle"] == BooleanObject(True)
    assert reader.metadata.title == title
    assert reader.xmp_metadata.dc_title == {"x-default": title}
    assert reader.pdf_header == "%PDF-1.7"


def _fonts(reader):
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            yield from (d.get_object() for d in font.get("/DescendantFonts", [font]))


def test_every_font_is_embedded(rendering):
    reader = PdfReader(BytesIO(render_pdf(make_document(terms=many_terms(40)))))
    fonts = list(_fonts(reader))
    assert fonts
    for font in fonts:
        descriptor = font["/FontDescriptor"].get_object()
        assert {"/FontFile", "/FontFile2", "/FontFile3"} & descriptor.keys(), font["/BaseFont"]
    assert any("DejaVu" in font["/BaseFont"] for font in fonts)


def test_two_renders_say_the_same(rendering):
    document = make_document(terms=many_terms(30))
    assert page_texts(render_pdf(document)) == page_texts(render_pdf(document))


# --- what people typed is text, and nothing is fetched --------------------------------------

def test_typed_markup_is_printed_as_text_and_never_fetched(rendering, no_network):
    document = make_document(
        title="Fence <i>and</i> noise",
        parties=(PartyLine("Alex <script>alert(1)</script>", None), PartyLine("Sam Okafor", None)),
        issues=(HOSTILE,),
        terms=(TermLine(HOSTILE, "Both parties", None),),
        other_terms='<link rel="stylesheet" href="file:///etc/passwd">',
    )
    html = agreement_html(document)
    assert "<img" not in html and "<script" not in html and 'href="file:' not in html

    text = " ".join(page_texts(render_pdf(document)))
    assert squeezed(text).count(squeezed(HOSTILE)) == 2  # the issue and the term
    assert "Fence <i>and</i> noise" in text
    assert "Alex <script>alert(1)</script>" in text
    assert '<link rel="stylesheet" href="file:///etc/passwd">' in text
    assert no_network == []


def test_an_image_or_stylesheet_from_elsewhere_is_refused_without_a_connection(
        rendering, no_network, caplog):
    html = ('<!doctype html><html lang="en-GB"><head><title>Refusals</title>'
            '<link rel="stylesheet" href="https://example.org/evil.css"></head>'
            '<body><p>Before</p><img src="http://example.org/x.png" alt="x">'
            '<img src="file:///etc/passwd" alt="y"><p>After</p></body></html>')
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        data = render_pdf_from_html(html)

    assert "Before After" in page_texts(data)[0]
    assert no_network == []
    refused = [r.getMessage() for r in caplog.records if "FetchRefused" in r.getMessage()]
    for url in ("https://example.org/evil.css", "http://example.org/x.png", "file:///etc/passwd"):
        assert any(url in message for message in refused), url


def test_the_network_guard_itself_catches_a_connection(no_network):
    with pytest.raises(AssertionError):
        socket.create_connection(("example.org", 80), timeout=1)
    assert no_network


@pytest.mark.parametrize("url", [
    "http://example.org/x.png",
    "https://example.org/agreement-pdf.css",
    "ftp://example.org/x.css",
    "data:text/css,body%7Bcolor:red%7D",
    "file:///etc/passwd",
    "file://example.org/static/css/agreement-pdf.css",
    "{base}../config.py",
    "{base}css/../../config.py",
    "{base}%2e%2e/config.py",
    "{base}css/",
    "{base}css/no-such-file.css",
])
def test_the_fetcher_refuses_anything_but_a_file_in_static(rendering, url):
    fetcher = StaticOnlyFetcher(rendering.static_folder)
    with pytest.raises(FetchRefused):
        fetcher.fetch(url.format(base=static_base_url()))


def test_the_fetcher_opens_the_stylesheet_in_static(rendering):
    response = StaticOnlyFetcher(rendering.static_folder).fetch(static_base_url() + "css/agreement-pdf.css")
    stylesheet = Path(rendering.static_folder, "css", "agreement-pdf.css").read_bytes()
    assert response.read() == stylesheet
    assert response.content_type == "text/css"


def test_the_fetcher_does_not_follow_a_symlink_out_of_static(tmp_path):
    static = tmp_path / "static"
    static.mkdir()
    (tmp_path / "secret.css").write_text("body { color: red }")
    (static / "inside.css").write_text("body { color: blue }")
    (static / "link.css").symlink_to(tmp_path / "secret.css")
    fetcher = StaticOnlyFetcher(static)

    assert fetcher.fetch((static / "inside.css").as_uri()).read() == b"body { color: blue }"
    with pytest.raises(FetchRefused):
        fetcher.fetch((static / "link.css").as_uri())


def test_rendering_logs_nothing_the_parties_wrote(rendering, caplog):
    document = make_document(title="Secret title words", issues=("Secret issue words",))
    with caplog.at_level(logging.DEBUG):
        render_pdf(document)
    logged = " ".join(record.getMessage() for record in caplog.records)
    assert "Secret" not in logged
    assert "Alex Morgan" not in logged
