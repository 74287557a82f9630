"""Accounts: invitations, password resets, sign-out everywhere and deactivation."""

import hashlib
import secrets

from flask import current_app, url_for

from portal import audit, mail, passwords
from portal.db import database
from portal.models import AccountToken, User, new_session_token, utcnow


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


def invite(*, name, email, role, invited_by, safeguarding_lead=False, admin=False, remote_addr=""):
    """Create the account (no password yet) and email a single-use link to set one."""
    with database.atomic():
        user = User.create(
            name=name.strip(), email=email.strip().lower(), role=role,
            is_safeguarding_lead=safeguarding_lead, is_admin=admin,
        )
        raw = issue_token(user, AccountToken.INVITATION,
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
    )


def reinvite(user, invited_by, remote_addr=""):
    """A fresh invitation link for someone who has not set a password yet."""
    with database.atomic():
        _retire_tokens(user, AccountToken.INVITATION)
        raw = issue_token(user, AccountToken.INVITATION,
                          current_app.config["INVITATION_LIFETIME"], created_by=invited_by)
        audit.record("account.reinvited", actor=invited_by, record=user, remote_addr=remote_addr)
    send_invitation_email(user, raw)


def request_password_reset(email, remote_addr=""):
    """Email a reset link if an active account with a password has this address. Says nothing
    to the caller either way, so the form cannot be used to find out who has an account."""
    user = User.by_email(email).where(User.active == True, User.password_hash.is_null(False)).first()  # noqa: E712
    if user is None:
        return
    with database.atomic():
        _retire_tokens(user, AccountToken.PASSWORD_RESET)
        raw = issue_token(user, AccountToken.PASSWORD_RESET,
                          current_app.config["PASSWORD_RESET_LIFETIME"])
        audit.record("account.password_reset_requested", record=user, remote_addr=remote_addr)
    hours = int(current_app.config["PASSWORD_RESET_LIFETIME"].total_seconds() // 3600)
    try:
        mail.send(
            user.email,
            "Reset your password",
            "Someone asked to reset the password of your account.\n"
            f"If it was you, choose a new password here (the link works once and for {hours} hours):\n\n"
            f"{_absolute('auth.reset_password', token=raw)}\n\n"
            "If it was not you, ignore this email: your password stays as it is.\n",
        )
    except mail.MailNotSent:
        # An error page here, and not for unknown addresses, would tell who has an account.
        pass


def _retire_tokens(user, purpose):
    (AccountToken
     .update(used_at=utcnow())
     .where(AccountToken.user == user, AccountToken.purpose == purpose,
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
        set_password(user, password)
        audit.record(f"account.{token.purpose}_used", actor=user, record=user, remote_addr=remote_addr)
    return user


def set_password(user, password):
    user.password_hash = passwords.hash_password(password)
    user.session_token = new_session_token()
    user.save()


def end_all_sessions(user):
    """Every copy of every session cookie of this user stops working."""
    User.update(session_token=new_session_token()).where(User.id == user.id).execute()


def deactivate(user, by, remote_addr=""):
    """The account can no longer sign in; its sessions and its emailed links end now, and do not
    come back if it is reactivated."""
    with database.atomic():
        User.update(active=False, session_token=new_session_token()).where(User.id == user.id).execute()
        _retire_tokens(user, AccountToken.INVITATION)
        _retire_tokens(user, AccountToken.PASSWORD_RESET)
        audit.record("account.deactivated", actor=by, record=user, remote_addr=remote_addr)


def reactivate(user, by, remote_addr=""):
    with database.atomic():
        User.update(active=True).where(User.id == user.id).execute()
        audit.record("account.reactivated", actor=by, record=user, remote_addr=remote_addr)


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
