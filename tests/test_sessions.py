"""Sessions on the case page: scheduling and its refusals, rescheduling, outcomes, the party's view."""

import html
import re
from datetime import UTC, date, datetime, time, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from portal import policy, queries
from portal.models import Case, CaseEvent, CaseParty, CaseSession, SessionAttendee, SessionCoach, utcnow
from portal.vocab import CaseKind, CaseStatus, ConsentState, Role
from tests.factories import add_party, allocate, make_case, make_session, make_user

HTMX = {"HX-Request": "true"}
LONDON = ZoneInfo("Europe/London")
DAY = date.today() + timedelta(days=14)


def utc(day, hour, minute=0):
    """What London wall-clock time `hour:minute` on `day` is in naive UTC (worked out here, not by the app)."""
    return datetime.combine(day, time(hour, minute), tzinfo=LONDON).astimezone(UTC).replace(tzinfo=None)


def text(response):
    return html.unescape(response.get_data(as_text=True))


def card(page, session):
    """The case page's card for one session."""
    match = re.search(rf'<li class="card" id="session-{session.id}">(.*?)</dl>', page, re.S)
    assert match, f"no card for session {session.id}"
    return html.unescape(match.group(1))


@pytest.fixture
def w(app, make_browser):
    """A mediation case with two consenting parties, two allocated coaches and a coordinator."""
    coordinator = make_user(Role.COORDINATOR)
    priya, tom = make_user(Role.COACH, name="Priya Shah"), make_user(Role.COACH, name="Tom Reed")
    alex_user, bea_user = make_user(Role.PARTY, name="Alex Morgan"), make_user(Role.PARTY, name="Bea Lewis")
    case = make_case()
    allocate(case, priya)
    allocate(case, tom)
    alex = add_party(case, alex_user, consent_state=ConsentState.GIVEN)
    bea = add_party(case, bea_user, consent_state=ConsentState.GIVEN)
    staff = make_browser()
    staff.enter_as(coordinator)
    office = app.config["OFFICES"][0]
    return SimpleNamespace(**locals())


def new_url(case):
    return f"/cases/{case.reference}/sessions/new"


def booking(w, kind="joint_mediation", parties=None, coaches=None, **changes):
    parties = [w.alex, w.bea] if parties is None else parties
    data = {"kind": kind, "day": DAY.isoformat(), "start": "10:00", "duration": "60",
            "mode": "face_to_face", "office": w.office,
            "attendees": [str(p.id) for p in parties],
            "coaches": [str(c.id) for c in (coaches if coaches is not None else [w.priya])]}
    data.update(changes)
    return data


def session_events(case):
    return [e.summary for e in CaseEvent.select().where(CaseEvent.case == case, CaseEvent.kind.startswith("session"))
            .order_by(CaseEvent.id)]


def assert_nothing_saved(before=()):
    """No session, seat or timeline entry beyond the sessions the test made itself (`before`)."""
    ids = [s.id for s in before]
    assert [s.id for s in CaseSession.select().order_by(CaseSession.id)] == ids
    assert SessionAttendee.select().where(SessionAttendee.session.not_in(ids)).count() == 0
    assert SessionCoach.select().where(SessionCoach.session.not_in(ids)).count() == 0
    assert CaseEvent.select().where(CaseEvent.kind.startswith("session")).count() == 0


# --- scheduling -----------------------------------------------------------------------------

