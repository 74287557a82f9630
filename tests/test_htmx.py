"""portal/htmx.py is the one place that knows htmx: what a request asks for, the HX-* headers of
the answer, and `Vary: HX-Request`. The shared form templates: `_inline_form.html` for simple
forms in place, `form_page.html` for a form on a page of its own."""

import json
import re
from html import unescape
from pathlib import Path

import flask
import pytest
from flask import signals

from portal import htmx
from portal.vocab import CaseStatus, Role
from tests.conftest import enter_as
from tests.factories import add_party, allocate, make_agreement, make_case, make_concern, make_user

ROOT = Path(__file__).resolve().parent.parent
HTMX = {"HX-Request": "true"}
BOOSTED = {"HX-Request": "true", "HX-Boosted": "true"}
RESTORE = {"HX-Request": "true", "HX-History-Restore-Request": "true"}


# Only htmx.py knows htmx

def test_no_module_but_htmx_py_imports_an_htmx_library_or_names_an_hx_header():
    offenders = []
    for path in sorted((ROOT / "portal").rglob("*.py")):
        if path == ROOT / "portal" / "htmx.py":
            continue
        source = path.read_text()
        if re.search(r"^\s*(from|import)\s+htmx", source, re.M) or re.search(r"""["']HX-""", source) \
                or "request.htmx" in source:
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_no_template_reads_a_request_header():
    offenders = [str(path.relative_to(ROOT)) for path in sorted((ROOT / "templates").rglob("*.html"))
                 if "request.headers" in path.read_text() or "HX-Request" in path.read_text()]
    assert offenders == []


def test_the_app_keeps_flasks_own_request_class(app):
    # htmx-flask swapped it for its own; nothing Accord needs calls for that.
    assert app.request_class is flask.Request


# What a request asks for

@pytest.mark.parametrize("headers, any_htmx, wants_fragment", [
    ({}, False, False),
    (HTMX, True, True),
    ({"HX-Request": "false"}, False, False),
    (BOOSTED, True, False),
    (RESTORE, True, False),
])
def test_what_a_request_asks_for(app, headers, any_htmx, wants_fragment):
    with app.test_request_context("/", headers=headers):
        assert htmx.is_any_htmx_request() is any_htmx
        assert htmx.is_htmx_request() is wants_fragment
        rendered = flask.render_template_string("{{ 'yes' if is_htmx() else 'no' }}")
        assert rendered == ("yes" if any_htmx else "no")


def test_the_page_that_made_an_htmx_request(app):
    page = "http://localhost/cases/AC-1?tab=notes"
    with app.test_request_context("/cases/AC-1/notes", headers={**HTMX, "HX-Current-URL": page}):
        assert htmx.current_page_url() == page
    with app.test_request_context("/cases/AC-1/notes", headers={"HX-Current-URL": page}):
        assert htmx.current_page_url() is None


# How it is answered

def test_redirect_to_moves_the_whole_page_for_htmx_and_follows_in_place_when_boosted(app):
    with app.test_request_context("/x", method="POST", headers=HTMX):
        response = htmx.redirect_to("/cases/AC-1#notes")
        assert (response.status_code, response.headers["HX-Redirect"], response.get_data()) \
            == (204, "/cases/AC-1#notes", b"")
    for headers in ({}, BOOSTED):
        with app.test_request_context("/x", method="POST", headers=headers):
            response = htmx.redirect_to("/cases/AC-1#notes")
            assert (response.status_code, response.headers["Location"]) == (303, "/cases/AC-1#notes")
            assert "HX-Redirect" not in response.headers


def test_replace_swaps_the_fragment_for_the_named_element_and_says_where_focus_goes(app):
    with app.test_request_context("/", headers=HTMX):
        moved = htmx.replace("#case", "_inline_form.html", status=422, focus="#notes",
                             form_id="f", title="T", form=_EmptyForm(), action="/a")
        kept = htmx.replace("#concern", "_inline_form.html",
                            form_id="f", title="T", form=_EmptyForm(), action="/a")
    assert moved.status_code == 422
    assert (moved.headers["HX-Retarget"], moved.headers["HX-Reswap"]) == ("#case", "outerHTML")
    assert json.loads(moved.headers["HX-Trigger-After-Settle"]) == {"accord:focus": "#notes"}
    assert moved.get_data(as_text=True).lstrip().startswith('<div id="f" class="inline-form">')
    assert kept.status_code == 200
    assert (kept.headers["HX-Retarget"], kept.headers["HX-Reswap"]) == ("#concern", "outerHTML")
    assert "HX-Trigger-After-Settle" not in kept.headers


class _EmptyForm:
    """Just enough of a form for _inline_form.html: a token, no fields, a button."""
    errors, form_errors = {}, []

    def __iter__(self):
        return iter(())

    def csrf_token(self, **_):
        return ""

    def submit(self, **_):
        return "<button>Go</button>"


# The shared form templates

