"""What a party sees of the people and the service: their coaches and the service's phone and
email on every page of theirs (issue 13)."""

import pytest

from portal.vocab import Role
from tests.conftest import enter_as
from tests.factories import add_party, allocate, make_case, make_user


@pytest.fixture
def party_world(app):
    case = make_case()
    coach = make_user(Role.COACH, name="Rosa Current")
    former = make_user(Role.COACH, name="Ivo Former")
    allocate(case, coach)
    allocate(case, former, ended=True)
    party = make_user(Role.PARTY)
    add_party(case, party)
    other_case = make_case()
    stranger = make_user(Role.COACH, name="Una Elsewhere")
    allocate(other_case, stranger)
    return case, coach, party


@pytest.mark.parametrize("path", ["/party", "/action-points", "/shared", "/account/password"])
def test_every_party_page_names_their_coaches_and_how_to_reach_the_service(app, client,
                                                                           party_world, path):
    case, coach, party = party_world
    enter_as(client, party)
    page = client.get(path)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Your coach: Rosa Current." in html
    assert "Ivo Former" not in html  # allocation ended
    assert "Una Elsewhere" not in html  # another case's coach
    assert app.config["SERVICE_PHONE"] in html
    assert f'href="mailto:{app.config["SERVICE_EMAIL"]}"' in html


def test_the_service_email_is_configurable(monkeypatch):
    from portal.config import TestConfig
    assert TestConfig.SERVICE_EMAIL == "hello@accord.invalid"
    monkeypatch.setenv("ACCORD_SERVICE_EMAIL", "help@example.test")
    assert TestConfig.SERVICE_EMAIL == "help@example.test"


def test_a_party_without_a_coach_is_told_so(app, client):
    case = make_case()
    party = make_user(Role.PARTY)
    add_party(case, party)
    enter_as(client, party)
    html = client.get("/party").get_data(as_text=True)
    assert "A coach has not been given your case yet." in html


def test_staff_pages_do_not_show_the_party_block(app, client, party_world):
    case, coach, party = party_world
    enter_as(client, coach)
    html = client.get("/coach").get_data(as_text=True)
    assert 'id="service-contact"' not in html


# --- a party's own seat: cannot come, rearrange, a supporter ----------------------------------

from datetime import timedelta  # noqa: E402

from portal.models import SessionAttendee, SessionRequest, utcnow  # noqa: E402
from portal.vocab import CaseStatus, SessionRequestKind, SessionStatus  # noqa: E402
from tests.conftest import csrf_from  # noqa: E402
from tests.factories import make_session  # noqa: E402

HTMX = {"HX-Request": "true"}


@pytest.fixture
def joint(app):
    case = make_case()
    coach = make_user(Role.COACH, name="Rosa Current")
    allocate(case, coach)
    alice_user, bob_user = make_user(Role.PARTY, name="Alice A"), make_user(Role.PARTY, name="Bob B")
    alice, bob = add_party(case, alice_user), add_party(case, bob_user)
    session = make_session(case, parties=[alice, bob], coaches=[coach],
                           starts_at=utcnow() + timedelta(days=3))
    past = make_session(case, parties=[alice, bob], coaches=[coach],
                        starts_at=utcnow() - timedelta(days=3))
    return case, coach, (alice_user, alice), (bob_user, bob), session, past


def _post(client, path, data, **kwargs):
    token = csrf_from(client.get("/party").get_data(as_text=True))
    return client.post(path, data={"csrf_token": token, **data}, **kwargs)


