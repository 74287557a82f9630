"""Sign-in abuse: after too many failures for one typed email from one address, or from one
address for any emails, tries are refused (429) for a while, whatever the password."""

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from portal import passwords, ratelimit
from portal.config import Config
from portal.models import AuditEvent, SubmissionAttempt
from portal.vocab import Role
from tests.conftest import enter_as, sign_in
from tests.factories import DEFAULT_PASSWORD, make_user

WRONG = "not-the-right-password"
START = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)
HERE = {"REMOTE_ADDR": "192.0.2.10"}
ELSEWHERE = {"REMOTE_ADDR": "198.51.100.20"}


def at(moment):
    return time_machine.travel(moment, tick=False)


def attempt(app, email, password, where=HERE):
    return sign_in(app.test_client(), email, password, environ_overrides=where)


def fail(app, email, times, where=HERE):
    statuses = [attempt(app, email, WRONG, where).status_code for _ in range(times)]
    assert statuses == [422] * times


def local_clock(app, moment):
    return moment.astimezone(ZoneInfo(app.config["TIMEZONE"])).strftime("%H:%M")


def test_the_limits_default_to_ten_per_account_and_fifty_per_address_in_fifteen_minutes():
    assert Config.SIGN_IN_FAILURES_PER_ACCOUNT == 10
    assert Config.SIGN_IN_FAILURES_PER_ADDRESS == 50
    assert Config.SIGN_IN_WINDOW == timedelta(minutes=15)
    assert Config.SIGN_IN_PAUSE == timedelta(minutes=15)


def test_after_ten_failures_even_the_right_password_is_refused_without_being_checked(app, monkeypatch):
    user = make_user(Role.COACH)
    with at(START):
        fail(app, user.email, 10)
        checked = []
        verify = passwords.verify_password
        monkeypatch.setattr(passwords, "verify_password",
                            lambda *args: checked.append(args) or verify(*args))
        response = attempt(app, user.email, DEFAULT_PASSWORD)
    assert response.status_code == 429
    assert checked == []
    page = response.get_data(as_text=True)
    assert "Signing in is paused" in page
    # When to try again, in the service's own time: the tenth failure plus fifteen minutes.
    assert f"You can try again after {local_clock(app, START + timedelta(minutes=15))} today." in page
    assert response.headers["Retry-After"] == str(15 * 60 + 1)


def test_the_pause_ends_fifteen_minutes_after_the_tenth_failure(app):
    user = make_user(Role.COACH)
    with at(START):
        fail(app, user.email, 10)
    with at(START + timedelta(minutes=14, seconds=59)):
        assert attempt(app, user.email, DEFAULT_PASSWORD).status_code == 429
    with at(START + timedelta(minutes=15)):
        assert attempt(app, user.email, DEFAULT_PASSWORD).status_code == 303


def test_ten_failures_spread_over_more_than_fifteen_minutes_do_not_pause(app):
    user = make_user(Role.COACH)
    with at(START):
        fail(app, user.email, 9)
    with at(START + timedelta(minutes=15)):
        fail(app, user.email, 1)
        assert attempt(app, user.email, DEFAULT_PASSWORD).status_code == 303


def test_a_refused_try_does_not_make_the_pause_longer(app):
    user = make_user(Role.COACH)
    with at(START):
        fail(app, user.email, 10)
    with at(START + timedelta(minutes=10)):
        assert attempt(app, user.email, WRONG).status_code == 429
    with at(START + timedelta(minutes=15)):
        assert attempt(app, user.email, DEFAULT_PASSWORD).status_code == 303


def test_a_successful_sign_in_is_not_counted_as_a_failure(app):
    user = make_user(Role.COACH)
    with at(START):
        fail(app, user.email, 9)
        assert attempt(app, user.email, DEFAULT_PASSWORD).status_code == 303
        fail(app, user.email, 1)
        assert attempt(app, user.email, DEFAULT_PASSWORD).status_code == 429


def _normalised(html, email):
    html = html.replace(email, "EMAIL")
    return re.sub(r'(name="csrf_token"[^>]*value=")[^"]+|("X-CSRFToken": ")[^"]+', r"\1\2TOKEN", html)


