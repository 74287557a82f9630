"""Sessions a person can see and end (issue 16): each sign-in is a row named by the cookie;
the account page lists the active ones; a person ends any one or all others; sessions end
after staff 30 minutes, parties 2 hours without activity."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from portal.models import AuditEvent, SignInSession
from portal.vocab import Role, SessionEnd
from tests.conftest import csrf_from, enter_as, sign_in
from tests.factories import DEFAULT_PASSWORD, make_user

FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
          "Version/17.0 Mobile/15E148 Safari/604.1")


def signed_in_with(app, user, agent, address):
    client = app.test_client()
    client.environ_base.update({"HTTP_USER_AGENT": agent, "REMOTE_ADDR": address})
    assert sign_in(client, user.email, DEFAULT_PASSWORD).status_code == 303
    return client


def post(client, path, page="/account"):
    token = csrf_from(client.get(page).get_data(as_text=True))
    return client.post(path, data={"csrf_token": token})


def is_signed_in(client):
    return client.get("/", follow_redirects=True).request.path != "/sign-in"


def test_each_sign_in_is_a_row_with_browser_and_address(app):
    coach = make_user(Role.COACH)
    signed_in_with(app, coach, FIREFOX, "198.51.100.7")
    signed_in_with(app, coach, IPHONE, "203.0.113.9")
    rows = list(SignInSession.select().where(SignInSession.user == coach.id).order_by(SignInSession.id))
    assert [(r.browser, r.remote_addr, r.ended_at) for r in rows] == [
        ("Firefox on Windows", "198.51.100.7", None), ("Safari on iPhone", "203.0.113.9", None)]
    # Only the token's hash is kept; the cookie holds "<row id>.<token>".
    assert all(len(r.token_hash) == 64 for r in rows)


def test_the_account_page_lists_the_active_sessions(app):
    coach = make_user(Role.COACH)
    laptop = signed_in_with(app, coach, FIREFOX, "198.51.100.7")
    signed_in_with(app, coach, IPHONE, "203.0.113.9")
    ended = signed_in_with(app, coach, FIREFOX, "192.0.2.1")
    post(ended, "/sign-out")
    page = laptop.get("/account").get_data(as_text=True)
    assert page.count('<tr id="session-') == 2
    assert "198.51.100.7" in page and "203.0.113.9" in page and "192.0.2.1" not in page
    assert "Safari on iPhone" in page and "(this one)" in page


def test_a_person_ends_another_of_their_sessions(app):
    party = make_user(Role.PARTY)
    laptop = signed_in_with(app, party, FIREFOX, "198.51.100.7")
    phone = signed_in_with(app, party, IPHONE, "203.0.113.9")
    phone_row = SignInSession.select().where(SignInSession.browser == "Safari on iPhone").get()
    assert post(laptop, f"/account/sessions/{phone_row.id}/end").status_code == 303
    assert is_signed_in(laptop)
    answer = phone.get("/party", follow_redirects=True)
    assert answer.request.path == "/sign-in"
    assert "Your session has ended. Please sign in again." in answer.get_data(as_text=True)
    assert SignInSession.get_by_id(phone_row.id).ended_why == SessionEnd.ENDED_BY_USER
    event = AuditEvent.select().where(AuditEvent.event == "auth.session_ended").get()
    assert (event.actor_id, event.record_id, event.detail) == (party.id, phone_row.id, "why=ended_by_user")


def test_nobody_ends_another_person_s_session(app):
    mine, theirs = make_user(Role.PARTY), make_user(Role.PARTY)
    client = enter_as(app.test_client(), mine)
    other = enter_as(app.test_client(), theirs)
    their_row = SignInSession.select().where(SignInSession.user == theirs.id).get()
    assert post(client, f"/account/sessions/{their_row.id}/end").status_code == 404
    assert post(client, "/account/sessions/999999/end").status_code == 404
    assert is_signed_in(other)


def test_ending_every_other_session_keeps_this_one(app):
    coach = make_user(Role.COACH)
    here = signed_in_with(app, coach, FIREFOX, "198.51.100.7")
    others = [signed_in_with(app, coach, IPHONE, f"203.0.113.{n}") for n in (1, 2)]
    assert post(here, "/account/sessions/end-others").status_code == 303
    assert is_signed_in(here)
    assert [is_signed_in(c) for c in others] == [False, False]
    assert SignInSession.select().where(SignInSession.ended_at.is_null()).count() == 1


def test_ending_this_session_from_the_list_signs_out(app):
    party = make_user(Role.PARTY)
    client = enter_as(app.test_client(), party)
    row = SignInSession.select().where(SignInSession.user == party.id).get()
    response = post(client, f"/account/sessions/{row.id}/end")
    assert (response.status_code, response.headers["Location"]) == (303, "/sign-in")
    assert not is_signed_in(client)


def test_a_password_change_ends_every_other_session(app):
    party = make_user(Role.PARTY)
    here, there = enter_as(app.test_client(), party), enter_as(app.test_client(), party)
    new = "seven swans on a grey lake"
    token = csrf_from(here.get("/account/password").get_data(as_text=True))
    here.post("/account/password", data={"csrf_token": token, "current_password": DEFAULT_PASSWORD,
                                         "password": new, "confirm": new})
    assert is_signed_in(here) and not is_signed_in(there)


@pytest.mark.parametrize(("role", "quiet", "still_in"), [
    (Role.COACH, timedelta(minutes=29), True),
    (Role.COACH, timedelta(minutes=31), False),
    (Role.PARTY, timedelta(minutes=119), True),
    (Role.PARTY, timedelta(minutes=121), False),
])
def test_sessions_end_after_a_quiet_while(app, role, quiet, still_in):
    user = make_user(role)
    client = enter_as(app.test_client(), user)
    with time_machine.travel(datetime.now(UTC) + quiet, tick=False):
        answer = client.get("/", follow_redirects=True)
    assert (answer.request.path != "/sign-in") is still_in
    row = SignInSession.select().where(SignInSession.user == user.id).get()
    if still_in:
        assert row.ended_at is None
    else:
        assert row.ended_why == SessionEnd.IDLE
        assert "You were signed out because there was no activity for a while." in answer.get_data(as_text=True)


def test_the_idle_limits_come_from_the_settings(app):
    app.config["STAFF_IDLE"] = timedelta(minutes=5)
    coach = make_user(Role.COACH)
    client = enter_as(app.test_client(), coach)
    with time_machine.travel(datetime.now(UTC) + timedelta(minutes=6), tick=False):
        assert not is_signed_in(client)


def test_activity_moves_the_end_on_and_last_seen_is_written_at_most_once_a_minute(app):
    coach = make_user(Role.COACH)
    client = enter_as(app.test_client(), coach)
    row = SignInSession.select().where(SignInSession.user == coach.id).get()
    start = row.last_seen_at.replace(tzinfo=UTC)
    with time_machine.travel(start + timedelta(seconds=30), tick=False):
        client.get("/coach")
    assert SignInSession.get_by_id(row.id).last_seen_at == row.last_seen_at
    with time_machine.travel(start + timedelta(minutes=20), tick=False):
        client.get("/coach")
    assert SignInSession.get_by_id(row.id).last_seen_at == (start + timedelta(minutes=20)).replace(tzinfo=None)
    with time_machine.travel(start + timedelta(minutes=45), tick=False):
        assert is_signed_in(client)  # 25 minutes after the last activity, not 45 after sign-in


def test_the_page_says_when_the_session_ends_and_stay_signed_in_moves_it(app):
    coach = make_user(Role.COACH)
    client = enter_as(app.test_client(), coach)
    row = SignInSession.select().where(SignInSession.user == coach.id).get()
    start = row.last_seen_at.replace(tzinfo=UTC)
    page = client.get("/coach").get_data(as_text=True)
    assert 'id="session-notice"' in page and "Stay signed in" in page
    assert f'data-ends-at="{(row.last_seen_at + timedelta(minutes=30)).isoformat()}Z"' in page
    with time_machine.travel(start + timedelta(seconds=20), tick=False):
        token = csrf_from(client.get("/coach").get_data(as_text=True))
        response = client.post("/account/stay-signed-in", data={"csrf_token": token},
                               headers={"Referer": "http://localhost/coach"})
    assert (response.status_code, response.headers["Location"]) == (303, "/coach")
    # Forced: written even within the minute.
    assert SignInSession.get_by_id(row.id).last_seen_at == (start + timedelta(seconds=20)).replace(tzinfo=None)


def test_an_htmx_request_of_an_ended_session_is_sent_to_sign_in_whole(app):
    coach = make_user(Role.COACH)
    client = enter_as(app.test_client(), coach)
    SignInSession.update(ended_at=datetime.now(UTC).replace(tzinfo=None)).execute()
    response = client.get("/coach", headers={"HX-Request": "true"})
    assert response.status_code == 204
    assert response.headers["HX-Redirect"].startswith("/sign-in")


def test_a_partys_account_page_links_to_their_data_and_a_coachs_does_not(app):
    party, coach = make_user(Role.PARTY), make_user(Role.COACH)
    party_page = signed_in_with(app, party, FIREFOX, "198.51.100.7").get("/account").get_data(as_text=True)
    coach_page = signed_in_with(app, coach, FIREFOX, "198.51.100.8").get("/account").get_data(as_text=True)
    assert '<a href="/account/data">Download everything we hold about you</a>' in party_page
    assert "/account/data" not in coach_page
