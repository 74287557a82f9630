"""Calendar files: valid RFC 5545 read back with `icalendar`, times in UTC, nothing confidential,
and only ever the user's own sessions."""

from datetime import UTC, date, datetime, time, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from portal.models import CaseSession, utcnow
from portal.vocab import CaseKind, ConsentState, Role
from tests.factories import add_party, allocate, make_case, make_session, make_user

LONDON = ZoneInfo("Europe/London")
NEXT_YEAR = date.today().year + 1
SUMMER, WINTER = date(NEXT_YEAR, 7, 15), date(NEXT_YEAR, 1, 15)


def utc(day, hour, minute=0):
    return datetime.combine(day, time(hour, minute), tzinfo=LONDON).astimezone(UTC).replace(tzinfo=None)


@pytest.fixture
def w(app, make_browser):
    coordinator = make_user(Role.COORDINATOR)
    priya, tom = make_user(Role.COACH, name="Priya Shah"), make_user(Role.COACH, name="Tom Reed")
    alex_user, bea_user = make_user(Role.PARTY, name="Alex Morgan"), make_user(Role.PARTY, name="Bea Lewis")
    case = make_case()
    allocate(case, priya)
    allocate(case, tom)
    alex = add_party(case, alex_user, consent_state=ConsentState.GIVEN, address="1 Elm Road")
    bea = add_party(case, bea_user, consent_state=ConsentState.GIVEN, address="3 Elm Road")
    office = app.config["OFFICES"][0]
    service_name = app.config["SERVICE_NAME"]

    browser_for = make_browser  # signed in without the form (conftest.enter_as)
    return SimpleNamespace(**locals())


def download(browser, url):
    response = browser.get(url)
    assert response.status_code == 200, response.status
    return response


def events(response):
    calendar = Calendar.from_ical(response.data)
    return calendar, [c for c in calendar.walk("VEVENT")]


def assert_rfc5545_shape(raw):
    """CRLF line endings, lines folded at 75 octets, one VCALENDAR around everything."""
    assert raw.endswith(b"\r\n")
    lines = raw.split(b"\r\n")[:-1]
    assert lines[0] == b"BEGIN:VCALENDAR" and lines[-1] == b"END:VCALENDAR"
    assert all(len(line) <= 75 for line in lines)
    assert b"\n" not in raw.replace(b"\r\n", b"")


@pytest.mark.parametrize("day, utc_hour", [(SUMMER, 9), (WINTER, 10)])
def test_a_session_entered_in_london_time_is_in_utc_in_the_calendar_file(w, day, utc_hour):
    staff = w.browser_for(w.coordinator)
    staff.submit(f"/cases/{w.case.reference}/sessions/new", {
        "kind": "joint_mediation", "day": day.isoformat(), "start": "10:00", "duration": "90",
        "mode": "face_to_face", "office": w.office, "attendees": [str(w.alex.id), str(w.bea.id)],
        "coaches": [str(w.priya.id)], f"supporter_name_{w.bea.id}": "Sam Carter",
        f"supporter_relationship_{w.bea.id}": "Friend"})
    session = CaseSession.get()
    response = download(w.browser_for(w.alex_user), f"/sessions/{session.id}.ics")
    assert response.mimetype == "text/calendar"
    assert response.headers["Content-Disposition"] == f'attachment; filename="accord-session-{session.id}.ics"'
    assert response.headers["Cache-Control"] == "no-store"
    assert_rfc5545_shape(response.data)

    calendar, [event] = events(response)
    assert str(calendar["VERSION"]) == "2.0" and calendar["PRODID"]
    start = datetime(day.year, day.month, day.day, utc_hour, tzinfo=UTC)
    assert event.decoded("DTSTART") == start
    assert event.decoded("DTEND") == start + timedelta(minutes=90)
    assert f"DTSTART:{day:%Y%m%d}T{utc_hour:02d}0000Z".encode() in response.data
    assert event["UID"] and event.decoded("DTSTAMP").tzinfo is not None
    assert str(event["SUMMARY"]) == f"{w.service_name}: Joint mediation"
    assert str(event["LOCATION"]) == w.office
    assert str(event["STATUS"]) == "CONFIRMED"
    for secret in (b"Bea Lewis", b"Alex Morgan", b"Sam Carter", b"Priya Shah", w.case.reference.encode(),
                   b"Elm Road"):
        assert secret not in response.data


def test_an_online_session_carries_its_link_and_a_telephone_one_says_telephone(w):
    link = "https://meet.example.org/accord/room-with-a-long-name-that-needs-folding-in-the-file-0123456789"
    online = make_session(w.case, parties=[w.alex, w.bea], coaches=[w.priya], starts_at=utc(SUMMER, 10),
                          mode="online", online_link=link)
    phone = make_session(w.case, parties=[w.alex], coaches=[w.priya], starts_at=utc(SUMMER, 14),
                         kind="pre_mediation", mode="telephone")
    party = w.browser_for(w.alex_user)
    response = download(party, f"/sessions/{online.id}.ics")
    assert_rfc5545_shape(response.data)
    _, [event] = events(response)
    assert str(event["URL"]) == link
    assert link in str(event["DESCRIPTION"])
    assert str(event["LOCATION"]) == "Online"
    _, [event] = events(download(party, f"/sessions/{phone.id}.ics"))
    assert str(event["LOCATION"]) == "Telephone"
    assert str(event["SUMMARY"]) == f"{w.service_name}: Pre-mediation meeting"
    assert "URL" not in event