def test_a_coordinator_schedules_a_joint_mediation_with_a_supporter(w):
    data = booking(w, coaches=[w.priya, w.tom], duration="90", **{
        f"supporter_name_{w.alex.id}": "Sam Carter", f"supporter_relationship_{w.alex.id}": "Friend",
        f"supporter_told_{w.alex.id}": "y"})
    response = w.staff.submit(new_url(w.case), data)
    assert response.status_code == 303
    assert response.headers["Location"] == f"/cases/{w.case.reference}#sessions"
    session = CaseSession.get()
    assert (session.case_id, session.kind, session.starts_at, session.duration_minutes, session.mode,
            session.location, session.status) == (
        w.case.id, "joint_mediation", utc(DAY, 10), 90, "face_to_face", w.office, "scheduled")
    assert {c.coach_id for c in session.coaches} == {w.priya.id, w.tom.id}
    seats = {s.party_id: s for s in session.attendees}
    assert set(seats) == {w.alex.id, w.bea.id}
    assert (seats[w.alex.id].supporter_name, seats[w.alex.id].supporter_relationship,
            seats[w.alex.id].supporter_coach_told) == ("Sam Carter", "Friend", True)
    assert (seats[w.bea.id].supporter_name, seats[w.bea.id].supporter_coach_told) == (None, False)

    [summary] = session_events(w.case)
    assert "Joint mediation" in summary and "Sam Carter" not in summary
    page = text(w.staff.get(f"/cases/{w.case.reference}"))
    shown = card(page, session)
    assert "Sam Carter (Friend), coach told in advance" in shown
    assert "Priya Shah, Tom Reed" in shown


def test_the_form_is_a_page_without_javascript_and_a_fragment_with_htmx(w):
    page = w.staff.get(new_url(w.case))
    assert page.status_code == 200
    assert "<h1>Schedule a session</h1>" in page.get_data(as_text=True)
    fragment = w.staff.get(new_url(w.case), headers=HTMX).get_data(as_text=True)
    assert fragment.lstrip().startswith('<div id="schedule-form"')
    assert "<html" not in fragment
    case_page = w.staff.get(f"/cases/{w.case.reference}").get_data(as_text=True)
    assert f'hx-get="{new_url(w.case)}"' in case_page


def test_a_coach_on_the_case_schedules_through_htmx(w, make_browser):
    coach = make_browser()
    coach.enter_as(w.priya)
    bad = coach.submit(new_url(w.case), booking(w, kind="pre_mediation"), headers=HTMX)
    assert bad.status_code == 422
    assert bad.headers["HX-Retarget"] == "#schedule-form"
    assert bad.get_data(as_text=True).lstrip().startswith('<div id="schedule-form"')
    assert_nothing_saved()

    good = coach.submit(new_url(w.case), booking(w, kind="pre_mediation", parties=[w.alex]), headers=HTMX)
    assert good.status_code == 200
    assert good.headers["HX-Retarget"] == "#case"
    body = good.get_data(as_text=True)
    assert body.lstrip().startswith('<div id="case">') and "<html" not in body
    session = CaseSession.get()
    assert session.kind == "pre_mediation" and session.created_by_id == w.priya.id
    assert f'id="session-{session.id}"' in body


def test_the_coach_box_starts_with_the_coach_who_schedules(w, make_browser):
    coach = make_browser()
    coach.enter_as(w.tom)
    page = coach.get(new_url(w.case)).get_data(as_text=True)
    checked = re.findall(
        r'<input checked id="schedule-coaches-\d+" name="coaches" type="checkbox" value="(\d+)">', page)
    assert checked == [str(w.tom.id)]


@pytest.mark.parametrize("state, words", [
    (ConsentState.PENDING, "has not yet given consent"),
    (ConsentState.DECLINED, "declined to take part"),
    (ConsentState.WITHDRAWN, "has withdrawn from the case"),
])
def test_nothing_is_scheduled_with_a_party_who_has_not_consented(w, state, words):
    CaseParty.update(consent_state=state).where(CaseParty.id == w.bea.id).execute()
    response = w.staff.submit(new_url(w.case), booking(w))
    assert response.status_code == 422
    assert f"Bea Lewis {words}" in text(response)
    assert "Alex Morgan has" not in text(response)
    assert_nothing_saved()


def test_the_form_shows_who_cannot_be_booked(w):
    CaseParty.update(consent_state=ConsentState.WITHDRAWN).where(CaseParty.id == w.bea.id).execute()
    page = text(w.staff.get(new_url(w.case)))
    bea_box = re.search(rf'<input[^>]*value="{w.bea.id}"[^>]*>', page).group(0)
    alex_box = re.search(rf'<input[^>]*value="{w.alex.id}"[^>]*>', page).group(0)
    assert "disabled" in bea_box and "disabled" not in alex_box
    assert "(Withdrawn: cannot be booked)" in page