@pytest.fixture
def w(app):
    coordinator = make_user(Role.COORDINATOR, is_safeguarding_lead=True)
    coach = make_user(Role.COACH)
    case = make_case(reference="AC-2026-0900")
    party = add_party(case, name="Alex <Morgan>")
    allocate(case, coach)
    closed = make_case(reference="AC-2026-0901", status=CaseStatus.CLOSED, outcome="resolved")
    return type("World", (), dict(
        coordinator=coordinator, coach=coach, case=case, party=party, closed=closed,
        concern=make_concern(case, coordinator), agreement=make_agreement(case, coach)))


def rendered_templates(app, client, url, headers=None):
    names = []

    def record(sender, template, context, **extra):
        names.append(template.name)
    with signals.template_rendered.connected_to(record, app):
        response = client.get(url, headers=headers or {})
    assert response.status_code == 200
    return names, response.get_data(as_text=True)


def title_of(html):
    return unescape(re.search(r"<title>(.*?)</title>", html, re.S).group(1))


def test_every_form_page_is_the_one_form_page_template(app, client, w):
    # (who, address, browser title, back link, back words)
    pages = [
        (w.coordinator, f"/cases/{w.case.reference}/parties/{w.party.id}/fee",
         "Fee: Alex <Morgan> · AC-2026-0900", f"/cases/{w.case.reference}", "Back to case AC-2026-0900"),
        (w.coordinator, f"/safeguarding/concerns/{w.concern.id}/actions",
         "Record an action · safeguarding concern · AC-2026-0900",
         f"/safeguarding/concerns/{w.concern.id}", "Back to the concern"),
        (w.coach, f"/cases/{w.case.reference}/agreements/{w.agreement.id}/details",
         "Change the title, review date and other terms · AC-2026-0900",
         f"/cases/{w.case.reference}/agreements/{w.agreement.id}", "Back to the agreement"),
    ]
    for user, url, title, back, words in pages:
        enter_as(client, user)
        names, html = rendered_templates(app, client, url)
        assert names[0] == "form_page.html", url
        assert title_of(html) == f"{title} · {app.config['SERVICE_NAME']}"
        assert f'<p><a href="{back}">{words}</a></p>' in html
        # The title once, as the page's heading: the heading in place is for htmx only.
        assert [unescape(h) for h in re.findall(r"<h1>(.*?)</h1>", html)] == [title.split(" · ")[0]]
        assert "<h3>" not in html


def field_names(html):
    """The names of the form's fields in order (a group of radios once), without the token and
    the button."""
    names = re.findall(r'<(?:input|select|textarea) [^>]*\bname="([a-z_]+)"', html)
    return [n for i, n in enumerate(names) if n not in ("csrf_token", "submit") and n not in names[:i]]


SIMPLE_FORMS = [  # (address under the case, form id, title, field names in order)
    ("coaches", "allocation-form", "Allocate coaches", ["coach", "second_coach"]),
    ("funding", "funding-form", "Funding", ["funding", "scheme"]),
    ("close", "close-form", "Close the case", ["outcome", "closing_note"]),
    ("concerns/new", "raise-concern-form", "Raise a safeguarding concern",
     ["about", "about_other_person", "category", "level", "description", "occurred_at"]),
]


@pytest.mark.parametrize("path, form_id, title, fields", SIMPLE_FORMS)
def test_a_simple_form_in_place_has_its_title_as_a_heading_and_every_field_in_order(
        app, client, w, path, form_id, title, fields):
    enter_as(client, w.coordinator)
    url = f"/cases/{w.case.reference}/{path}"
    fragment = client.get(url, headers=HTMX).get_data(as_text=True)
    assert fragment.lstrip().startswith(f'<div id="{form_id}" class="inline-form">')
    assert re.search(r"<h3>(.*?)</h3>", fragment).group(1) == title
    assert re.search(fr'<form method="post" action="{url}"\s+novalidate\s+hx-post="{url}">', fragment)
    assert field_names(fragment) == fields
    page = client.get(url).get_data(as_text=True)
    assert f'<div id="{form_id}" class="inline-form">' in page and "<h3>" not in page.split(form_id)[1]


def test_the_fee_form_asks_phones_for_a_number_pad_and_reopening_is_a_simple_form(app, client, w):
    enter_as(client, w.coordinator)
    fee = client.get(f"/cases/{w.case.reference}/parties/{w.party.id}/fee", headers=HTMX)
    html = fee.get_data(as_text=True)
    assert field_names(html) == ["fee", "paid"]
    assert 'inputmode="decimal"' in re.search(r'<input [^>]*name="fee"[^>]*>', html).group(0)
    reopen = client.get(f"/cases/{w.closed.reference}/reopen", headers=HTMX).get_data(as_text=True)
    assert re.search(r"<h3>(.*?)</h3>", reopen).group(1) == "Reopen the case"
    assert field_names(reopen) == ["reason"]


def test_the_in_place_heading_of_simple_forms_is_written_once():
    heading = "<h3>{{ title }}</h3>{% endif %}"
    holders = [str(path.relative_to(ROOT / "templates"))
               for path in sorted((ROOT / "templates").rglob("*.html")) if heading in path.read_text()]
    assert holders == ["_inline_form.html"]
