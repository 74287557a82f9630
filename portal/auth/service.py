"""Sign-in sessions (a row per sign-in, named by the cookie), the second factor (TOTP, RFC 6238,
with single-use recovery codes) and emailed sign-in links for parties.

The cookie holds "<session id>.<token>"; only the token's hash is stored. Ending a session sets
its `ended_at`, so every copy of that cookie stops working at once.
"""

import hashlib
import hmac
import re
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import pyotp
import segno
from flask import current_app

from portal import accounts, audit, mail, queries, ratelimit
from portal.db import database
from portal.models import RecoveryCode, SignInSession, User, new_session_token, utcnow
from portal.vocab import MessageKind, Role, SessionEnd, TokenPurpose

# A code is accepted one time step either side of now: clocks on phones drift.
TOTP_DRIFT_STEPS = 1
RECOVERY_CODE_COUNT = 10
# The last-seen time is written at most this often: not a write on every request.
LAST_SEEN_EVERY = timedelta(minutes=1)
# How much of a browser's User-Agent is kept: enough to tell sessions apart.
BROWSER_NAMES = (("Edg/", "Edge"), ("OPR/", "Opera"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"),
                 ("Safari/", "Safari"))
SYSTEM_NAMES = (("Android", "Android"), ("iPhone", "iPhone"), ("iPad", "iPad"), ("Windows", "Windows"),
                ("Mac OS X", "macOS"), ("CrOS", "ChromeOS"), ("Linux", "Linux"))


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def browser_summary(user_agent: str) -> str:
    """'Firefox on Windows' from a User-Agent header; never the header itself."""
    agent = user_agent or ""
    browser = next((name for marker, name in BROWSER_NAMES if marker in agent), "")
    system = next((name for marker, name in SYSTEM_NAMES if marker in agent), "")
    if browser and system:
        return f"{browser} on {system}"
    return browser or system or "Unknown browser"


# --- sessions -------------------------------------------------------------------------------

def open_session(user: User, *, browser: str = "", remote_addr: str = "") -> str:
    """A new session row for `user`; returns the id the cookie keeps ("<row id>.<token>")."""
    raw = new_session_token()
    row = SignInSession.create(user=user.id, token_hash=_hash(raw), browser=browser[:100],
                               remote_addr=(remote_addr or "")[:64])
    user.session_cookie_id = f"{row.id}.{raw}"
    user.session_last_seen_at = row.last_seen_at
    return user.session_cookie_id


def split_cookie_id(cookie_id: str) -> tuple[int, str] | None:
    """(row id, token) from a cookie's id, or None when it is not of that shape."""
    row_id, _, token = (cookie_id or "").partition(".")
    if not row_id.isdigit() or not token:
        return None
    return int(row_id), token


def token_matches(stored_hash: str, token: str) -> bool:
    return hmac.compare_digest(stored_hash or "", _hash(token))


def idle_limit(user: User) -> timedelta:
    config = current_app.config
    return config["PARTY_IDLE"] if user.role == Role.PARTY else config["STAFF_IDLE"]


def seen_now(session_id: int, last_seen: datetime, *, force: bool = False) -> datetime:
    """Record activity on the session (at most once a minute unless forced); the time kept."""
    now = utcnow()
    if force or now - last_seen >= LAST_SEEN_EVERY:
        SignInSession.update(last_seen_at=now).where(SignInSession.id == session_id).execute()
        return now
    return last_seen


def end_session(session_id: int, why: SessionEnd, *, actor: User | None = None, remote_addr: str = "") -> bool:
    """End one session if it is still active; audited. Whether it was active."""
    row = SignInSession.get_or_none(SignInSession.id == session_id)
    ended = (SignInSession.update(ended_at=utcnow(), ended_why=why)
             .where(SignInSession.id == session_id, SignInSession.ended_at.is_null())
             .execute())
    if ended and row is not None:
        audit.record("auth.session_ended", actor=actor, record=row, detail=f"why={why}",
                     remote_addr=remote_addr)
    return bool(ended)


def end_other_sessions(user: User, *, keep: int, remote_addr: str = "") -> int:
    """The person ends all their sessions but this one."""
    return accounts.end_all_sessions(user, SessionEnd.ENDED_BY_USER, actor=user, keep=keep,
                                     remote_addr=remote_addr)


def active_sessions(user: User) -> list[SignInSession]:
    """The user's sessions still open (not ended, not idle past the limit), newest first."""
    return list(queries.sign_in_sessions_visible_to(user, utcnow() - idle_limit(user)))


# --- the second factor ----------------------------------------------------------------------

def needs_second_factor(user: User) -> bool:
    """Staff always; a party once they have turned it on."""
    return user.role != Role.PARTY or bool(user.totp_secret)


def new_totp_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email,
                                               issuer_name=current_app.config["SERVICE_NAME"])


