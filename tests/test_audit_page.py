"""The audit trail page: administrators only, newest first, filtered and paged with and without
htmx, read only, and no contents of anything."""

import re
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine

from portal import audit, policy, queries
from portal.models import AuditEvent, User
from portal.vocab import Role
from tests.conftest import enter_as
from tests.factories import make_case, make_user

AUDIT = "/admin/audit"
HTMX = {"HX-Request": "true"}


@pytest.fixture
def admin(app):
    return make_user(Role.COORDINATOR, name="Ada Lane", email="ada.lane@example.org", is_admin=True)


@pytest.fixture
def admin_client(app, admin):
    return enter_as(app.test_client(), admin)


def shown_ids(html):
    """The audit rows on a page, in the order shown."""
    return [int(n) for n in re.findall(r'<tr id="audit-(\d+)">', html)]


def row_html(html, row_id):
    match = re.search(rf'<tr id="audit-{row_id}">(.*?)</tr>', html, re.S)
    assert match, f"row {row_id} is not on the page"
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split())


# --- who reaches it ---------------------------------------------------------------------------

WHO = {
    "party": (dict(role=Role.PARTY), 403),
    "coach": (dict(role=Role.COACH), 403),
    "coordinator": (dict(role=Role.COORDINATOR), 403),
    "safeguarding lead": (dict(role=Role.COORDINATOR, is_safeguarding_lead=True), 403),
    "a coach marked admin by mistake": (dict(role=Role.COACH, is_admin=True), 403),
    "administrator": (dict(role=Role.COORDINATOR, is_admin=True), 200),
}


@pytest.mark.parametrize("who", WHO)
def test_only_an_administrator_reads_the_audit_trail(app, who):
    fields, status = WHO[who]
    client = enter_as(app.test_client(), make_user(**fields))
    assert client.get(AUDIT).status_code == status
    assert client.get(AUDIT, headers=HTMX).status_code == status


def test_an_anonymous_visitor_is_sent_to_sign_in(client):
    response = client.get(AUDIT)
    assert response.status_code == 303
    assert urlsplit(response.headers["Location"]).path == "/sign-in"


def test_a_deactivated_administrator_is_sent_to_sign_in(app, admin, admin_client):
    User.update(active=False).where(User.id == admin.id).execute()
    response = admin_client.get(AUDIT)
    assert response.status_code == 303
    assert urlsplit(response.headers["Location"]).path == "/sign-in"


@pytest.mark.parametrize("who", WHO)
def test_the_navigation_links_to_the_trail_for_administrators_only(app, who):
    fields, status = WHO[who]
    client = enter_as(app.test_client(), make_user(**fields))
    home = client.get("/", follow_redirects=True).get_data(as_text=True)
    assert (f'href="{AUDIT}"' in home) == (status == 200)


ROLE_DUTIES = [(role, admin, lead, active) for role in Role for admin in (False, True)
               for lead in (False, True) for active in (False, True)]


@pytest.mark.parametrize("role, admin, lead, active", ROLE_DUTIES)
def test_the_list_query_agrees_with_the_policy_for_everyone(app, role, admin, lead, active):
    user = make_user(role, is_admin=admin, is_safeguarding_lead=lead, active=active)
    other = make_user(Role.PARTY)
    written = {audit.record("auth.signed_in", actor=other, record=other).id,
               audit.record("case.closed", actor=user, record=make_case()).id}
    allowed = policy.can_read_audit_trail(user.actor())
    assert {e.id for e in queries.audit_events_visible_to(user)} == (written if allowed else set())
    kinds = {e.event for e in queries.audit_event_kinds_visible_to(user)}
    assert kinds == ({"auth.signed_in", "case.closed"} if allowed else set())
    assert list(queries.audit_events_visible_to(None)) == []


# --- what it shows --------------------------------------------------------------------------

def test_each_row_says_when_who_what_which_record_which_case_and_from_where(admin, admin_client):
    coach = make_user(Role.COACH, name="Corin Coach")
    case = make_case(reference="AC-2026-0042")
    # 12:00:05 UTC on 1 July is 13:00:05 in London (summer time).
    with time_machine.travel(datetime(2026, 7, 1, 12, 0, 5, tzinfo=UTC), tick=False):
        closed = audit.record("case.closed", actor=coach, record=case, case_id=case.id,
                              remote_addr="198.51.100.23")
        failed = audit.record("auth.sign_in_failed", record=coach, remote_addr="203.0.113.77")
    html = admin_client.get(AUDIT).get_data(as_text=True)
    assert shown_ids(html) == [failed.id, closed.id]
    assert row_html(html, closed.id) == (
        f"1 Jul 2026, 13:00:05 Corin Coach Case closed Case {case.id} AC-2026-0042 198.51.100.23")
    assert row_html(html, failed.id) == (
        f"1 Jul 2026, 13:00:05 No one signed in Sign-in failed User {coach.id} 203.0.113.77")


def test_an_unknown_kind_of_event_is_shown_as_it_is(admin, admin_client):
    row = audit.record("safeguarding.something_new", actor=admin)
    html = admin_client.get(AUDIT).get_data(as_text=True)
    assert "safeguarding.something_new" in row_html(html, row.id)


def test_the_detail_column_is_not_shown(admin, admin_client):
    audit.record("consent.changed", actor=admin, detail="detail-that-stays-in-the-database")
    html = admin_client.get(AUDIT).get_data(as_text=True)
    assert "detail-that-stays-in-the-database" not in html


