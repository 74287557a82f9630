"""The code step of signing in (routes): a code from an authenticator app or a recovery code,
and, for staff without a second factor yet, setting one up first.

Between the password and the code, the browser's session holds only who is half-way
(`view.PENDING`): Flask-Login knows nobody, so no page that needs a sign-in answers.
"""

import time

from flask import abort, current_app, make_response, render_template, request, session, url_for

from portal import audit, ratelimit
from portal.auth import bp, service, view
from portal.auth.forms import CodeForm, RecoveryCodeForm, SetUpCodeForm
from portal.htmx import no_store, redirect_to
from portal.models import User

WRONG_CODE = "That code is not right, or it has been used already. Enter the newest code your app shows."
WRONG_RECOVERY_CODE = "That recovery code is not right, or it has been used already."


def _pending_user():
    """The user half-way through signing in on this browser, or None (nobody, or too long ago)."""
    pending = session.get(view.PENDING)
    if not isinstance(pending, dict):
        return None
    lifetime = current_app.config["SECOND_FACTOR_STEP_LIFETIME"].total_seconds()
    if time.time() - pending.get("since", 0) > lifetime:
        session.pop(view.PENDING, None)
        return None
    return User.select().where(User.id == pending.get("user"), User.active == True).first()  # noqa: E712


def _pending_or_sign_in():
    user = _pending_user()
    if user is None:
        abort(redirect_to(url_for("auth.sign_in")))
    return user


def _finish(user, how):
    target = session.get(view.PENDING, {}).get("next") or url_for("home.index")
    view.start_session(user, session.get(view.PENDING, {}).get("how", "password") + "+" + how)
    return redirect_to(target)


def _code_step(user, form, template, check, how, wrong):
    """Check a code under the sign-in limits; signed in when it is right."""
    if form.validate_on_submit():
        attempt = service.begin_code_attempt(user, request.remote_addr)
        if attempt.refused:
            audit.record("auth.second_factor_refused", record=user, remote_addr=request.remote_addr,
                         detail=f"limit={attempt.refused_by}")
            return view.sign_in_paused(attempt.refused_until)
        if check(user, form.code.data):
            ratelimit.succeeded(attempt)
            return _finish(user, how)
        audit.record("auth.second_factor_failed", record=user, remote_addr=request.remote_addr, detail=f"how={how}")
        form.code.errors.append(wrong)
    status = 422 if form.is_submitted() else 200
    return no_store(make_response(render_template(template, form=form), status))


@bp.route("/sign-in/code", methods=["GET", "POST"])
def second_factor():
    """The code from the person's authenticator app, after their password."""
    user = _pending_or_sign_in()
    if not user.totp_secret:
        return redirect_to(url_for("auth.second_factor_set_up"))
    return _code_step(user, CodeForm(), "auth/second_factor.html", service.use_totp_code, "totp", WRONG_CODE)


@bp.route("/sign-in/recovery-code", methods=["GET", "POST"])
def second_factor_recovery():
    """A recovery code instead of the app's code (each works once)."""
    user = _pending_or_sign_in()
    if not user.totp_secret:
        return redirect_to(url_for("auth.second_factor_set_up"))
    return _code_step(user, RecoveryCodeForm(), "auth/recovery_code.html", service.use_recovery_code,
                      "recovery_code", WRONG_RECOVERY_CODE)


@bp.route("/sign-in/set-up", methods=["GET", "POST"])
def second_factor_set_up():
    """Staff without a second factor set one up before anything opens: the secret as a QR code
    and as text, then a code from the app to show it works. Then the recovery codes, once."""
    user = _pending_or_sign_in()
    if user.totp_secret:
        return redirect_to(url_for("auth.second_factor"))
    pending = session[view.PENDING]
    secret = pending.get("secret") or service.new_totp_secret()
    if pending.get("secret") != secret:
        session[view.PENDING] = {**pending, "secret": secret}
    form = SetUpCodeForm()
    if form.validate_on_submit():
        codes = service.turn_on_second_factor(user, secret, form.code.data, request.remote_addr)
        if codes is not None:
            _finish(user, "set_up")
            return no_store(make_response(render_template("auth/recovery_codes.html", codes=codes,
                                                          next_url=pending.get("next") or url_for("home.index"))))
        audit.record("auth.second_factor_failed", record=user, remote_addr=request.remote_addr, detail="how=set_up")
        form.code.errors.append(WRONG_CODE)
    return set_up_page(user, secret, form, url_for("auth.second_factor_set_up"))


def set_up_page(user, secret, form, action):
    """The set-up page: QR code, the secret as text, the code field (also for a party who
    turns two-factor sign-in on from their account page)."""
    status = 422 if form.is_submitted() else 200
    uri = service.provisioning_uri(user, secret)
    grouped = " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))
    return no_store(make_response(render_template("auth/set_up.html", form=form, qr_svg=service.qr_svg(uri),
                                                  secret=grouped, action=action), status))