def test_a_withdrawn_party_is_shown_as_withdrawn_in_the_session_list_and_the_attendance_form(w):
    session = make_session(w.case, parties=[w.alex, w.bea], coaches=[w.priya], starts_at=utc(DAY, 10))
    before = card(text(w.staff.get(f"/cases/{w.case.reference}")), session)
    assert "Withdrawn" not in before
    CaseParty.update(consent_state=ConsentState.WITHDRAWN).where(CaseParty.id == w.bea.id).execute()
    shown = card(text(w.staff.get(f"/cases/{w.case.reference}")), session)
    assert re.search(r"Bea Lewis\s*<strong[^>]*>Withdrawn</strong>", shown)
    assert not re.search(r"Alex Morgan\s*<strong[^>]*>Withdrawn", shown)
    form = text(w.staff.get(f"/cases/{w.case.reference}/sessions/{session.id}/outcome"))
    assert re.search(r">Bea Lewis</label> <span class=\"meta\">\(withdrawn\)</span>", form)
    assert not re.search(r">Alex Morgan</label> <span", form)


def test_a_clash_for_a_coach_on_any_case_is_refused_and_back_to_back_is_fine(w):
    elsewhere = make_case(kind=CaseKind.COACHING)
    allocate(elsewhere, w.priya)
    there = make_session(elsewhere, coaches=[w.priya], starts_at=utc(DAY, 10, 30), duration_minutes=60,
                         kind="coaching")
    response = w.staff.submit(new_url(w.case), booking(w, coaches=[w.tom, w.priya]))
    assert response.status_code == 422
    assert "Priya Shah already has a session at that time." in text(response)
    assert "Tom Reed already" not in text(response)
    assert_nothing_saved(before=[there])

    assert w.staff.submit(new_url(w.case), booking(w, start="08:30", duration="90")).status_code == 303
    assert w.staff.submit(new_url(w.case), booking(w, start="11:30")).status_code == 303
    assert CaseSession.select().where(CaseSession.case == w.case).count() == 2


def test_a_cancelled_session_does_not_clash(w):
    make_session(w.case, parties=[w.alex, w.bea], coaches=[w.priya], starts_at=utc(DAY, 10),
                 status="cancelled", cancelled_by="party")
    assert w.staff.submit(new_url(w.case), booking(w)).status_code == 303


def test_a_clash_for_a_party_names_them_and_says_nothing_of_their_other_case(w):
    other = make_case(kind=CaseKind.COACHING, reference="AC-2026-9876")
    alex_there = add_party(other, w.alex_user, name="A. Morgan (other record)", consent_state=ConsentState.GIVEN)
    stranger = add_party(other, name="Quentin Other")
    other_coach = make_user(Role.COACH, name="Olive Elsewhere")
    there = make_session(other, parties=[alex_there, stranger], coaches=[other_coach], starts_at=utc(DAY, 9, 30),
                         kind="coaching", mode="community_venue", location="Secret Street Hall")
    response = w.staff.submit(new_url(w.case), booking(w, coaches=[w.tom]))
    assert response.status_code == 422
    body = text(response)
    assert "Alex Morgan already has a session at that time." in body
    for secret in ("AC-2026-9876", "Quentin Other", "Olive Elsewhere", "Secret Street Hall", "other record"):
        assert secret not in body
    assert "Bea Lewis already" not in body
    assert_nothing_saved(before=[there])


def test_a_clash_for_a_party_on_the_same_case_is_refused(w):
    make_session(w.case, parties=[w.bea], coaches=[w.tom], starts_at=utc(DAY, 10, 45), kind="pre_mediation")
    response = w.staff.submit(new_url(w.case), booking(w, kind="pre_mediation", parties=[w.bea]))
    assert response.status_code == 422
    assert "Bea Lewis already has a session at that time." in text(response)
    assert CaseSession.select().count() == 1


@pytest.fixture
def coaching(w):
    """A one-to-one coaching case for Alex with an allowance of 2, Priya coaching."""
    case = make_case(kind=CaseKind.COACHING, session_allowance=2)
    allocate(case, w.priya)
    party = add_party(case, w.alex_user, consent_state=ConsentState.GIVEN)
    return SimpleNamespace(case=case, party=party)


