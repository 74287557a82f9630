"""Two-factor sign-in (issue 16): staff pass a code from an authenticator app after their
password before anything opens; a code works once; wrong codes are limited like passwords;
recovery codes work once each; an administrator resets another person's second factor."""

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pyotp
import pytest
import time_machine

from portal.auth import service
from portal.models import AuditEvent, RecoveryCode, SignInSession, User
from portal.vocab import Role, SessionEnd
from tests.conftest import csrf_from, enter_as, sign_in_password_only, totp_code
from tests.factories import DEFAULT_PASSWORD, make_user

CODE = "/sign-in/code"
SET_UP = "/sign-in/set-up"
RECOVERY = "/sign-in/recovery-code"
WRONG_CODE = "That code is not right, or it has been used already."


def post_code(client, code, path=CODE):
    page = client.get(path).get_data(as_text=True)
    return client.post(path, data={"csrf_token": csrf_from(page), "code": code})


def is_signed_in(client):
    return client.get("/", follow_redirects=True).request.path != "/sign-in"


def half_signed_in(app, user):
    """A client whose password step passed and whose code step has not."""
    client = app.test_client()
    response = sign_in_password_only(client, user.email, DEFAULT_PASSWORD)
    assert response.status_code == 303
    return client, urlsplit(response.headers["Location"]).path


@pytest.mark.parametrize("role", [Role.COACH, Role.COORDINATOR])
def test_staff_are_asked_for_a_code_after_the_password(app, role):
    user = make_user(role, is_admin=role == Role.COORDINATOR)
    client, where = half_signed_in(app, user)
    assert where == CODE
    page = client.get(CODE).get_data(as_text=True)
    field = re.search(r'<input[^>]*name="code"[^>]*>', page).group(0)
    assert 'autocomplete="one-time-code"' in field and 'inputmode="numeric"' in field
    assert not is_signed_in(client)
    assert SignInSession.select().count() == 0
    response = post_code(client, totp_code(user.email))
    assert (response.status_code, response.headers["Location"]) == (303, "/")
    assert is_signed_in(client)
    assert SignInSession.select().where(SignInSession.user == user.id).count() == 1


def _made_up(app, converter):
    """A value the converter takes: 1 for a number, the first of an `any(...)`'s words, else "x"."""
    if isinstance(converter, type(app.url_map.converters["int"](app.url_map))):
        return 1
    if isinstance(converter, type(app.url_map.converters["any"](app.url_map, "a"))):
        return sorted(converter.items)[0]
    return "x"


def _every_route(app):
    """(method, path) for every rule of the app, its arguments filled in with made-up values."""
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        values = {name: _made_up(app, conv) for name, conv in rule._converters.items()}
        path = rule.build(values)[1]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield method, path


# The code step's own pages answer the half-way browser: that is their point.
CODE_STEP_PAGES = {CODE, SET_UP, RECOVERY}


@pytest.mark.parametrize("has_second_factor", [True, False], ids=["with a secret", "before set-up"])
def test_no_route_answers_a_session_that_passed_only_the_password(app, has_second_factor):
    """Every rule of the app, every method: the half-way browser gets exactly what a visitor
    who never signed in gets (a page that needs a sign-in sends both to sign in)."""
    coordinator = make_user(Role.COORDINATOR, is_admin=True, is_safeguarding_lead=True,
                            **({} if has_second_factor else {"totp_secret": None}))
    half, where = half_signed_in(app, coordinator)
    assert where == (CODE if has_second_factor else SET_UP)
    routes = list(_every_route(app))
    assert len(routes) > 100
    checked = 0
    for method, path in routes:
        if path in CODE_STEP_PAGES:
            continue
        stranger = app.test_client()
        theirs = half.open(path, method=method)
        visitor = stranger.open(path, method=method)
        assert (theirs.status_code, theirs.headers.get("Location")) == \
            (visitor.status_code, visitor.headers.get("Location")), (method, path)
        assert theirs.status_code != 200 or method == "GET" and visitor.status_code == 200, (method, path)
        checked += 1
    assert checked == len(routes) - len([r for r in routes if r[1] in CODE_STEP_PAGES])
    with half.session_transaction() as session:
        assert "_user_id" not in session


