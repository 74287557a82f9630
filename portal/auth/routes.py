"""Signing in and out, accepting an invitation, and resetting or changing a password."""


from flask import abort, flash, make_response, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, logout_user

from portal import accounts, audit
from portal.auth import bp, service, view
from portal.auth.forms import ChangePasswordForm, ForgotPasswordForm, NewPasswordForm, SignInForm, SignInLinkForm
from portal.forms import ConfirmForm
from portal.htmx import no_store, redirect_to
from portal.models import User
from portal.vocab import SessionEnd, TokenPurpose

SIGN_IN_FAILED = "The email or password is not right. Check them and try again."


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
            return view.sign_in_paused(attempt.refused_until)
        user = accounts.authenticate(form.email.data, form.password.data)
        if user is not None:
            accounts.sign_in_succeeded(attempt)
            return view.first_factor_passed(user, "password", request.args.get("next"))
        known = User.by_email(form.email.data).first()
        audit.record("auth.sign_in_failed", record=known, remote_addr=request.remote_addr)
        form.form_errors.append(SIGN_IN_FAILED)
    status = 422 if form.is_submitted() else 200
    return render_template("auth/sign_in.html", form=form), status


@bp.post("/sign-out")
@login_required
def sign_out():
    """Ends this session (the person's other sessions go on: see their account page)."""
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    user = current_user._get_current_object()
    service.end_session(service.split_cookie_id(user.session_cookie_id)[0], SessionEnd.SIGNED_OUT,
                        actor=user, remote_addr=request.remote_addr)
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
        response = view.first_factor_passed(user, token.purpose)
        flash(done_message, "success")
        return response
    status = 422 if form.is_submitted() else 200
    # The page names the person to whoever holds the link, with no session: keep it out of caches.
    return no_store(make_response(render_template(template, form=form, user=token.user), status))


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def accept_invitation(token):
    """An invited person chooses their password; the link works once."""
    return _set_password_with_token(token, TokenPurpose.INVITATION, "auth/accept_invitation.html",
                                    "Welcome. Your password is set and you are signed in.")


@bp.route("/sign-in/link", methods=["GET", "POST"])
def ask_for_sign_in_link():
    """A party asks for an emailed sign-in link; the same answer whoever has an account."""
    form = SignInLinkForm()
    if form.validate_on_submit():
        asked = service.request_sign_in_link(form.email.data, remote_addr=request.remote_addr)
        if asked.refused_until is not None:
            return view.sign_in_paused(asked.refused_until)
        return render_template("auth/sign_in_link_sent.html")
    status = 422 if form.is_submitted() else 200
    return render_template("auth/sign_in_link.html", form=form), status


@bp.route("/sign-in/link/<token>", methods=["GET", "POST"])
def sign_in_with_link(token):
    """An emailed link: a button to sign in (a mail scanner that opens the link does not spend
    it), then signed in once, on whichever browser opened it."""
    if accounts.find_usable_token(token, TokenPurpose.SIGN_IN_LINK) is None:
        return render_template("auth/link_not_valid.html"), 404
    form = ConfirmForm()
    if form.validate_on_submit():
        user = service.use_sign_in_link(token, remote_addr=request.remote_addr)
        if user is None:
            return render_template("auth/link_not_valid.html"), 404
        return view.first_factor_passed(user, TokenPurpose.SIGN_IN_LINK)
    return no_store(make_response(render_template("auth/sign_in_with_link.html", form=form)))


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
        accounts.set_password(user, form.password.data, remote_addr=request.remote_addr)
        audit.record("account.password_changed", actor=user, record=user,
                     remote_addr=request.remote_addr)
        view.start_session(user, "password_change")
        flash("Your password has been changed. You have been signed out everywhere else.", "success")
        return redirect_to(url_for("home.index"))
    status = 422 if form.is_submitted() else 200
    return render_template("auth/change_password.html", form=form), status