def coaching_booking(w, coaching, day, **changes):
    return booking(w, kind="coaching", parties=[coaching.party], day=day.isoformat(), **changes)


def test_coaching_sessions_count_against_the_allowance_and_cancelled_ones_do_not(w, coaching):
    first = DAY + timedelta(days=1)
    make_session(coaching.case, parties=[coaching.party], coaches=[w.priya], kind="coaching",
                 starts_at=utc(DAY, 10), status="cancelled", cancelled_by="coach")
    make_session(coaching.case, parties=[coaching.party], coaches=[w.priya], kind="post_mediation_coaching",
                 starts_at=utc(DAY, 14), status="held")
    response = w.staff.submit(new_url(coaching.case), coaching_booking(w, coaching, first))
    assert response.status_code == 303
    assert CaseSession.get(CaseSession.starts_at == utc(first, 10)).over_allowance_reason is None

    later = DAY + timedelta(days=2)
    refused = w.staff.submit(new_url(coaching.case), coaching_booking(w, coaching, later))
    assert refused.status_code == 422
    assert "allowance is 2 coaching sessions and 2 are already booked or held" in text(refused)
    assert not CaseSession.select().where(CaseSession.starts_at == utc(later, 10)).exists()

    saved = w.staff.submit(new_url(coaching.case), coaching_booking(
        w, coaching, later, over_allowance_reason="Agreed with the funder: one more session."))
    assert saved.status_code == 303
    session = CaseSession.get(CaseSession.starts_at == utc(later, 10))
    assert session.over_allowance_reason == "Agreed with the funder: one more session."
    assert "Agreed with the funder: one more session." in session_events(coaching.case)[-1]
    page = text(w.staff.get(f"/cases/{coaching.case.reference}"))
    assert "Coaching sessions: 3 of 2" in page


def test_the_form_asks_for_a_reason_up_front_once_the_allowance_is_used(w, coaching):
    url = new_url(coaching.case)
    assert "over_allowance_reason" not in w.staff.get(url).get_data(as_text=True)
    for n in range(2):
        make_session(coaching.case, parties=[coaching.party], coaches=[w.priya], kind="coaching",
                     starts_at=utc(DAY + timedelta(days=n + 5), 10))
    assert 'name="over_allowance_reason"' in w.staff.get(url).get_data(as_text=True)


def test_a_joint_mediation_session_does_not_use_the_allowance(w):
    CaseParty.update(consent_state=ConsentState.GIVEN).execute()
    Case.update(session_allowance=0).where(Case.id == w.case.id).execute()
    assert w.staff.submit(new_url(w.case), booking(w)).status_code == 303


@pytest.mark.parametrize("kind", ["joint_mediation", "pre_mediation"])
def test_mediation_meetings_only_on_mediation_cases(w, coaching, kind):
    parties = [coaching.party, add_party(coaching.case, name="Second Person", consent_state="given")] \
        if kind == "joint_mediation" else [coaching.party]
    response = w.staff.submit(new_url(coaching.case), booking(w, kind=kind, parties=parties))
    assert response.status_code == 422
    assert "can only be scheduled on a mediation case" in text(response)
    assert_nothing_saved()


def test_a_coaching_case_offers_only_coaching_kinds(w, coaching):
    page = w.staff.get(new_url(coaching.case)).get_data(as_text=True)
    offered = re.findall(r'name="kind"[^>]*value="(\w+)"', page)
    assert offered == ["coaching", "post_mediation_coaching"]


@pytest.mark.parametrize("kind", ["pre_mediation", "coaching", "post_mediation_coaching"])
def test_one_party_kinds_need_exactly_one_party(w, kind):
    response = w.staff.submit(new_url(w.case), booking(w, kind=kind))
    assert response.status_code == 422
    assert "Only one party attends this kind of session" in text(response)
    assert_nothing_saved()
    assert w.staff.submit(new_url(w.case), booking(w, kind=kind, parties=[w.bea])).status_code == 303


def test_joint_mediation_needs_two_parties(w):
    response = w.staff.submit(new_url(w.case), booking(w, parties=[w.alex]))
    assert response.status_code == 422
    assert "Joint mediation needs at least two parties." in text(response)


