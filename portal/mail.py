"""Email: `send` writes a message to the outbox (portal/outbox.py) in the caller's transaction;
the job queue then delivers it through SMTP when MAIL_SERVER is set, otherwise into an outbox
folder (development). No request waits on the mail server.

Emails never carry confidential content: they say that something is waiting and link to it.
Callers pass plain text only.
"""

import smtplib
import uuid
from datetime import UTC
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

from flask import current_app

from portal import outbox
from portal.models import utcnow
from portal.vocab import MessageKind


class MailNotSent(Exception):
    """The mail server could not be reached, or it refused the message."""


def build_message(to, subject, body, sender, message_id=None):
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(utcnow().replace(tzinfo=UTC))
    message["Message-ID"] = message_id or make_msgid(domain="accord.invalid")
    message.set_content(body)
    return message


def send(to, subject, body, *, kind=MessageKind.OTHER, about=None, dedupe_key=None):
    """Queue one plain-text email: a row in the outbox, in the caller's transaction, delivered
    once that commits. Never raises for the mail server: delivery is retried, and the
    administrators' Messages page shows what could not be sent. Returns the row's id (None for
    a `dedupe_key` already used)."""
    return outbox.add(to, subject, body, kind=kind, about=about, dedupe_key=dedupe_key)


def deliver(message):
    """Send a message made by `build_message` now; MailNotSent if SMTP fails. The outbox's
    delivery job calls it (and the password reset, after its response: see accounts)."""
    config = current_app.config
    if config.get("MAIL_SERVER"):
        _send_smtp(message, config)
    else:
        _write_to_outbox(message, config["MAIL_OUTBOX_DIR"])
    return message


def _send_smtp(message, config):
    try:
        with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=30) as smtp:
            if config.get("MAIL_USE_TLS"):
                smtp.starttls()
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as error:
        # Callers decide what the person is told; the log says why, never to whom or what.
        current_app.logger.error("Email not sent: %s", type(error).__name__)
        raise MailNotSent(type(error).__name__) from error


def _write_to_outbox(message, outbox_dir):
    outbox_dir = Path(outbox_dir)
    outbox_dir.mkdir(parents=True, exist_ok=True)
    # The file name says when, never who or what.
    name = f"{utcnow():%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:8]}.eml"
    (outbox_dir / name).write_bytes(message.as_bytes())
