"""A person's account page (routes): their active sessions, which they can end, and their
two-factor sign-in (parties turn it on or off; anyone makes new recovery codes). The page is
sections, each its own include, so another area adds one with one line."""

from flask import abort, flash, make_response, render_template, request, session, url_for
from flask_login import current_user, login_required

from portal import audit
from portal.auth import bp, service, two_factor, view
from portal.auth.forms import SetUpCodeForm
from portal.forms import ConfirmForm
from portal.htmx import no_store, redirect_to
from portal.models import SignInSession
from portal.vocab import Role, SessionEnd

# Kept in the browser's session while a party sets up two-factor sign-in from this page.
NEW_SECRET = "new_totp_secret"


def _this_session_id():
    return service.split_cookie_id(current_user.session_cookie_id)[0]


def _confirmed():
    if not ConfirmForm().validate_on_submit():
        abort(400)


@bp.get("/account")
@login_required
def account():
    """The person's own account: sessions, two-factor sign-in, password."""
    user = current_user._get_current_object()
    return render_template("account/index.html", sessions=service.active_sessions(user),
                           this_session=_this_session_id(), confirm=ConfirmForm(),
                           recovery_codes_left=service.recovery_codes_left(user))


@bp.post("/account/sessions/<int:session_id>/end")
@login_required
def end_session(session_id):
    """End one of the person's own sessions (this one signs them out)."""
    _confirmed()
    user = current_user._get_current_object()
    row = SignInSession.get_or_none(SignInSession.id == session_id, SignInSession.user == user.id)
    if row is None:
        abort(404)  # nobody else's sessions, not even whether they exist
    service.end_session(row.id, SessionEnd.ENDED_BY_USER, actor=user, remote_addr=request.remote_addr)
    if row.id == _this_session_id():
        session.clear()
        flash("You have signed out.", "success")
        return redirect_to(url_for("auth.sign_in"))
    flash(f"The session on {row.browser or 'another browser'} has ended.", "success")
    return redirect_to(url_for("auth.account"))


@bp.post("/account/sessions/end-others")
@login_required
def end_other_sessions():
    """End every session of the person but this one."""
    _confirmed()
    user = current_user._get_current_object()
    service.end_other_sessions(user, keep=_this_session_id(), remote_addr=request.remote_addr)
    flash("Every other session has ended. This one goes on.", "success")
    return redirect_to(url_for("auth.account"))


@bp.post("/account/stay-signed-in")
@login_required
def stay_signed_in():
    """The warning's button: the session goes on from now."""
    _confirmed()
    service.seen_now(_this_session_id(), current_user.session_last_seen_at, force=True)
    flash("You are still signed in.", "success")
    return redirect_to(view.page_came_from() or url_for("auth.account"))


@bp.route("/account/two-factor", methods=["GET", "POST"])
@login_required
def turn_on_two_factor():
    """A party turns on two-factor sign-in (staff have it already)."""
    user = current_user._get_current_object()
    if user.totp_secret:
        return redirect_to(url_for("auth.account"))
    secret = session.get(NEW_SECRET) or service.new_totp_secret()
    session[NEW_SECRET] = secret
    form = SetUpCodeForm()
    if form.validate_on_submit():
        codes = service.turn_on_second_factor(user, secret, form.code.data, request.remote_addr)
        if codes is not None:
            session.pop(NEW_SECRET, None)
            return _recovery_codes_page(codes)
        form.code.errors.append(two_factor.WRONG_CODE)
    return two_factor.set_up_page(user, secret, form, url_for("auth.turn_on_two_factor"))


@bp.post("/account/two-factor/off")
@login_required
def turn_off_two_factor():
    """A party turns two-factor sign-in off; staff may not (403)."""
    _confirmed()
    user = current_user._get_current_object()
    if user.role != Role.PARTY:
        abort(403)
    service.turn_off_second_factor(user, request.remote_addr)
    flash("Two-factor sign-in is off. You sign in with your password alone.", "success")
    return redirect_to(url_for("auth.account"))


@bp.post("/account/recovery-codes")
@login_required
def new_recovery_codes():
    """Ten new recovery codes replace the old ones; shown this once."""
    _confirmed()
    user = current_user._get_current_object()
    if not user.totp_secret:
        abort(403)
    codes = service.new_recovery_codes(user)
    audit.record("auth.recovery_codes_renewed", actor=user, record=user, remote_addr=request.remote_addr)
    return _recovery_codes_page(codes)


def _recovery_codes_page(codes):
    return no_store(make_response(render_template("auth/recovery_codes.html", codes=codes,
                                                  next_url=url_for("auth.account"))))