@pytest.mark.parametrize("link", [
    "", "http://meet.example.org/room", "meet.example.org/room", "https://", "https://exa mple.org/x",
    "javascript:alert(1)", "https://localhost/room", "ftp://meet.example.org/room",
])
def test_an_online_session_needs_an_https_link(w, link):
    response = w.staff.submit(new_url(w.case), booking(w, mode="online", online_link=link))
    assert response.status_code == 422
    assert "Enter the full meeting link, starting https://" in text(response)
    assert_nothing_saved()


def test_an_online_session_keeps_its_link_and_drops_other_places(w):
    link = "https://meet.example.org/accord-room?pwd=x1"
    response = w.staff.submit(new_url(w.case), booking(w, mode="online", online_link=link, venue="Ignored Hall"))
    assert response.status_code == 303
    session = CaseSession.get()
    assert (session.mode, session.online_link, session.location) == ("online", link, "")


@pytest.mark.parametrize("changes, message", [
    ({"office": "Not an office"}, "Choose the office for a face-to-face session."),
    ({"mode": "home_visit", "address": "  "}, "Enter the address for the home visit."),
    ({"mode": "community_venue"}, "Enter the name and address of the venue."),
    ({"mode": "by_pigeon"}, "Not a valid choice"),
    ({"kind": "party_time"}, "Choose the kind of session."),
    ({"coaches": []}, "Choose at least one coach."),
    ({"attendees": []}, "Choose who attends."),
    ({"duration": "5"}, "Enter a length between 15 and 480 minutes."),
    ({"duration": "600"}, "Enter a length between 15 and 480 minutes."),
    ({"start": ""}, "Enter the start time, for example 14:30."),
    ({"day": "next week"}, "Enter the date, for example 21/11/2026."),
    ({"day": (date.today() - timedelta(days=1)).isoformat()}, "Choose a date and time in the future."),
])
def test_bad_input_gets_a_message_and_saves_nothing(w, changes, message):
    response = w.staff.submit(new_url(w.case), booking(w, **changes))
    assert response.status_code == 422
    assert message in text(response)
    assert_nothing_saved()


def test_a_coach_not_on_the_case_cannot_be_booked(w):
    outsider = make_user(Role.COACH)
    response = w.staff.submit(new_url(w.case), booking(w, coaches=[outsider]))
    assert response.status_code == 422
    assert "Choose coaches who are allocated to this case." in text(response)
    assert_nothing_saved()


def test_a_party_from_another_case_cannot_be_booked(w):
    other = add_party(make_case(), name="Someone Else", consent_state=ConsentState.GIVEN)
    response = w.staff.submit(new_url(w.case), booking(w, parties=[w.alex, other]))
    assert response.status_code == 422
    assert "Choose parties on this case." in text(response)
    assert_nothing_saved()


def test_a_supporter_needs_a_relationship(w):
    response = w.staff.submit(new_url(w.case), booking(w, **{f"supporter_name_{w.bea.id}": "Jo"}))
    assert response.status_code == 422
    assert "Say how the supporter is related to Bea Lewis" in text(response)
    assert_nothing_saved()


def test_a_time_that_the_clocks_skip_is_refused(w):
    year = date.today().year + 1
    last_sunday_of_march = max(date(year, 3, d) for d in range(25, 32) if date(year, 3, d).weekday() == 6)
    response = w.staff.submit(new_url(w.case), booking(w, day=last_sunday_of_march.isoformat(), start="01:30"))
    assert response.status_code == 422
    assert "the clocks go forward" in text(response)
    assert_nothing_saved()


