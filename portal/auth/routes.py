"""Signing in and out, accepting an invitation, and resetting or changing a password."""

from datetime import timedelta
from urllib.parse import urlsplit

from flask import abort, flash, make_response, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from portal import accounts, audit, times
from portal.auth import bp
from portal.auth.forms import ChangePasswordForm, ForgotPasswordForm, NewPasswordForm, SignInForm
from portal.forms import ConfirmForm
from portal.htmx import no_store, redirect_to
from portal.models import User, utcnow
from portal.vocab import TokenPurpose

SIGN_IN_FAILED = "The email or password is not right. Check them and try again."


def _safe_next(target):
    """Only a path on this site: never another host (open redirect)."""
    if not target or any(ord(ch) < 32 or ord(ch) == 127 for ch in target):
        # Browsers drop tabs and newlines from addresses, so "/<tab>/evil.example" would be
        # "//evil.example"; a newline would not even fit in a Location header.
        return None
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def _start_session(user):
    # A fresh session at sign-in: nothing from before it carries over.
    session.clear()
    login_user(user)
    User.update(last_sign_in_at=utcnow()).where(User.id == user.id).execute()


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    """The sign-in form; the same message for a wrong password and an unknown email."""
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = SignInForm()
    if form.validate_on_submit():
        attempt = accounts.begin_sign_in(form.email.data, request.remote_addr)
        if attempt.refused:
            # The password is not even checked: while paused, the right one is refused too.
            known = User.by_email(form.email.data).first()
            audit.record("auth.sign_in_refused", record=known, remote_addr=request.remote_addr,
                         detail=f"limit={attempt.refused_by}")
            return _sign_in_paused(attempt.refused_until)
        user = accounts.authenticate(form.email.data, form.password.data)
        if user is not None:
            accounts.sign_in_succeeded(attempt)
            _start_session(user)
            audit.record("auth.signed_in", actor=user, record=user, remote_addr=request.remote_addr)
            return redirect_to(_safe_next(request.args.get("next")) or url_for("home.index"))
        known = User.by_email(form.email.data).first()
        audit.record("auth.sign_in_failed", record=known, remote_addr=request.remote_addr)
        form.form_errors.append(SIGN_IN_FAILED)
    status = 422 if form.is_submitted() else 200
    return render_template("auth/sign_in.html", form=form), status


def _sign_in_paused(until):
    """429, with when to try again in the service's time, rounded up to the next minute."""
    local = times.to_local(until)
    if local.second or local.microsecond:
        local = (local + timedelta(minutes=1)).replace(second=0, microsecond=0)
    today = times.local_today()
    if local.date() == today:
        when = f"{local:%H:%M} today"
    elif local.date() == today + timedelta(days=1):
        when = f"{local:%H:%M} tomorrow"
    else:
        when = f"{local:%H:%M} on {local:%-d %B %Y}"
    response = make_response(render_template("auth/sign_in_paused.html", when=when), 429)
    response.headers["Retry-After"] = str(max(1, int((until - utcnow()).total_seconds()) + 1))
    return response


@bp.post("/sign-out")
@login_required
def sign_out():
    """Ends this session and every other session of the user."""
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    user = current_user._get_current_object()
    accounts.end_all_sessions(user)
    audit.record("auth.signed_out", actor=user, record=user, remote_addr=request.remote_addr)
    logout_user()
    session.clear()
    flash("You have signed out.", "success")
    return redirect_to(url_for("auth.sign_in"))


def _set_password_with_token(token_value, purpose, template, done_message):
    token = accounts.find_usable_token(token_value, purpose)
    if token is None:
        return render_template("auth/link_not_valid.html"), 404
    form = NewPasswordForm(owner=token.user)
    if form.validate_on_submit():
        user = accounts.use_token_to_set_password(token, form.password.data, request.remote_addr)
        if user is None:
            return render_template("auth/link_not_valid.html"), 404
        _start_session(user)
        flash(done_message, "success")
        return redirect_to(url_for("home.index"))
    status = 422 if form.is_submitted() else 200
    # The page names the person to whoever holds the link, with no session: keep it out of caches.
    return no_store(make_response(render_template(template, form=form, user=token.user), status))


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def accept_invitation(token):
    """An invited person chooses their password; the link works once."""
    return _set_password_with_token(token, TokenPurpose.INVITATION, "auth/accept_invitation.html",
                                    "Welcome. Your password is set and you are signed in.")


@bp.route("/password/forgot", methods=["GET", "POST"])
def forgot_password():
    """Asks for an email; always answers the same, whether or not the account exists."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        accounts.request_password_reset(form.email.data, remote_addr=request.remote_addr)
        return render_template("auth/reset_sent.html")
    status = 422 if form.is_submitted() else 200
    return render_template("auth/forgot_password.html", form=form), status


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token):
    """Choose a new password from an emailed single-use link."""
    return _set_password_with_token(token, TokenPurpose.PASSWORD_RESET, "auth/reset_password.html",
                                    "Your password has been changed and you are signed in.")


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    """Change the password; every other session of the user ends."""
    user = current_user._get_current_object()
    form = ChangePasswordForm(owner=user)
    if form.validate_on_submit():
        accounts.set_password(user, form.password.data)
        audit.record("account.password_changed", actor=user, record=user,
                     remote_addr=request.remote_addr)
        _start_session(user)
        flash("Your password has been changed. You have been signed out everywhere else.", "success")
        return redirect_to(url_for("home.index"))
    status = 422 if form.is_submitted() else 200
    return render_template("auth/change_password.html", form=form), status
