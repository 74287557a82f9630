"""Accounts: invitations, password resets, sign-out everywhere and deactivation."""

import contextlib
import hashlib
import secrets
from datetime import timedelta

from flask import after_this_request, current_app, has_request_context, url_for

from portal import audit, mail, passwords, ratelimit
from portal.db import database
from portal.models import AccountToken, CaseParty, SignInSession, User, utcnow
from portal.vocab import CaseKind, MessageKind, Role, SessionEnd, TokenPurpose, UnsafeRoute


def _hash_token(raw):
    return hashlib.sha256(raw.encode()).hexdigest()


def issue_token(user, purpose, lifetime, created_by=None):
    """A new single-use token; only its hash is stored. Returns the raw token for the link."""
    raw = secrets.token_urlsafe(32)
    AccountToken.create(
        user=user, purpose=purpose, token_hash=_hash_token(raw), created_by=created_by,
        expires_at=utcnow() + lifetime,
    )
    return raw


def find_usable_token(raw, purpose):
    """The token row if it exists, has this purpose, is unused and unexpired, else None."""
    if not raw:
        return None
    token = (AccountToken
             .select(AccountToken, User)
             .join(User)
             .where(AccountToken.token_hash == _hash_token(raw),
                    AccountToken.purpose == purpose,
                    AccountToken.used_at.is_null(),
                    AccountToken.expires_at > utcnow(),
                    User.active == True)  # noqa: E712
             .first())
    return token


def _absolute(endpoint, **values):
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    return base + url_for(endpoint, **values)


absolute_url = _absolute


def invite(*, name, email, role, invited_by, safeguarding_lead=False, admin=False, remote_addr=""):
    """Create the account (no password yet) and email a single-use link to set one."""
    with database.atomic():
        user = User.create(
            name=name.strip(), email=email.strip().lower(), role=role,
            is_safeguarding_lead=safeguarding_lead, is_admin=admin,
        )
        raw = issue_token(user, TokenPurpose.INVITATION,
                          current_app.config["INVITATION_LIFETIME"], created_by=invited_by)
        audit.record("account.invited", actor=invited_by, record=user, detail=f"role={role}",
                     remote_addr=remote_addr)
        send_invitation_email(user, raw)
    return user


def send_invitation_email(user, raw_token):
    service = current_app.config["SERVICE_NAME"]
    days = current_app.config["INVITATION_LIFETIME"].days
    mail.send(
        user.email,
        f"You are invited to the {service} portal",
        f"Hello,\n\nYou have been invited to use the {service} portal.\n"
        f"Set your password here (the link works once and for {days} days):\n\n"
        f"{_absolute('auth.accept_invitation', token=raw_token)}\n\n"
        "If you were not expecting this, you can ignore this email.\n",
        kind=MessageKind.INVITATION, about=user,
    )


def party_email_is_safe(party):
    """A party record (or a person on a referral) with an email that is safe to use."""
    return bool(party.email) and UnsafeRoute.EMAIL not in (party.unsafe_routes or "").split(",")


def link_party_account(party):
    """Link a party record to the party account that has its email, if there is one (no email
    is sent). A staff address given for a party is left unlinked: a coordinator sorts it out.
    Returns whether an account with that email exists (linked, or a staff one)."""
    existing = User.by_email(party.email).first() if party.email else None
    if existing is None:
        return False
    if existing.role == Role.PARTY and party.user_id is None:
        _link(party, existing)
    return True


def _link(party, user):
    # Only the link: the caller may hold the record with older values (its consent, say).
    CaseParty.update(user=user.id).where(CaseParty.id == party.id).execute()
    party.user = user


def invite_party(party, *, by, remote_addr=""):
    """When the party agrees to take part: their portal account, if their email is safe to
    use and they have none yet, and the invitation (in plain words). Inside the caller's
    transaction. Returns (the new account, True: the email is queued with the change and
    retried by the outbox while the mail server is down), or None when nobody is invited."""
    if party.user_id is not None or not party_email_is_safe(party) or link_party_account(party):
        return None
    user = User.create(name=party.name, email=party.email.strip().lower(), role=Role.PARTY)
    _link(party, user)
    raw = issue_token(user, TokenPurpose.INVITATION, current_app.config["INVITATION_LIFETIME"], created_by=by)
    audit.record("account.invited", actor=by, record=user, case_id=party.case_id, detail="role=party",
                 remote_addr=remote_addr)
    send_party_invitation_email(user, raw, kind=party.case.kind)  # queued, in this transaction
    return user, True