def test_closed_cases_refuse_scheduling_and_changes(w):
    session = make_session(w.case, parties=[w.alex, w.bea], coaches=[w.priya], starts_at=utc(DAY, 10))
    Case.update(status=CaseStatus.CLOSED).where(Case.id == w.case.id).execute()
    page = f"/cases/{w.case.reference}"
    assert w.staff.get(new_url(w.case)).status_code == 403
    assert w.staff.submit(new_url(w.case), booking(w), page=page).status_code == 403
    for action in ("reschedule", "outcome"):
        url = f"/cases/{w.case.reference}/sessions/{session.id}/{action}"
        assert w.staff.get(url).status_code == 403
        assert w.staff.submit(url, {"status": "cancelled", "cancelled_by": "party"}, page=page).status_code == 403
    assert CaseSession.get_by_id(session.id).status == "scheduled"
    assert CaseSession.select().count() == 1
    assert "Schedule a session" not in w.staff.get(page).get_data(as_text=True)


def test_only_staff_on_the_case_reach_the_session_forms(w, make_browser):
    session = make_session(w.case, parties=[w.alex], coaches=[w.priya], starts_at=utc(DAY, 10), kind="pre_mediation")
    outsider, party = make_browser(), make_browser()
    outsider.enter_as(make_user(Role.COACH))
    party.enter_as(w.alex_user)
    urls = [new_url(w.case)] + [f"/cases/{w.case.reference}/sessions/{session.id}/{a}"
                                for a in ("reschedule", "outcome")]
    for url in urls:
        assert outsider.get(url).status_code == 404
        assert party.get(url).status_code == 403


# --- rescheduling ---------------------------------------------------------------------------

def move_url(case, session):
    return f"/cases/{case.reference}/sessions/{session.id}/reschedule"


def move(w, **changes):
    data = {"day": (DAY + timedelta(days=1)).isoformat(), "start": "14:30", "duration": "45",
            "mode": "face_to_face", "office": w.office}
    data.update(changes)
    return data


def test_rescheduling_moves_the_session_and_says_so_on_the_timeline(w):
    session = make_session(w.case, parties=[w.alex, w.bea], coaches=[w.priya], starts_at=utc(DAY, 10),
                           location=w.office)
    form = w.staff.get(move_url(w.case, session)).get_data(as_text=True)
    assert f'value="{DAY.isoformat()}"' in form and 'value="10:00"' in form
    link = "https://video.example.org/r/42"
    response = w.staff.submit(move_url(w.case, session), move(w, mode="online", online_link=link))
    assert response.status_code == 303
    moved = CaseSession.get_by_id(session.id)
    assert (moved.starts_at, moved.duration_minutes, moved.mode, moved.online_link, moved.location) == (
        utc(DAY + timedelta(days=1), 14, 30), 45, "online", link, "")
    [summary] = session_events(w.case)
    assert "moved" in summary and "14:30" in summary


def test_rescheduling_through_htmx(w):
    session = make_session(w.case, parties=[w.alex, w.bea], coaches=[w.priya], starts_at=utc(DAY, 10))
    fragment = w.staff.get(move_url(w.case, session), headers=HTMX).get_data(as_text=True)
    assert fragment.lstrip().startswith(f'<div id="reschedule-form-{session.id}"')
    # Ids of their own, so that this form and another open one never share a label target.
    assert f'<label for="move-{session.id}-day">' in fragment and 'id="day"' not in fragment
    bad = w.staff.submit(move_url(w.case, session), move(w, duration="0"), headers=HTMX)
    assert bad.status_code == 422 and bad.headers["HX-Retarget"] == f"#reschedule-form-{session.id}"
    good = w.staff.submit(move_url(w.case, session), move(w), headers=HTMX)
    assert good.status_code == 200 and good.headers["HX-Retarget"] == "#case"
    assert CaseSession.get_by_id(session.id).duration_minutes == 45


def test_a_session_moved_onto_itself_does_not_clash_but_onto_a_coach_elsewhere_does(w):
    session = make_session(w.case, parties=[w.alex, w.bea], coaches=[w.priya], starts_at=utc(DAY, 10))
    assert w.staff.submit(move_url(w.case, session), move(w, day=DAY.isoformat(), start="10:30")).status_code == 303
    make_session(make_case(), coaches=[w.priya], starts_at=utc(DAY + timedelta(days=1), 14))
    refused = w.staff.submit(move_url(w.case, session), move(w))
    assert refused.status_code == 422
    assert "Priya Shah already has a session at that time." in text(refused)
    assert CaseSession.get_by_id(session.id).starts_at == utc(DAY, 10, 30)


