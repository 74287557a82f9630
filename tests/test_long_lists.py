"""Lists that grow without end are paged (issue 12): the People page, a coach's cases, and the
case page's notes, sessions and timeline. What is on a later page stays one plain link away
(with or without JavaScript), and the staff home pages show the agreement reviews once."""

import re
from datetime import datetime, timedelta

from portal.models import utcnow
from portal.timeline import record
from portal.vocab import AgreementState, Audience, CaseEventKind, Role
from tests.conftest import enter_as
from tests.factories import add_party, allocate, make_agreement, make_case, make_note, make_session, make_user

HTMX = {"HX-Request": "true"}


def page_link(html, rel, what=None):
    """The address of the `rel` link ("next" or "prev") of the pager of `what` (a section of
    the case page: "notes", "sessions", "the timeline"), or of the page's only pager."""
    label = f"Pages of {what}" if what else "Pages"
    nav = re.search(rf'<nav class="pager" aria-label="{label}">(.*?)</nav>', html, re.S)
    if nav is None:
        return None
    found = re.search(rf'<a href="([^"]+)" rel="{rel}"', nav.group(1))
    return found.group(1).replace("&amp;", "&") if found else None


def test_the_people_page_is_paged(app):
    admin = make_user(Role.COORDINATOR, is_admin=True, name="Ada Admin")
    for n in range(60):
        make_user(Role.PARTY, name=f"Person {n:02d}")
    client = enter_as(app.test_client(), admin)
    first = client.get("/admin/people").get_data(as_text=True)
    assert first.count('<tr id="person-') == 50
    assert "61 accounts" in first
    second = client.get(page_link(first, "next")).get_data(as_text=True)
    assert second.count('<tr id="person-') == 11
    shown = set(re.findall(r'<tr id="person-(\d+)"', first + second))
    assert len(shown) == 61
    assert page_link(second, "next") is None


def test_a_coachs_home_lists_the_cases_they_are_on_now_a_page_at_a_time(app):
    coach = make_user(Role.COACH)
    current = [make_case() for _ in range(25)]
    for case in current:
        allocate(case, coach)
    former = [make_case() for _ in range(3)]
    for case in former:
        allocate(case, coach, ended=True)
    client = enter_as(app.test_client(), coach)
    first = client.get("/coach").get_data(as_text=True)
    assert "You are allocated to 25 cases" in first
    second = client.get(page_link(first, "next")).get_data(as_text=True)
    listed = first + second
    for case in current:
        assert f">{case.reference}</a>" in listed
    for case in former:
        assert case.reference not in listed
    assert first.count("/cases/AC-") == 20 and second.count("/cases/AC-") == 5


def busy_case():
    """A case with 25 notes, 23 sessions and 30 timeline entries, and its coach."""
    case, coach = make_case(), make_user(Role.COACH)
    allocate(case, coach)
    party = add_party(case, make_user(Role.PARTY))
    start = datetime(2026, 1, 5, 10)
    for n in range(25):
        make_note(case, coach, Audience.STAFF, body=f"Staff note number {n:02d}.")
    for n in range(23):
        make_session(case, parties=[party], coaches=[coach], starts_at=start + timedelta(days=n))
    for n in range(30):
        record(case, CaseEventKind.CONSENT, f"Timeline entry number {n:02d}.", actor=coach)
    return case, coach


def test_the_case_pages_long_sections_are_paged_and_every_item_is_reachable(app):
    case, coach = busy_case()
    client = enter_as(app.test_client(), coach)
    first = client.get(f"/cases/{case.reference}").get_data(as_text=True)
    # The newest 20 notes and 25 timeline entries, the first 20 sessions.
    assert "Staff note number 24." in first and "Staff note number 05." in first
    assert "Staff note number 04." not in first
    assert "Timeline entry number 05." in first and "Timeline entry number 04." not in first
    assert first.count('<li class="card" id="session-') == 20
    # Each section's next page is a plain link back to its section.
    notes_link = page_link(first, "next", "notes")
    assert notes_link.endswith("#notes") and "notes_page=2" in notes_link
    assert page_link(first, "next", "sessions").endswith("sessions_page=2#sessions")
    assert page_link(first, "next", "the timeline").endswith("events_page=2#timeline")
    earlier = client.get(notes_link).get_data(as_text=True)
    assert "Staff note number 04." in earlier and "Staff note number 00." in earlier
    assert "Staff note number 05." not in earlier
    # The same address answers htmx with the case fragment, the earlier notes in it.
    fragment = client.get(notes_link, headers=HTMX).get_data(as_text=True)
    assert fragment.lstrip().startswith('<div id="case">')
    assert "Staff note number 00." in fragment
    # A section's pager keeps the other sections where they are.
    both = client.get(page_link(earlier, "next", "the timeline")).get_data(as_text=True)
    assert "Staff note number 00." in both and "Timeline entry number 00." in both
    assert page_link(both, "prev", "the timeline") == \
        f"/cases/{case.reference}?events_page=1&notes_page=2#timeline"
    assert page_link(both, "prev", "notes") == f"/cases/{case.reference}?notes_page=1&events_page=2#notes"
    sessions = client.get(page_link(first, "next", "sessions")).get_data(as_text=True)
    assert sessions.count('<li class="card" id="session-') == 3


def test_a_page_past_the_end_shows_the_last_page(app):
    case, coach = busy_case()
    client = enter_as(app.test_client(), coach)
    for junk in ("99", "-3", "two"):
        response = client.get(f"/cases/{case.reference}?notes_page={junk}&events_page={junk}")
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        last = junk == "99"
        assert ("Staff note number 00." in html) is last
        assert ("Staff note number 24." in html) is not last


def test_a_short_case_has_no_pager(app):
    case, coach = make_case(), make_user(Role.COACH)
    allocate(case, coach)
    make_note(case, coach, Audience.STAFF)
    html = enter_as(app.test_client(), coach).get(f"/cases/{case.reference}").get_data(as_text=True)
    assert 'class="pager"' not in html


def test_the_staff_home_pages_show_the_agreement_reviews_once(app):
    case, coach = make_case(), make_user(Role.COACH)
    allocate(case, coach)
    # Within the coordinator's 14 days ahead (their work queue), as well as on the coach's list.
    make_agreement(case, coach, state=AgreementState.FINAL, review_on=(utcnow() + timedelta(days=7)).date())
    coordinator = make_user(Role.COORDINATOR)
    for user, home in ((coordinator, "/coordinator"), (coach, "/coach")):
        html = enter_as(app.test_client(), user).get(home).get_data(as_text=True)
        assert html.count("Agreement reviews") == 1, home
        assert html.count('id="reviews-heading"') == 1, home
        assert html.count('id="review-') == 1, home
        title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
        assert "review" not in title.lower(), home


def test_shared_with_you_is_paged(app):
    case, coach = make_case(), make_user(Role.COACH)
    allocate(case, coach)
    user = make_user(Role.PARTY)
    party = add_party(case, user)
    for n in range(23):
        make_note(case, coach, Audience.PARTIES, body=f"Shared note number {n:02d}.", shares=[party])
    client = enter_as(app.test_client(), user)
    first = client.get("/shared").get_data(as_text=True)
    assert first.count('id="shared-note-') == 20
    later = page_link(first, "next", "notes and summaries")
    assert later.endswith("?page=2#shared-notes")
    second = client.get(later).get_data(as_text=True)
    assert second.count('id="shared-note-') == 3
    shown = set(re.findall(r'id="shared-note-(\d+)"', first + second))
    assert len(shown) == 23