def send_party_invitation_email(user, raw_token, *, kind):
    """A party's invitation in plain words: who we are, why they get it, that using the portal
    is their choice, and the service's phone number. Never anyone else's name."""
    config = current_app.config
    service, phone, days = config["SERVICE_NAME"], config["SERVICE_PHONE"], config["INVITATION_LIFETIME"].days
    what = "mediation" if kind == CaseKind.MEDIATION else "coaching"
    mail.send(
        user.email,
        f"Your place in the {service} portal",
        f"Hello,\n\nThis is {service}. You are getting this email because you have agreed to "
        f"take part in {what} with us. We have a secure website, the portal, where you can see "
        "your sessions, your action points and what is shared with you.\n\n"
        f"Using the portal is your choice. You can always talk to us by phone instead, on {phone}.\n\n"
        f"To start, choose a password here (the link works once and for {days} days):\n\n"
        f"{_absolute('auth.accept_invitation', token=raw_token)}\n\n"
        f"If you were not expecting this, please call us on {phone}.\n\n--\n{service}\nPhone: {phone}\n",
        kind=MessageKind.INVITATION, about=user, reply_to=config["MAIL_REPLY_TO"],
    )


def reinvite(user, invited_by, remote_addr=""):
    """A fresh invitation link for someone who has not set a password yet."""
    with database.atomic():
        _retire_tokens(user, TokenPurpose.INVITATION)
        raw = issue_token(user, TokenPurpose.INVITATION,
                          current_app.config["INVITATION_LIFETIME"], created_by=invited_by)
        audit.record("account.reinvited", actor=invited_by, record=user, remote_addr=remote_addr)
    record = (CaseParty.select().where(CaseParty.user == user.id).order_by(CaseParty.id.desc()).first()
              if user.role == Role.PARTY else None)
    if record is not None:
        send_party_invitation_email(user, raw, kind=record.case.kind)  # the same plain words again
    else:
        send_invitation_email(user, raw)


def normalised_email(email):
    """An email as accounts store it, and as the limits key it: trimmed, lower case."""
    return (email or "").strip().lower()


def _reset_limits_allow(email, remote_addr):
    config = current_app.config
    hour = timedelta(hours=1)
    # Both are counted on every request, known address or not: the limit gives nothing away.
    by_address = ratelimit.allow("reset_address", remote_addr,
                                 config["PASSWORD_RESETS_PER_ADDRESS_PER_HOUR"], hour)
    by_account = ratelimit.allow("reset_account", normalised_email(email),
                                 config["PASSWORD_RESETS_PER_ACCOUNT_PER_HOUR"], hour)
    return by_address and by_account