def test_a_session_with_a_withdrawn_party_is_not_moved(w):
    session = make_session(w.case, parties=[w.alex, w.bea], coaches=[w.priya], starts_at=utc(DAY, 10))
    CaseParty.update(consent_state=ConsentState.WITHDRAWN).where(CaseParty.id == w.alex.id).execute()
    response = w.staff.submit(move_url(w.case, session), move(w))
    assert response.status_code == 422
    assert "Alex Morgan has withdrawn from the case" in text(response)
    assert CaseSession.get_by_id(session.id).starts_at == utc(DAY, 10)


def test_only_scheduled_sessions_on_this_case_are_moved(w):
    held = make_session(w.case, parties=[w.alex], coaches=[w.priya], starts_at=utc(DAY, 10), status="held")
    assert w.staff.get(move_url(w.case, held)).status_code == 403
    elsewhere = make_session(make_case(), coaches=[w.priya], starts_at=utc(DAY, 12))
    assert w.staff.get(move_url(w.case, elsewhere)).status_code == 404


# --- attendance and outcome -----------------------------------------------------------------

def outcome_url(case, session):
    return f"/cases/{case.reference}/sessions/{session.id}/outcome"


@pytest.fixture
def yesterday(w):
    return make_session(w.case, parties=[w.alex, w.bea], coaches=[w.priya],
                        starts_at=utcnow().replace(microsecond=0) - timedelta(days=1))


def seats_of(session):
    return {s.party_id: s.attended for s in SessionAttendee.select().where(SessionAttendee.session == session)}


def test_attendance_and_held_are_recorded(w, yesterday):
    response = w.staff.submit(outcome_url(w.case, yesterday),
                              {"status": "held", "attended": [str(w.alex.id), str(w.bea.id)]})
    assert response.status_code == 303
    assert CaseSession.get_by_id(yesterday.id).status == "held"
    assert seats_of(yesterday) == {w.alex.id: True, w.bea.id: True}
    assert "held" in session_events(w.case)[-1].lower()


def test_a_party_who_did_not_come_is_recorded(w, yesterday):
    response = w.staff.submit(outcome_url(w.case, yesterday),
                              {"status": "did_not_attend", "attended": [str(w.alex.id)]}, headers=HTMX)
    assert response.status_code == 200 and response.headers["HX-Retarget"] == "#case"
    assert CaseSession.get_by_id(yesterday.id).status == "did_not_attend"
    assert seats_of(yesterday) == {w.alex.id: True, w.bea.id: False}
    summary = session_events(w.case)[-1]
    assert "Did not come: Bea Lewis" in summary and "Came: Alex Morgan" in summary
    assert "Bea Lewis: did not come" in card(text(w.staff.get(f"/cases/{w.case.reference}")), yesterday)


@pytest.mark.parametrize("who", ["party", "coach", "service"])
def test_a_session_is_cancelled_by_someone_and_then_stays_cancelled(w, who):
    session = make_session(w.case, parties=[w.alex, w.bea], coaches=[w.priya], starts_at=utc(DAY, 10))
    response = w.staff.submit(outcome_url(w.case, session), {"status": "cancelled", "cancelled_by": who})
    assert response.status_code == 303
    cancelled = CaseSession.get_by_id(session.id)
    assert (cancelled.status, cancelled.cancelled_by) == ("cancelled", who)
    assert seats_of(session) == {w.alex.id: None, w.bea.id: None}
    assert "cancelled" in session_events(w.case)[-1]
    assert w.staff.get(outcome_url(w.case, session)).status_code == 403
    assert w.staff.get(move_url(w.case, session)).status_code == 403


@pytest.mark.parametrize("data, message", [
    ({"status": "cancelled"}, "Say who cancelled the session."),
    ({"status": "held"}, "Tick who came."),
    ({"attended": []}, "Choose what happened."),
    ({"status": "did_not_attend", "attended": "both"}, "Everyone came"),
])
def test_bad_outcomes_get_a_message_and_change_nothing(w, yesterday, data, message):
    if data.get("attended") == "both":
        data = {**data, "attended": [str(w.alex.id), str(w.bea.id)]}
    response = w.staff.submit(outcome_url(w.case, yesterday), data)
    assert response.status_code == 422
    assert message in text(response)
    assert CaseSession.get_by_id(yesterday.id).status == "scheduled"
    assert seats_of(yesterday) == {w.alex.id: None, w.bea.id: None}


