"""Sign-in sessions with Flask-Login.

The id kept in the session cookie is "<user id>.<session token>". Signing out, changing the
password and deactivation replace the token, so every copy of an older cookie stops working.
"""

import hmac
from functools import cache
from urllib.parse import urlsplit, urlunsplit

from flask import flash, request, url_for
from flask_login import LoginManager, current_user

from portal.db import database
from portal.htmx import current_page_url, redirect_to
from portal.models import User

login_manager = LoginManager()


@login_manager.user_loader
def load_user(session_id):
    user_id, _, token = (session_id or "").partition(".")
    if not user_id.isdigit() or not token:
        return None
    user = next(iter(User.raw(_user_by_id_sql(type(database.obj).__name__), int(user_id))), None)
    if user is None or not user.active or not hmac.compare_digest(user.session_token, token):
        return None
    return user


@cache
def _user_by_id_sql(backend):
    """The text of `User.select().where(User.id == ?)` on this back end, written once: every
    request loads its user, and peewee writing the same text each time was a tenth of a small
    page's CPU. Its one parameter is the id."""
    sql, params = User.select().where(User.id == 0).sql()
    if list(params) != [0]:
        raise RuntimeError(f"loading a user by id takes other parameters: {params}")
    return sql


@login_manager.unauthorized_handler
def _unauthorized():
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
    # Cookies stay valid server-side only while the user's token matches: no remember-me.
    login_manager.session_protection = "basic"

    @app.context_processor
    def _current_actor():
        actor = current_user.actor() if current_user.is_authenticated else None
        return {"actor": actor}