def _reset_email(to, raw_token):
    hours = int(current_app.config["PASSWORD_RESET_LIFETIME"].total_seconds() // 3600)
    body = ("Someone asked to reset the password of your account.\n"
            f"If it was you, choose a new password here (the link works once and for {hours} hours):\n\n"
            f"{_absolute('auth.reset_password', token=raw_token)}\n\n"
            "If it was not you, ignore this email: your password stays as it is.\n")
    return mail.build_message(to, "Reset your password", body, current_app.config["MAIL_FROM"])


def request_password_reset(email, remote_addr=""):
    """Email a reset link if an active account with a password has this address. Says nothing
    to the caller either way, so the form cannot be used to find out who has an account.

    Known and unknown addresses do the same work in the request: a token made and hashed, the
    same UPDATE and audit row in one transaction, the email built. The one difference is the
    token's own INSERT (a row needs an account). Sending is what took the time, so it happens
    for neither in the request: see `_send_after_response`.
    """
    email = normalised_email(email)
    if not _reset_limits_allow(email, remote_addr):
        audit.record("account.password_reset_refused", remote_addr=remote_addr)
        return
    user = User.by_email(email).where(User.active == True, User.password_hash.is_null(False)).first()  # noqa: E712
    raw = secrets.token_urlsafe(32)
    token_hash = _hash_token(raw)
    with database.atomic():
        _retire_tokens(user, TokenPurpose.PASSWORD_RESET)
        if user is not None:
            AccountToken.create(user=user, purpose=TokenPurpose.PASSWORD_RESET, token_hash=token_hash,
                                expires_at=utcnow() + current_app.config["PASSWORD_RESET_LIFETIME"])
        audit.record("account.password_reset_requested", record=user, remote_addr=remote_addr)
    message = _reset_email(user.email if user is not None else email, raw)
    if user is not None:
        _send_after_response(message)


def _send_after_response(message):
    """Send `message` once the response has gone to the browser.

    Talking to the mail server is the slow part (a connection, TLS, a login: tens to hundreds
    of milliseconds), and only a known address has anything to send: done in the request, the
    answer's timing would say who has an account. A decoy email to an unknown address would
    equalise it but mail strangers. So neither path waits for the server: the WSGI server calls
    the response's close() after the last byte is sent, and the email goes then, in the same
    worker (no thread). It stays outside the outbox (portal/outbox.py), which every other email
    goes through: a row and a queued job for known addresses only would be work that only a
    known address does, in the request. Without a mail server
    (development), the outbox file is written at once, as before: it costs a fraction of a
    millisecond and keeps the outbox readable straight after the request.
    """
    app = current_app._get_current_object()

    def deliver():
        # A failure is logged by mail; the person was told only "if an account exists".
        with app.app_context(), contextlib.suppress(mail.MailNotSent):
            mail.deliver(message)

    if not app.config.get("MAIL_SERVER") or not has_request_context():
        deliver()
        return

    @after_this_request
    def _send_on_close(response):
        response.call_on_close(deliver)
        return response


def _retire_tokens(user, purpose):
    # For no account (an unknown address asking for a reset) the same UPDATE matches no row.
    (AccountToken
     .update(used_at=utcnow())
     .where(AccountToken.user == (user.id if user is not None else 0), AccountToken.purpose == purpose,
            AccountToken.used_at.is_null())
     .execute())


def use_token_to_set_password(token, password, remote_addr=""):
    """Spend the token and set the password; every other session of the user ends."""
    user = token.user
    with database.atomic():
        # Mark it used only if nobody spent it in the meantime (two tabs, a replayed link).
        spent = (AccountToken
                 .update(used_at=utcnow())
                 .where(AccountToken.id == token.id, AccountToken.used_at.is_null())
                 .execute())
        if not spent:
            return None
        _retire_tokens(user, token.purpose)
        set_password(user, password, remote_addr=remote_addr)
        audit.record(f"account.{token.purpose}_used", actor=user, record=user, remote_addr=remote_addr)
    return user


def set_password(user, password, *, remote_addr=""):
    """The new password; every session of the user ends (the caller may open a new one)."""
    user.password_hash = passwords.hash_password(password)
    user.save()
    end_all_sessions(user, SessionEnd.PASSWORD_CHANGED, actor=user, remote_addr=remote_addr)


def end_all_sessions(user, why, *, actor=None, keep=None, remote_addr=""):
    """End every active sign-in session of `user` (but the one `keep` names); every copy of
    their cookies stops working. One audit row; returns how many ended."""
    query = (SignInSession.update(ended_at=utcnow(), ended_why=why)
             .where(SignInSession.user == user.id, SignInSession.ended_at.is_null()))
    if keep is not None:
        query = query.where(SignInSession.id != keep)
    ended = query.execute()
    if ended:
        audit.record("auth.sessions_ended", actor=actor, record=user, detail=f"why={why} count={ended}",
                     remote_addr=remote_addr)
    return ended


def deactivate(user, by, remote_addr=""):
    """The account can no longer sign in; its sessions and its emailed links end now, and do not
    come back if it is reactivated."""
    with database.atomic():
        User.update(active=False).where(User.id == user.id).execute()
        end_all_sessions(user, SessionEnd.DEACTIVATED, actor=by, remote_addr=remote_addr)
        _retire_tokens(user, TokenPurpose.INVITATION)
        _retire_tokens(user, TokenPurpose.PASSWORD_RESET)
        _retire_tokens(user, TokenPurpose.SIGN_IN_LINK)
        audit.record("account.deactivated", actor=by, record=user, remote_addr=remote_addr)


def reactivate(user, by, remote_addr=""):
    with database.atomic():
        User.update(active=True).where(User.id == user.id).execute()
        audit.record("account.reactivated", actor=by, record=user, remote_addr=remote_addr)


def begin_sign_in(email, remote_addr):
    """A sign-in attempt for this typed email from this address, or its refusal.

    Keyed by the email as typed (normalised), not by account, so an unknown email is paused
    exactly like a known one and the pause says nothing about who has an account. Each attempt
    counts as a failure until `sign_in_succeeded`, so guesses sent all at once count too.
    """
    config = current_app.config
    window, pause = config["SIGN_IN_WINDOW"], config["SIGN_IN_PAUSE"]
    address = remote_addr or "unknown"
    return ratelimit.begin([
        (ratelimit.Rule("sign_in_account", config["SIGN_IN_FAILURES_PER_ACCOUNT"], window, pause),
         f"{normalised_email(email)}\n{address}"),
        (ratelimit.Rule("sign_in_address", config["SIGN_IN_FAILURES_PER_ADDRESS"], window, pause),
         address),
    ])


def sign_in_succeeded(attempt):
    ratelimit.succeeded(attempt)


def authenticate(email, password):
    """The active user with this email and password, or None (same answer for every failure)."""
    user = User.by_email(email).first()
    if user is None or not user.active:
        passwords.verify_password(None, password)
        return None
    if not passwords.verify_password(user.password_hash, password):
        return None
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
        user.save()
    return user