def test_a_wrong_code_is_refused_with_a_message(app):
    user = make_user(Role.COACH)
    client, _ = half_signed_in(app, user)
    response = post_code(client, "000000" if totp_code(user.email) != "000000" else "111111")
    assert response.status_code == 422
    assert WRONG_CODE in response.get_data(as_text=True)
    assert not is_signed_in(client)


def test_a_replayed_code_is_refused(app):
    """The code that signed one browser in does not sign in a second one, in the same 30 s."""
    user = make_user(Role.COACH)
    code = pyotp.TOTP(user.totp_secret).now()
    first, _ = half_signed_in(app, user)
    assert post_code(first, code).status_code == 303
    second, _ = half_signed_in(app, user)
    replay = post_code(second, code)
    assert replay.status_code == 422
    assert not is_signed_in(second)
    assert User.get_by_id(user.id).totp_last_step in (service.current_step() - 1, service.current_step())


def test_an_older_code_than_the_last_used_is_refused(app):
    user = make_user(Role.COACH)
    step = service.current_step()
    User.update(totp_last_step=step).where(User.id == user.id).execute()
    client, _ = half_signed_in(app, user)
    older = pyotp.TOTP(user.totp_secret).generate_otp(step - 1)
    assert post_code(client, older).status_code == 422
    newer = pyotp.TOTP(user.totp_secret).generate_otp(step + 1)
    assert post_code(client, newer).status_code == 303


def test_wrong_codes_are_paused_like_passwords(app):
    app.config["SIGN_IN_FAILURES_PER_ACCOUNT"] = 3
    user = make_user(Role.COACH)
    client, _ = half_signed_in(app, user)
    wrong = "000000" if totp_code(user.email) != "000000" else "111111"
    assert [post_code(client, wrong).status_code for _ in range(3)] == [422, 422, 422]
    # Paused: even the right code is not checked now.
    paused = post_code(client, totp_code(user.email))
    assert paused.status_code == 429
    assert not is_signed_in(client)
    assert AuditEvent.select().where(AuditEvent.event == "auth.second_factor_failed").count() == 3
    assert AuditEvent.select().where(AuditEvent.event == "auth.second_factor_refused").count() == 1


def test_a_staff_member_without_a_second_factor_sets_one_up_first(app):
    user = make_user(Role.COACH, totp_secret=None)
    client, where = half_signed_in(app, user)
    assert where == SET_UP
    assert client.get(CODE).headers["Location"] == SET_UP
    page = client.get(SET_UP).get_data(as_text=True)
    assert "<svg" in page and "QR code for your authenticator app" in page
    secret = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    assert len(secret) == 32
    assert client.get(SET_UP).get_data(as_text=True).count(re.search(r'id="totp-secret">([A-Z2-7 ]+)<', page)
                                                             .group(1)) == 1  # the same secret again
    assert post_code(client, "123 456" if pyotp.TOTP(secret).now() != "123456" else "654321",
                     SET_UP).status_code == 422
    assert User.get_by_id(user.id).totp_secret is None
    done = post_code(client, pyotp.TOTP(secret).now(), SET_UP)
    assert done.status_code == 200
    codes = re.findall(r"<li><code>([0-9a-f]{5}-[0-9a-f]{5})</code></li>", done.get_data(as_text=True))
    assert len(codes) == len(set(codes)) == 10
    assert User.get_by_id(user.id).totp_secret == secret
    assert is_signed_in(client)
    # Stored as hashes only.
    stored = {row.code_hash for row in RecoveryCode.select().where(RecoveryCode.user == user.id)}
    assert len(stored) == 10 and not stored & {c.replace("-", "") for c in codes} and not stored & set(codes)


def test_each_recovery_code_works_once(app):
    user = make_user(Role.COORDINATOR)
    codes = service.new_recovery_codes(user)
    first, _ = half_signed_in(app, user)
    assert post_code(first, codes[3], RECOVERY).status_code == 303
    assert is_signed_in(first)
    second, _ = half_signed_in(app, user)
    again = post_code(second, codes[3], RECOVERY)
    assert again.status_code == 422
    assert "That recovery code is not right, or it has been used already." in again.get_data(as_text=True)
    assert post_code(second, codes[4].upper().replace("-", " "), RECOVERY).status_code == 303
    assert RecoveryCode.select().where(RecoveryCode.user == user.id, RecoveryCode.used_at.is_null()).count() == 8