def test_a_home_visit_address_never_goes_into_a_calendar_file(w):
    visit = make_session(w.case, parties=[w.alex], coaches=[w.priya], starts_at=utc(SUMMER, 10),
                         kind="pre_mediation", mode="home_visit", location="1 Elm Road, Flat 2")
    for user in (w.alex_user, w.priya):
        response = download(w.browser_for(user), f"/sessions/{visit.id}.ics")
        _, [event] = events(response)
        assert str(event["LOCATION"]) == "Home visit"
        assert b"Elm Road" not in response.data


def test_a_cancelled_session_is_marked_cancelled(w):
    session = make_session(w.case, parties=[w.alex], coaches=[w.priya], starts_at=utc(SUMMER, 10),
                           kind="pre_mediation", status="cancelled", cancelled_by="service")
    _, [event] = events(download(w.browser_for(w.alex_user), f"/sessions/{session.id}.ics"))
    assert str(event["STATUS"]) == "CANCELLED"


def test_nobody_downloads_a_session_that_is_not_theirs(w, client):
    bea_only = make_session(w.case, parties=[w.bea], coaches=[w.priya], starts_at=utc(SUMMER, 10),
                            kind="pre_mediation")
    elsewhere = make_session(make_case(), parties=[add_party(make_case(), name="Stranger")],
                             coaches=[make_user(Role.COACH)], starts_at=utc(SUMMER, 12))
    url = f"/sessions/{bea_only.id}.ics"
    assert download(w.browser_for(w.bea_user), url).status_code == 200
    for user in (w.alex_user, w.tom, w.coordinator, make_user(Role.COACH)):
        assert w.browser_for(user).get(url).status_code == 404, user.role
    assert w.browser_for(w.alex_user).get(f"/sessions/{elsewhere.id}.ics").status_code == 404
    assert w.browser_for(w.alex_user).get("/sessions/999999.ics").status_code == 404
    anonymous = client.get(url)
    assert anonymous.status_code == 303 and "/sign-in" in anonymous.headers["Location"]


def test_a_coach_downloads_their_sessions_from_today_on_in_one_file(w):
    other_case = make_case(kind=CaseKind.COACHING)
    allocate(other_case, w.priya)
    solo = add_party(other_case, w.alex_user, consent_state=ConsentState.GIVEN)
    left_case = make_case()
    allocate(left_case, w.priya, ended=True)
    joint = make_session(w.case, parties=[w.alex, w.bea], coaches=[w.priya, w.tom], starts_at=utc(SUMMER, 10))
    coaching = make_session(other_case, parties=[solo], coaches=[w.priya], starts_at=utc(WINTER, 16),
                            kind="coaching", mode="online", online_link="https://meet.example.org/c")
    cancelled = make_session(w.case, parties=[w.alex], coaches=[w.priya], starts_at=utc(SUMMER, 14),
                             kind="pre_mediation", status="cancelled", cancelled_by="party")
    make_session(w.case, parties=[w.bea], coaches=[w.tom], starts_at=utc(SUMMER, 15), kind="pre_mediation")
    make_session(w.case, parties=[w.alex], coaches=[w.priya], kind="pre_mediation",
                 starts_at=utcnow() - timedelta(days=2), status="held")
    make_session(left_case, coaches=[w.priya], starts_at=utc(SUMMER, 8))

    response = download(w.browser_for(w.priya), "/sessions/my-sessions.ics")
    assert response.headers["Content-Disposition"] == 'attachment; filename="accord-sessions.ics"'
    assert_rfc5545_shape(response.data)
    _, found = events(response)
    by_start = {e.decoded("DTSTART"): e for e in found}
    expected = {joint: "CONFIRMED", coaching: "CONFIRMED", cancelled: "CANCELLED"}
    assert set(by_start) == {s.starts_at.replace(tzinfo=UTC) for s in expected}
    assert len({str(e["UID"]) for e in found}) == 3
    for session, status in expected.items():
        event = by_start[session.starts_at.replace(tzinfo=UTC)]
        assert str(event["STATUS"]) == status
        assert session.case.reference in str(event["SUMMARY"])
    for secret in (b"Alex Morgan", b"Bea Lewis", left_case.reference.encode()):
        assert secret not in response.data


@pytest.mark.parametrize("role", [Role.PARTY, Role.COORDINATOR])
def test_only_coaches_have_a_sessions_file(w, role):
    assert w.browser_for(make_user(role)).get("/sessions/my-sessions.ics").status_code == 403


def test_the_party_page_links_each_session_to_its_calendar_file_and_the_coach_page_to_theirs(w):
    session = make_session(w.case, parties=[w.alex, w.bea], coaches=[w.priya], starts_at=utc(SUMMER, 10))
    page = w.browser_for(w.alex_user).get("/party").get_data(as_text=True)
    assert f'href="/sessions/{session.id}.ics"' in page
    assert 'href="/sessions/my-sessions.ics"' in w.browser_for(w.priya).get("/coach").get_data(as_text=True)