def test_attendance_waits_until_the_session_has_started(w):
    session = make_session(w.case, parties=[w.alex, w.bea], coaches=[w.priya], starts_at=utc(DAY, 10))
    response = w.staff.submit(outcome_url(w.case, session), {"status": "held", "attended": [str(w.alex.id)]})
    assert response.status_code == 422
    assert "once the session has started" in text(response)
    assert CaseSession.get_by_id(session.id).status == "scheduled"


# --- what a party sees ----------------------------------------------------------------------

def test_a_party_sees_their_own_sessions_and_never_another_partys_meeting(w, make_browser):
    summer = date(date.today().year + 1, 7, 15)
    joint = make_session(w.case, parties=[w.alex, w.bea], coaches=[w.priya], starts_at=utc(summer, 10),
                         location=w.office)
    own = make_session(w.case, parties=[w.alex], coaches=[w.priya], starts_at=utc(DAY, 9),
                       kind="pre_mediation", mode="home_visit", location="1 Private Lane")
    theirs = make_session(w.case, parties=[w.bea], coaches=[w.priya], starts_at=utc(DAY, 15),
                          kind="pre_mediation", location="Bea's Secret Room")
    past = make_session(w.case, parties=[w.alex], coaches=[w.priya], kind="pre_mediation",
                        starts_at=utcnow().replace(microsecond=0) - timedelta(days=3), status="held")
    party = make_browser()
    party.enter_as(w.alex_user)
    page = text(party.get("/party"))
    for session in (joint, own, past):
        assert f'id="my-session-{session.id}"' in page
    assert f'id="my-session-{theirs.id}"' not in page and "Bea's Secret Room" not in page
    assert f"/sessions/{theirs.id}.ics" not in page
    assert "1 Private Lane" not in page and "A home visit" in page
    upcoming, past_part = page.split('id="past-heading"')
    assert f'my-session-{joint.id}' in upcoming and f'my-session-{past.id}' in past_part
    # 10:00 in London in July is 09:00 UTC; the page shows the London time.
    joint_card = upcoming.split(f'id="my-session-{joint.id}"')[1].split("</li>")[0]
    shown_time = re.search(r'<time datetime="([^"]+)">([^<]+)</time>', joint_card)
    assert shown_time.group(1) == f"{summer.isoformat()}T09:00:00Z"
    assert shown_time.group(2).endswith(f"{summer.day} July {summer.year}, 10:00")
    assert f'href="/sessions/{joint.id}.ics"' in joint_card


def test_queries_give_a_coach_only_their_sessions_on_cases_they_are_still_on(w):
    """coach_sessions agrees with policy.can_view_session plus "this coach runs it"."""
    old_case = make_case()
    allocate(old_case, w.priya, ended=True)
    sessions = [
        make_session(w.case, parties=[w.alex], coaches=[w.priya], starts_at=utc(DAY, 9)),
        make_session(w.case, parties=[w.bea], coaches=[w.tom], starts_at=utc(DAY, 11)),
        make_session(w.case, parties=[w.alex, w.bea], coaches=[w.priya, w.tom], starts_at=utc(DAY, 13)),
        make_session(old_case, coaches=[w.priya], starts_at=utc(DAY, 15)),
    ]
    for coach in (w.priya, w.tom, make_user(Role.COACH)):
        expected = set()
        for session in sessions:
            facts = queries.case_facts(session.case)
            seen = policy.can_view_session(coach.actor(), facts, session.facts())
            if seen and coach.id in {c.coach_id for c in session.coaches}:
                expected.add(session.id)
        assert {s.id for s in queries.coach_sessions(coach)} == expected
    assert {s.id for s in queries.coach_sessions(w.priya)} == {sessions[0].id, sessions[2].id}
    assert list(queries.coach_sessions(make_user(Role.COORDINATOR))) == []
