"""What the sign-in pages share: a safe place to go next, starting a signed-in session, the
half-way state between the password and the code, and the "paused" answer of the limits."""

import time
from datetime import timedelta
from urllib.parse import urlsplit

from flask import make_response, render_template, request, session, url_for
from flask_login import login_user

from portal import audit, times
from portal.auth import service
from portal.htmx import redirect_to
from portal.models import User, utcnow
from portal.vocab import SessionEnd

# Between the password and the code, the browser's session holds only "half signed in as user N
# since T": Flask-Login knows nobody, so no page that needs a sign-in answers.
PENDING = "second_factor"


def begin_second_factor(user, how, next_url):
    """The password (or link) passed: remember who, until the code step (or it runs out)."""
    session.clear()
    session[PENDING] = {"user": user.id, "since": int(time.time()), "how": how, "next": next_url}


def safe_next(target):
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


def page_came_from():
    """The page of this site the request came from (its path and query), or None."""
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc != request.host:
        return None
    return safe_next(referrer.path + (f"?{referrer.query}" if referrer.query else ""))


def start_session(user, how):
    """Signed in: a new session row and cookie. Nothing from before carries over, and a
    session this browser had before ends."""
    previous = service.split_cookie_id(session.get("_user_id", ""))
    if previous is not None:
        service.end_session(previous[0], SessionEnd.SIGNED_IN_AGAIN, remote_addr=request.remote_addr)
    session.clear()
    service.open_session(user, browser=service.browser_summary(request.user_agent.string),
                         remote_addr=request.remote_addr)
    login_user(user)
    User.update(last_sign_in_at=utcnow()).where(User.id == user.id).execute()
    audit.record("auth.signed_in", actor=user, record=user, remote_addr=request.remote_addr, detail=f"how={how}")


def first_factor_passed(user, how, next_url=None):
    """After the password (or an emailed link): signed in, or on to the code step (or, for
    staff without a second factor yet, to setting one up). Until that step passes, nobody is
    signed in: no page that needs a sign-in answers."""
    target = safe_next(next_url) or url_for("home.index")
    if not service.needs_second_factor(user):
        start_session(user, how)
        return redirect_to(target)
    begin_second_factor(user, how, target)
    audit.record("auth.first_factor_passed", record=user, remote_addr=request.remote_addr, detail=f"how={how}")
    return redirect_to(url_for("auth.second_factor" if user.totp_secret else "auth.second_factor_set_up"))


def sign_in_paused(until):
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