def qr_svg(uri: str) -> str:
    """The QR code as inline SVG (no file, no script), with a title for screen readers."""
    return segno.make(uri, error="m").svg_inline(scale=4, border=4, title="QR code for your authenticator app",
                                                 svgclass="qr-code", lineclass=None)


def current_step(at: float | None = None) -> int:
    return int((time.time() if at is None else at) // 30)


def _matching_step(secret: str, code: str, after: int | None) -> int | None:
    """The time step near now whose code this is and that is later than `after`, or None."""
    code = re.sub(r"\s", "", code or "")
    if not re.fullmatch(r"\d{6}", code):
        return None
    totp, now = pyotp.TOTP(secret), current_step()
    for step in range(now - TOTP_DRIFT_STEPS, now + TOTP_DRIFT_STEPS + 1):
        if (after is None or step > after) and hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def code_is_right(secret: str, code: str) -> bool:
    """For set-up: the code matches the new secret (which no code has been used with yet)."""
    return _matching_step(secret, code, None) is not None


def use_totp_code(user: User, code: str) -> bool:
    """True once per time step: the step is stored, and a code of that step or an earlier one is
    refused from then on (a replayed code), even by two requests at once."""
    if not user.totp_secret:
        return False
    step = _matching_step(user.totp_secret, code, user.totp_last_step)
    if step is None:
        return False
    taken = (User.update(totp_last_step=step)
             .where(User.id == user.id,
                    (User.totp_last_step.is_null()) | (User.totp_last_step < step))
             .execute())
    user.totp_last_step = step
    return bool(taken)


def _normal_recovery_code(code: str) -> str:
    return re.sub(r"[^a-z0-9]", "", (code or "").lower())


def new_recovery_codes(user: User) -> list[str]:
    """Ten fresh codes replace any earlier ones; returned once, kept only as hashes."""
    codes = [secrets.token_hex(5) for _ in range(RECOVERY_CODE_COUNT)]
    shown = [f"{code[:5]}-{code[5:]}" for code in codes]
    with database.atomic():
        RecoveryCode.delete().where(RecoveryCode.user == user.id).execute()
        RecoveryCode.insert_many([{"user": user.id, "code_hash": _hash(code), "created_at": utcnow()}
                                  for code in codes]).execute()
    return shown


def use_recovery_code(user: User, code: str) -> bool:
    """True the first time a code of this user's is used; never again."""
    code_hash = _hash(_normal_recovery_code(code))
    return bool(RecoveryCode.update(used_at=utcnow())
                .where(RecoveryCode.user == user.id, RecoveryCode.code_hash == code_hash,
                       RecoveryCode.used_at.is_null())
                .execute())


def recovery_codes_left(user: User) -> int:
    return (RecoveryCode.select()
            .where(RecoveryCode.user == user.id, RecoveryCode.used_at.is_null())
            .count())


def turn_on_second_factor(user: User, secret: str, code: str, remote_addr: str = "") -> list[str] | None:
    """Keep the secret if the code matches it (the step is spent); the recovery codes, or None."""
    step = _matching_step(secret, code, None)
    if step is None:
        return None
    with database.atomic():
        User.update(totp_secret=secret, totp_last_step=step).where(User.id == user.id).execute()
        user.totp_secret, user.totp_last_step = secret, step
        codes = new_recovery_codes(user)
        audit.record("auth.second_factor_set_up", actor=user, record=user, remote_addr=remote_addr)
    return codes


def turn_off_second_factor(user: User, remote_addr: str = "") -> None:
    """A party turns it off (staff cannot: they must have it)."""
    if user.role != Role.PARTY:
        raise ValueError("staff must keep their second factor")
    with database.atomic():
        User.update(totp_secret=None, totp_last_step=None).where(User.id == user.id).execute()
        RecoveryCode.delete().where(RecoveryCode.user == user.id).execute()
        user.totp_secret = None
        audit.record("auth.second_factor_turned_off", actor=user, record=user, remote_addr=remote_addr)


def reset_second_factor(user: User, by: User, remote_addr: str = "") -> None:
    """An administrator clears someone's second factor: they set it up again at their next
    sign-in. Every session of theirs ends, and they are told by email."""
    with database.atomic():
        User.update(totp_secret=None, totp_last_step=None).where(User.id == user.id).execute()
        RecoveryCode.delete().where(RecoveryCode.user == user.id).execute()
        user.totp_secret = None
        audit.record("auth.second_factor_reset", actor=by, record=user, remote_addr=remote_addr)
        accounts.end_all_sessions(user, SessionEnd.SECOND_FACTOR_RESET, actor=by, remote_addr=remote_addr)
        service = current_app.config["SERVICE_NAME"]
        mail.send(user.email, f"Your two-factor sign-in for {service} was reset",
                  "Hello,\n\nAn administrator has reset the two-factor sign-in of your account, and "
                  "signed you out everywhere. The next time you sign in you will set it up again "
                  "with your authenticator app.\n\nIf you did not ask for this, tell the service "
                  f"straight away on {current_app.config['SERVICE_PHONE']}.\n",
                  kind=MessageKind.SECOND_FACTOR_RESET, about=user)


def begin_code_attempt(user: User, remote_addr: str) -> ratelimit.Try:
    """Wrong codes are limited like wrong passwords: per account and address, and per address."""
    config = current_app.config
    window, pause = config["SIGN_IN_WINDOW"], config["SIGN_IN_PAUSE"]
    address = remote_addr or "unknown"
    return ratelimit.begin([
        (ratelimit.Rule("second_factor_account", config["SIGN_IN_FAILURES_PER_ACCOUNT"], window, pause),
         f"{user.id}\n{address}"),
        (ratelimit.Rule("second_factor_address", config["SIGN_IN_FAILURES_PER_ADDRESS"], window, pause),
         address),
    ])


# --- sign-in links for parties --------------------------------------------------------------

@dataclass(frozen=True)
class LinkRequest:
    refused_until: datetime | None = None


def request_sign_in_link(email: str, remote_addr: str = "") -> LinkRequest:
    """Email a single-use sign-in link if an active party account with a password has this
    address. Staff, unknown addresses and parties get the same answer and no link: the caller
    says the same either way. Limited like signing in with a password."""
    attempt = accounts.begin_sign_in(email, remote_addr)
    if attempt.refused:
        audit.record("auth.sign_in_link_refused", remote_addr=remote_addr, detail=f"limit={attempt.refused_by}")
        return LinkRequest(refused_until=attempt.refused_until)
    user = (User.by_email(email)
            .where(User.active == True, User.role == Role.PARTY,  # noqa: E712
                   User.password_hash.is_null(False))
            .first())
    lifetime = current_app.config["SIGN_IN_LINK_LIFETIME"]
    with database.atomic():
        if user is not None:
            raw = accounts.issue_token(user, TokenPurpose.SIGN_IN_LINK, lifetime)
        audit.record("auth.sign_in_link_requested", record=user, remote_addr=remote_addr)
    if user is not None:
        minutes = int(lifetime.total_seconds() // 60)
        mail.send(user.email, "Your link to sign in",
                  "Hello,\n\nSomeone asked for a link to sign in to your account.\n"
                  f"If it was you, sign in here (the link works once and for {minutes} minutes):\n\n"
                  f"{accounts.absolute_url('auth.sign_in_with_link', token=raw)}\n\n"
                  "If it was not you, ignore this email: nobody can sign in without it.\n",
                  kind=MessageKind.SIGN_IN_LINK, about=user)
    return LinkRequest()


def use_sign_in_link(raw: str, remote_addr: str = "") -> User | None:
    """The party the link signs in, spending it; None if it is unknown, used or out of time."""
    token = accounts.find_usable_token(raw, TokenPurpose.SIGN_IN_LINK)
    if token is None or token.user.role != Role.PARTY:
        return None
    with database.atomic():
        spent = (type(token).update(used_at=utcnow())
                 .where(type(token).id == token.id, type(token).used_at.is_null())
                 .execute())
        if not spent:
            return None
        audit.record("auth.sign_in_link_used", actor=token.user, record=token.user, remote_addr=remote_addr)
    return token.user