def test_a_party_asks_to_rearrange_and_only_staff_and_they_read_it(app, client, joint):
    case, coach, (alice_user, alice), (bob_user, bob), session, _ = joint
    enter_as(client, alice_user)
    home = client.get("/party").get_data(as_text=True)
    assert f"/my-sessions/{session.id}/ask" in home
    assert client.get(f"/my-sessions/{session.id}/ask").status_code == 200
    answer = _post(client, f"/my-sessions/{session.id}/ask",
                   {"kind": SessionRequestKind.REARRANGE, "reason": "MARKER-ALICE-REASON"})
    assert answer.status_code == 303
    row = SessionRequest.get()
    assert (row.party_id, row.kind, row.reason) == (alice.id, SessionRequestKind.REARRANGE,
                                                    "MARKER-ALICE-REASON")
    assert "MARKER-ALICE-REASON" in client.get("/party").get_data(as_text=True)
    # The other party at the same session never reads it.
    enter_as(client, bob_user)
    assert "MARKER-ALICE-REASON" not in client.get("/party").get_data(as_text=True)
    # The coach does: on the case page and on their home page.
    enter_as(client, coach)
    assert "MARKER-ALICE-REASON" in client.get(f"/cases/{case.reference}").get_data(as_text=True)
    assert "MARKER-ALICE-REASON" in client.get("/coach").get_data(as_text=True)


def test_asking_needs_a_choice_and_saves_nothing_without_one(app, client, joint):
    _, _, (alice_user, _), _, session, _ = joint
    enter_as(client, alice_user)
    answer = _post(client, f"/my-sessions/{session.id}/ask", {"reason": "words"})
    assert answer.status_code == 422
    assert SessionRequest.select().count() == 0
    answer = _post(client, f"/my-sessions/{session.id}/ask", {"reason": "words"}, headers=HTMX)
    assert answer.status_code == 422
    assert SessionRequest.select().count() == 0


def test_asking_in_place_answers_with_the_card(app, client, joint):
    _, _, (alice_user, _), _, session, _ = joint
    enter_as(client, alice_user)
    answer = _post(client, f"/my-sessions/{session.id}/ask",
                   {"kind": SessionRequestKind.CANNOT_COME}, headers=HTMX)
    assert answer.status_code == 200
    assert answer.headers["HX-Retarget"] == f"#my-session-{session.id}"
    assert "you cannot come" in answer.get_data(as_text=True)


def test_a_party_cannot_ask_about_a_past_session_or_anothers(app, client, joint):
    case, coach, (alice_user, _), (bob_user, bob), session, past = joint
    solo = make_session(case, parties=[bob], kind="coaching", starts_at=utcnow() + timedelta(days=4))
    enter_as(client, alice_user)
    assert client.get(f"/my-sessions/{past.id}/ask").status_code == 403
    assert client.get(f"/my-sessions/{past.id}/supporter").status_code == 403
    assert client.get(f"/my-sessions/{solo.id}/ask").status_code == 404
    assert client.get(f"/my-sessions/{solo.id}/supporter").status_code == 404
    assert _post(client, f"/my-sessions/{solo.id}/ask", {"kind": "rearrange"}).status_code == 404
    session.status = SessionStatus.CANCELLED
    session.save()
    assert client.get(f"/my-sessions/{session.id}/ask").status_code == 403
    enter_as(client, coach)
    assert client.get(f"/my-sessions/{session.id}/ask").status_code == 403  # parties only


def test_a_closed_case_takes_no_more_requests(app, client, joint):
    case, _, (alice_user, _), _, session, _ = joint
    case.status = CaseStatus.CLOSED
    case.save()
    enter_as(client, alice_user)
    assert client.get(f"/my-sessions/{session.id}/ask").status_code == 403
    assert _post(client, f"/my-sessions/{session.id}/ask", {"kind": "rearrange"}).status_code == 403
    assert _post(client, f"/my-sessions/{session.id}/supporter",
                 {"supporter_name": "A", "supporter_relationship": "b"}).status_code == 403
    assert SessionRequest.select().count() == 0


def test_a_coach_marks_a_request_dealt_with(app, client, joint):
    case, coach, (alice_user, alice), _, session, _ = joint
    row = SessionRequest.create(session=session, party=alice, kind=SessionRequestKind.REARRANGE)
    other = make_user(Role.COACH)
    enter_as(client, other)
    page = client.get("/coach").get_data(as_text=True)
    answer = client.post(f"/cases/{case.reference}/session-requests/{row.id}/dealt-with",
                         data={"csrf_token": csrf_from(page)})
    assert answer.status_code == 404  # not their case
    enter_as(client, coach)
    page = client.get("/coach").get_data(as_text=True)
    assert "Requests from parties" in page and "Alice A" in page
    answer = client.post(f"/cases/{case.reference}/session-requests/{row.id}/dealt-with",
                         data={"csrf_token": csrf_from(page), "back": "home"})
    assert answer.status_code == 303
    assert answer.headers["Location"].endswith("/coach#party-requests")
    assert SessionRequest.get_by_id(row.id).dealt_with_at is not None
    client.get("/coach")  # the flash message names her once
    assert f'id="party-request-{row.id}"' not in client.get("/coach").get_data(as_text=True)


