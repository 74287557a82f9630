"""Sending email: through SMTP when MAIL_SERVER is set, otherwise into an outbox folder.

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

from portal.models import utcnow


class MailNotSent(Exception):
    """The mail server could not be reached, or it refused the message."""


def build_message(to, subject, body, sender):
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(utcnow().replace(tzinfo=UTC))
    message["Message-ID"] = make_msgid(domain="accord.invalid")
    message.set_content(body)
    return message


def send(to, subject, body, *, attachments=(), reply_to=None):
    """Send one plain-text email with the app's mail settings; MailNotSent if SMTP fails.
    `attachments`: (file name, content type with its parameters, bytes) each, such as
    ("session.ics", "text/calendar; method=REQUEST", data); `reply_to`: where answers go."""
    message = build_message(to, subject, body, current_app.config["MAIL_FROM"])
    if reply_to:
        message["Reply-To"] = reply_to
    for filename, content_type, data in attachments:
        media_type, *parameters = (part.strip() for part in content_type.split(";"))
        maintype, subtype = media_type.split("/")
        params = dict(parameter.split("=", 1) for parameter in parameters)
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename, params=params)
    return deliver(message)


def deliver(message):
    """Send a message made by `build_message`; MailNotSent if SMTP fails."""
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