def test_nobody_can_change_the_trail_from_the_page(admin, admin_client):
    audit.record("auth.signed_in", actor=admin)
    html = admin_client.get(AUDIT).get_data(as_text=True)
    # The only forms that post are the navigation's sign-out and the session's "Stay signed in".
    posting = re.findall(r'<form[^>]*method="post"[^>]*action="([^"]+)"', html)
    assert sorted(posting) == ["/account/stay-signed-in", "/sign-out"]
    for method in ("post", "put", "patch", "delete"):
        assert getattr(admin_client, method)(AUDIT).status_code == 405


# --- filters and paging ---------------------------------------------------------------------

@pytest.fixture
def trail(admin):
    """Events by two people on two cases, and one by nobody signed in."""
    robin = make_user(Role.COORDINATOR, name="Robin Ash", email="robin.ash@example.org")
    sam = make_user(Role.COACH, name="Sam Birch", email="sam@example.org")
    one, two = make_case(reference="AC-2026-0101"), make_case(reference="AC-2026-0202")
    rows = {
        "robin closes one": audit.record("case.closed", actor=robin, record=one, case_id=one.id),
        "robin allocates two": audit.record("case.coaches_allocated", actor=robin, record=two,
                                            case_id=two.id),
        "sam signs in": audit.record("auth.signed_in", actor=sam, record=sam),
        "sam reopens one": audit.record("case.reopened", actor=sam, record=one, case_id=one.id),
        "nobody fails": audit.record("auth.sign_in_failed", record=sam),
    }
    return {name: row.id for name, row in rows.items()}


def ids_for(client, query, headers=None):
    response = client.get(f"{AUDIT}?{query}", headers=headers or {})
    assert response.status_code == 200
    return shown_ids(response.get_data(as_text=True))


@pytest.mark.parametrize("query, expected", [
    ("", ["nobody fails", "sam reopens one", "sam signs in", "robin allocates two", "robin closes one"]),
    ("person=robin", ["robin allocates two", "robin closes one"]),
    ("person=SAM%40example", ["sam reopens one", "sam signs in"]),
    ("person=%25", []),
    ("case=ac-2026-0101", ["sam reopens one", "robin closes one"]),
    ("case=AC-2026-9999", []),
    ("event=auth.signed_in", ["sam signs in"]),
    ("person=sam&case=AC-2026-0101", ["sam reopens one"]),
    ("person=robin&event=case.closed&case=AC-2026-0202", []),
])
def test_the_filters(admin_client, trail, query, expected):
    assert ids_for(admin_client, query) == [trail[name] for name in expected]


def test_the_event_filter_offers_the_kinds_in_the_trail(admin_client, trail):
    html = admin_client.get(AUDIT).get_data(as_text=True)
    select = re.search(r'<select[^>]*name="event"[^>]*>(.*?)</select>', html, re.S).group(1)
    values = re.findall(r'<option[^>]*value="([^"]*)"', select)
    assert values == ["", "auth.sign_in_failed", "auth.signed_in", "case.closed",
                      "case.coaches_allocated", "case.reopened"]
    assert ">Coaches allocated</option>" in select


def test_an_event_kind_not_in_the_trail_is_not_a_filter(admin_client, trail):
    response = admin_client.get(f"{AUDIT}?event=account.deleted&person=sam")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert shown_ids(html) == [trail["sam reopens one"], trail["sam signs in"]]
    assert "Not a valid choice" in html


def test_htmx_gets_only_the_list_and_the_form_pushes_the_address(admin_client, trail):
    response = admin_client.get(f"{AUDIT}?person=robin", headers=HTMX)
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith('<div id="audit-list">') and "<html" not in body
    assert shown_ids(body) == [trail["robin allocates two"], trail["robin closes one"]]
    assert "HX-Request" in response.headers["Vary"]
    page = admin_client.get(AUDIT).get_data(as_text=True)
    form = re.search(r'<form method="get"[^>]*>', page).group(0)
    assert f'action="{AUDIT}"' in form and f'hx-get="{AUDIT}"' in form
    assert 'hx-target="#audit-list"' in form and 'hx-push-url="true"' in form


def test_pages_of_fifty_newest_first_keep_the_filters(admin, admin_client):
    other = make_user(Role.COACH)
    mine = [audit.record("auth.signed_in", actor=admin, record=admin).id for _ in range(60)]
    audit.record("auth.signed_in", actor=other, record=other)
    first = admin_client.get(f"{AUDIT}?person=ada.lane").get_data(as_text=True)
    assert shown_ids(first) == mine[::-1][:50]
    assert "60 entries" in first and "Page 1 of 2" in first
    next_link = re.search(r'<a href="([^"]+)" rel="next">', first).group(1).replace("&amp;", "&")
    assert parse_qs(urlsplit(next_link).query) == {"page": ["2"], "person": ["ada.lane"]}
    second = admin_client.get(next_link, headers=HTMX).get_data(as_text=True)
    assert second.lstrip().startswith('<div id="audit-list">')
    assert shown_ids(second) == mine[::-1][50:]
    # Junk and too-large page numbers fall back to a real page.
    for page, expected in (("x", mine[::-1][:50]), ("9", mine[::-1][50:])):
        html = admin_client.get(f"{AUDIT}?person=ada.lane&page={page}").get_data(as_text=True)
        assert shown_ids(html) == expected


def test_the_page_counts_what_it_does_not_show(admin_client):
    assert AuditEvent.select().count() == 0
    html = admin_client.get(AUDIT).get_data(as_text=True)
    assert "0 entries" in html and "No entries match." in html
