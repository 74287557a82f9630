"""Sign-in sessions with Flask-Login.

The id kept in the session cookie is "<sign-in session id>.<token>": a SignInSession row, of
which only the token's hash is stored. Signing out ends that row; a password change, a reset of
the second factor and deactivation end all of a person's rows; a row not seen for the idle limit
(staff 30 minutes, parties 2 hours) ends at the next request that names it.
"""

from datetime import datetime
from functools import cache
from urllib.parse import urlsplit, urlunsplit

from flask import flash, g, request, session, url_for
from flask_login import LoginManager, current_user

from portal import queries
from portal.auth import service
from portal.db import database
from portal.htmx import current_page_url, redirect_to
from portal.models import User, utcnow
from portal.vocab import SessionEnd

login_manager = LoginManager()

SESSION_ENDED = "Your session has ended. Please sign in again."
SESSION_IDLE = "You were signed out because there was no activity for a while. Please sign in again."


@login_manager.user_loader
def load_user(cookie_id):
    parts = service.split_cookie_id(cookie_id)
    if parts is None:
        return None
    session_id, token = parts
    # The user, this session's row and the unread notification count, for the navigation: one
    # statement.
    user = next(iter(User.raw(_user_by_session_sql(type(database.obj).__name__), session_id)), None)
    if user is None or not user.active or not service.token_matches(user.session_token_hash, token):
        return _ended(SESSION_ENDED)
    last_seen = _as_datetime(user.session_last_seen_at)
    if utcnow() - last_seen > service.idle_limit(user):
        service.end_session(session_id, SessionEnd.IDLE, remote_addr=request.remote_addr or "")
        return _ended(SESSION_IDLE)
    user.session_cookie_id = cookie_id
    user.session_last_seen_at = service.seen_now(session_id, last_seen)
    return user


def _ended(message):
    """The cookie names a session that has ended: say so once (whatever page this is), and
    forget it, so the next request is simply a visitor's."""
    session.pop("_user_id", None)
    flash(message, "info")
    g.sign_in_ended = True
    return None


def _as_datetime(value):
    """SQLite hands an aliased column back as text; PostgreSQL as a datetime."""
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


def session_ends_at(user):
    """When the signed-in user's session ends if nothing more happens (UTC)."""
    return _as_datetime(user.session_last_seen_at) + service.idle_limit(user)


@cache
def _user_by_session_sql(backend):
    """The text of `queries.signed_in_user(?)` on this back end, written once: every request
    loads its user, and peewee writing the same text each time was a tenth of a small page's
    CPU. Its one parameter is the id."""
    sql, params = queries.signed_in_user(0).sql()
    if list(params) != [0]:
        raise RuntimeError(f"loading a user by id takes other parameters: {params}")
    return sql


@login_manager.unauthorized_handler
def _unauthorized():
    if not g.pop("sign_in_ended", False):
        flash("Please sign in to see that page.", "info")
    # A full-page move for htmx too: never a sign-in form swapped into a table cell.
    return redirect_to(url_for("auth.sign_in", next=_page_to_return_to()))


def _page_to_return_to():
    """The page to come back to after signing in: for htmx, the page that made the request (the
    request itself may be for a fragment); otherwise the page asked for, if it was a GET."""
    if current_url := current_page_url():
        page = urlsplit(current_url)
        if page.netloc == request.host:
            return urlunsplit(("", "", page.path, page.query, ""))
    if request.method == "GET":
        return request.full_path.rstrip("?")
    return None


def init_app(app):
    login_manager.init_app(app)
    # Cookies stay valid server-side only while their session row is active: no remember-me.
    login_manager.session_protection = "basic"

    @app.context_processor
    def _current_actor():
        actor = current_user.actor() if current_user.is_authenticated else None
        if not current_user.is_authenticated:
            return {"actor": None, "session_ends_at": None, "session_idle_seconds": 0}
        return {"actor": actor, "session_ends_at": session_ends_at(current_user),
                "session_idle_seconds": int(service.idle_limit(current_user).total_seconds())}