def test_a_party_names_their_supporter_and_only_staff_and_they_see_it(app, client, joint):
    case, coach, (alice_user, alice), (bob_user, _), session, _ = joint
    enter_as(client, alice_user)
    assert client.get(f"/my-sessions/{session.id}/supporter").status_code == 200
    refused = _post(client, f"/my-sessions/{session.id}/supporter",
                    {"supporter_name": "MARKER-SUPPORTER", "supporter_relationship": ""})
    assert refused.status_code == 422
    seat = SessionAttendee.get(SessionAttendee.party == alice.id, SessionAttendee.session == session.id)
    assert seat.supporter_name is None
    answer = _post(client, f"/my-sessions/{session.id}/supporter",
                   {"supporter_name": "MARKER-SUPPORTER", "supporter_relationship": "my sister"},
                   headers=HTMX)
    assert answer.status_code == 200
    assert "You are bringing MARKER-SUPPORTER (my sister)" in answer.get_data(as_text=True)
    saved = SessionAttendee.get_by_id(seat.id)
    assert (saved.supporter_name, saved.supporter_relationship, saved.supporter_coach_told) == \
        ("MARKER-SUPPORTER", "my sister", True)
    enter_as(client, bob_user)
    assert "MARKER-SUPPORTER" not in client.get("/party").get_data(as_text=True)
    enter_as(client, coach)
    assert "MARKER-SUPPORTER" in client.get(f"/cases/{case.reference}").get_data(as_text=True)
    # Coming on one's own again: both emptied.
    enter_as(client, alice_user)
    assert _post(client, f"/my-sessions/{session.id}/supporter",
                 {"supporter_name": "", "supporter_relationship": ""}).status_code == 303
    cleared = SessionAttendee.get_by_id(seat.id)
    assert (cleared.supporter_name, cleared.supporter_relationship) == (None, None)


# --- the staff case page's summary header ----------------------------------------------------

import re  # noqa: E402

from tests.factories import make_concern  # noqa: E402


def test_the_case_page_summary_names_parties_contacts_coaches_next_session_and_concern(app, client, joint):
    case, coach, (alice_user, alice), (bob_user, bob), session, past = joint
    later = make_session(case, parties=[alice], coaches=[coach], kind="pre_mediation",
                         starts_at=utcnow() + timedelta(days=9))
    alice.phone = "07700 900111"
    alice.save()
    enter_as(client, coach)
    html = client.get(f"/cases/{case.reference}").get_data(as_text=True)
    summary = html[html.index('id="summary"'):html.index('aria-label="Contents of this case"')]
    assert f'href="mailto:{alice.email}"' in summary and "07700 900111" in summary
    assert "Rosa Current" in summary
    assert f'href="#session-{session.id}"' in summary  # the next one, not the later or the past
    assert f"#session-{later.id}" not in summary and f"#session-{past.id}" not in summary
    assert "No open concern" in summary
    make_concern(case, coach)
    html = client.get(f"/cases/{case.reference}").get_data(as_text=True)
    assert "1 open concern" in html


def test_the_case_page_contents_link_to_sections_on_the_page(app, client, joint):
    case, coach, *_ = joint
    enter_as(client, coach)
    html = client.get(f"/cases/{case.reference}").get_data(as_text=True)
    contents = html[html.index('aria-label="Contents of this case"'):]
    contents = contents[:contents.index("</nav>")]
    targets = re.findall(r'href="#([\w-]+)"', contents)
    assert {"parties", "sessions", "notes", "timeline", "safeguarding"} <= set(targets)
    for target in targets:
        assert f'id="{target}"' in html, target