def test_another_person_s_recovery_code_does_not_work(app):
    user, other = make_user(Role.COACH), make_user(Role.COACH)
    codes = service.new_recovery_codes(other)
    client, _ = half_signed_in(app, user)
    assert post_code(client, codes[0], RECOVERY).status_code == 422


def test_the_half_way_step_runs_out(app):
    user = make_user(Role.COACH)
    client, _ = half_signed_in(app, user)
    later = datetime.now(UTC) + app.config["SECOND_FACTOR_STEP_LIFETIME"] + timedelta(seconds=5)
    with time_machine.travel(later, tick=False):
        response = client.get(CODE)
        assert (response.status_code, response.headers["Location"]) == (303, "/sign-in")


def test_parties_sign_in_with_the_password_alone_unless_they_turn_it_on(app):
    party = make_user(Role.PARTY)
    response = sign_in_password_only(app.test_client(), party.email, DEFAULT_PASSWORD)
    assert (response.status_code, response.headers["Location"]) == (303, "/")
    client = enter_as(app.test_client(), party)
    page = client.get("/account/two-factor").get_data(as_text=True)
    secret = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    turned_on = post_code(client, pyotp.TOTP(secret).now(), "/account/two-factor")
    assert turned_on.status_code == 200
    assert User.get_by_id(party.id).totp_secret == secret
    _, where = half_signed_in(app, party)
    assert where == CODE
    # And off again: the password alone once more.
    token = csrf_from(client.get("/account").get_data(as_text=True))
    assert client.post("/account/two-factor/off", data={"csrf_token": token}).status_code == 303
    assert User.get_by_id(party.id).totp_secret is None
    response = sign_in_password_only(app.test_client(), party.email, DEFAULT_PASSWORD)
    assert response.headers["Location"] == "/"


def test_staff_cannot_turn_their_second_factor_off(app):
    coach = make_user(Role.COACH)
    client = enter_as(app.test_client(), coach)
    token = csrf_from(client.get("/account").get_data(as_text=True))
    assert client.post("/account/two-factor/off", data={"csrf_token": token}).status_code == 403
    assert User.get_by_id(coach.id).totp_secret == coach.totp_secret


def _admin_resets(app, admin, person):
    client = enter_as(app.test_client(), admin)
    token = csrf_from(client.get("/admin/people").get_data(as_text=True))
    return client.post(f"/admin/people/{person.id}/reset-two-factor", data={"csrf_token": token})


def test_an_administrator_resets_someone_s_second_factor(app, outbox):
    admin = make_user(Role.COORDINATOR, is_admin=True)
    coach = make_user(Role.COACH)
    service.new_recovery_codes(coach)
    laptop, phone = enter_as(app.test_client(), coach), enter_as(app.test_client(), coach)
    assert _admin_resets(app, admin, coach).status_code == 303
    assert User.get_by_id(coach.id).totp_secret is None
    assert RecoveryCode.select().where(RecoveryCode.user == coach.id).count() == 0
    assert not is_signed_in(laptop) and not is_signed_in(phone)
    assert {s.ended_why for s in SignInSession.select().where(SignInSession.user == coach.id)} == \
        {SessionEnd.SECOND_FACTOR_RESET}
    told = [m for m in outbox() if m["To"] == coach.email]
    assert [m["Subject"] for m in told] == [f"Your two-factor sign-in for {app.config['SERVICE_NAME']} was reset"]
    reset = AuditEvent.select().where(AuditEvent.event == "auth.second_factor_reset").get()
    assert (reset.actor_id, reset.record_id) == (admin.id, coach.id)
    _, where = half_signed_in(app, coach)
    assert where == SET_UP


def test_only_an_administrator_resets_and_never_their_own(app, outbox):
    admin = make_user(Role.COORDINATOR, is_admin=True)
    coordinator = make_user(Role.COORDINATOR)
    coach = make_user(Role.COACH)
    assert _admin_resets(app, coordinator, coach).status_code == 403
    assert _admin_resets(app, admin, admin).status_code == 403
    assert User.get_by_id(coach.id).totp_secret == coach.totp_secret
    assert User.get_by_id(admin.id).totp_secret == admin.totp_secret
    assert outbox() == []