def test_an_unknown_email_is_paused_exactly_like_a_known_one(app):
    user = make_user(Role.COACH)
    unknown = "nobody-by-this-name@example.test"
    with at(START):
        known_statuses = [attempt(app, user.email, WRONG).status_code for _ in range(11)]
        unknown_statuses = [attempt(app, unknown, WRONG).status_code for _ in range(11)]
        known_page = attempt(app, user.email, DEFAULT_PASSWORD)
        unknown_page = attempt(app, unknown, DEFAULT_PASSWORD)
    assert known_statuses == unknown_statuses == [422] * 10 + [429]
    assert known_page.status_code == unknown_page.status_code == 429
    assert (_normalised(known_page.get_data(as_text=True), user.email)
            == _normalised(unknown_page.get_data(as_text=True), unknown))


def test_the_email_is_counted_whatever_its_case_and_spaces(app):
    user = make_user(Role.COACH)
    with at(START):
        fail(app, user.email.upper(), 5)
        fail(app, f"  {user.email} ", 5)
        assert attempt(app, user.email, DEFAULT_PASSWORD).status_code == 429


def test_other_accounts_and_other_addresses_are_not_affected(app):
    user, colleague = make_user(Role.COACH), make_user(Role.COORDINATOR)
    with at(START):
        fail(app, user.email, 10)
        assert attempt(app, user.email, DEFAULT_PASSWORD).status_code == 429
        assert attempt(app, colleague.email, DEFAULT_PASSWORD).status_code == 303
        assert attempt(app, user.email, DEFAULT_PASSWORD, where=ELSEWHERE).status_code == 303


def test_too_many_failures_from_one_address_pause_it_for_every_account(app):
    app.config["SIGN_IN_FAILURES_PER_ADDRESS"] = 6  # fifty argon2 checks would only be slower
    targets = [make_user(Role.COACH) for _ in range(3)]
    untried = make_user(Role.COACH)
    with at(START):
        for user in targets:
            fail(app, user.email, 2)
        assert attempt(app, untried.email, DEFAULT_PASSWORD).status_code == 429
        assert attempt(app, untried.email, DEFAULT_PASSWORD, where=ELSEWHERE).status_code == 303
    with at(START + timedelta(minutes=15)):
        assert attempt(app, untried.email, DEFAULT_PASSWORD).status_code == 303


def test_the_default_address_limit_is_fifty(app):
    """Forty-nine failures across accounts leave the address open; the fiftieth closes it."""
    with at(START):
        key = _address_key(app)
        SubmissionAttempt.insert_many(
            [{"form": "sign_in_address", "key_hash": key, "created_at": START.replace(tzinfo=None)}] * 49
        ).execute()
        user = make_user(Role.COACH)
        assert attempt(app, user.email, DEFAULT_PASSWORD).status_code == 303
        fail(app, "someone-else@example.test", 1)
        assert attempt(app, user.email, DEFAULT_PASSWORD).status_code == 429


def _address_key(app):
    with app.test_request_context():
        return ratelimit._key(HERE["REMOTE_ADDR"])


def test_each_refusal_is_audited_without_the_password(app):
    user = make_user(Role.COACH)
    with at(START):
        fail(app, user.email, 10)
        attempt(app, user.email, DEFAULT_PASSWORD)
        attempt(app, "nobody-by-this-name@example.test", DEFAULT_PASSWORD)
    refusals = list(AuditEvent.select().where(AuditEvent.event == "auth.sign_in_refused")
                    .order_by(AuditEvent.id))
    assert len(refusals) == 1
    assert refusals[0].record_id == user.id
    assert refusals[0].remote_addr == HERE["REMOTE_ADDR"]
    for row in AuditEvent.select():
        assert DEFAULT_PASSWORD not in row.detail and WRONG not in row.detail
    page = app.test_client()
    enter_as(page, make_user(Role.COORDINATOR, is_admin=True))
    assert "Sign-in refused: too many failed attempts" in page.get("/admin/audit").get_data(as_text=True)


@pytest.mark.parametrize("delay, words", [
    (timedelta(minutes=15), "today"),
    (timedelta(hours=20), "tomorrow"),
])
def test_the_time_to_try_again_says_which_day(app, delay, words):
    app.config["SIGN_IN_PAUSE"] = delay
    user = make_user(Role.COACH)
    with at(START):
        fail(app, user.email, 10)
        page = attempt(app, user.email, DEFAULT_PASSWORD).get_data(as_text=True)
    assert f"You can try again after {local_clock(app, START + delay)} {words}." in page
