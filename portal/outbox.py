"""The transactional outbox: every email is a row (`OutboxMessage`) written in the transaction of
the change that causes it, and the job queue delivers it.

- `add` writes the row; once the caller's transaction has committed (the end of the request or
  command: `portal/jobs.py`), a delivery job is queued for it. A rolled-back change leaves no
  row, so its job finds nothing to send. A job lost on the way (the queue down, the process
  killed) is made good by the sweep, a periodic job that queues every waiting message whose time
  has come.
- `deliver` claims the row with a lease (one UPDATE, so two workers never both get it), sends
  it, then marks it sent. A worker killed in between leaves the lease to run out, and another
  delivery sends it: at least once. The Message-ID is the row's own, so a mail client shows a
  rare second copy as the same message; reminders carry a unique `dedupe_key` besides.
- A failure is retried with backoff until the delivery window ends; then the message is
  `failed`, with the error's type (never what the server said), for an administrator to send
  again from the Messages page.
- `prune`, daily, deletes what was sent or failed more than `OUTBOX_KEEP_DAYS` ago.
"""

import base64
import json
from datetime import timedelta

from flask import current_app

from portal import audit, mail
from portal.db import database
from portal.models import OutboxMessage, utcnow
from portal.vocab import MessageKind, MessageState

# How many due messages one sweep queues; the next sweep takes the rest.
SWEEP_LIMIT = 1000
# The address of an email whose recipient was anonymised (portal/retention.py): `.invalid` is
# reserved (RFC 2606), so nothing is ever delivered there, and it is never sent again.
NOWHERE = "anonymised@invalid"


def add(to, subject, body, *, kind=MessageKind.OTHER, about=None, dedupe_key=None, attachments=(),
        reply_to=None):
    """Write one email to the outbox, in the caller's transaction if there is one. Returns the
    row's id, or None when a message with the same `dedupe_key` exists already."""
    now = utcnow()
    values = {
        "kind": kind, "recipient": to, "subject": subject, "body": body, "reply_to": reply_to,
        "attachments": _pack(attachments),
        "about_kind": about._meta.table_name if about is not None else None,
        "about_id": about.id if about is not None else None,
        "dedupe_key": dedupe_key, "state": MessageState.WAITING, "attempts": 0,
        "next_attempt_at": now, "created_at": now, "queued_at": now,
    }
    query = OutboxMessage.insert(**values)
    if dedupe_key is None:
        message_id = query.execute()
    else:
        # A duplicate is skipped without an error, which on PostgreSQL would end the caller's
        # transaction.
        rows = list(query.on_conflict_ignore().returning(OutboxMessage.id).execute())
        if not rows:
            return None
        message_id = rows[0].id
    from portal import jobs  # jobs imports this module for its tasks
    jobs.deliver_after_commit(message_id)
    return message_id


def _pack(attachments):
    """Attachments (name, content type, bytes) as JSON text for the row: calendar files are a
    few hundred bytes, so they travel with the message rather than in a table of their own."""
    if not attachments:
        return None
    return json.dumps([{"name": name, "type": content_type, "data": base64.b64encode(data).decode("ascii")}
                       for name, content_type, data in attachments])


def _unpack(packed):
    if not packed:
        return ()
    return tuple((item["name"], item["type"], base64.b64decode(item["data"])) for item in json.loads(packed))


def claim(message_id, now, lease):
    """Take the message for one delivery attempt, if it is waiting, due, and nobody else holds it."""
    claimed = (OutboxMessage
               .update(claimed_until=now + lease, attempts=OutboxMessage.attempts + 1)
               .where(OutboxMessage.id == message_id,
                      OutboxMessage.state == MessageState.WAITING,
                      OutboxMessage.next_attempt_at <= now,
                      OutboxMessage.claimed_until.is_null() | (OutboxMessage.claimed_until < now))
               .execute())
    return claimed == 1


def deliver(message_id):
    """One delivery attempt. Returns when to try again if a job should (a retry, or another
    worker's lease running out), else None."""
    config = current_app.config
    now = utcnow()
    if not claim(message_id, now, timedelta(seconds=config["MAIL_LEASE_SECONDS"])):
        return _held_until(message_id, now)
    message = OutboxMessage.get_by_id(message_id)
    try:
        mail.deliver(mail.build_message(message.recipient, message.subject, message.body,
                                        config["MAIL_FROM"], message_id=_message_id(message),
                                        reply_to=message.reply_to or config.get("MAIL_REPLY_TO"),
                                        attachments=_unpack(message.attachments)))
    except Exception as error:  # whatever it was, the row says so and it is retried
        # MailNotSent carries the type of what went wrong (refused, timed out, ...).
        reason = error.args[0] if isinstance(error, mail.MailNotSent) and error.args else type(error).__name__
        current_app.logger.warning("Outbox message %s not delivered: %s", message.id, reason)
        return _not_delivered(message, utcnow(), str(reason))
    (OutboxMessage
     .update(state=MessageState.SENT, sent_at=utcnow(), claimed_until=None, last_error=None)
     .where(OutboxMessage.id == message.id)
     .execute())
    return None


def _message_id(message):
    return f"<outbox-{message.id}.{message.created_at:%Y%m%d%H%M%S%f}@accord.invalid>"


def _held_until(message_id, now):
    """When another worker's lease on a waiting message runs out, so a job can look again."""
    held = (OutboxMessage.select(OutboxMessage.claimed_until)
            .where(OutboxMessage.id == message_id, OutboxMessage.state == MessageState.WAITING,
                   OutboxMessage.claimed_until >= now)
            .first())
    return held.claimed_until + timedelta(seconds=1) if held else None


def retry_delay(attempts, config):
    """How long to wait after the `attempts`-th failed attempt: doubling, capped."""
    first, most = config["MAIL_RETRY_FIRST_SECONDS"], config["MAIL_RETRY_MAX_SECONDS"]
    return timedelta(seconds=min(first * 2 ** max(attempts - 1, 0), most))


def _not_delivered(message, now, reason):
    config = current_app.config
    window_ends = message.queued_at + timedelta(hours=config["MAIL_GIVE_UP_HOURS"])
    next_attempt = now + retry_delay(message.attempts, config)
    if next_attempt > window_ends:
        changes = {"state": MessageState.FAILED}
        current_app.logger.error("Outbox message %s failed: %s", message.id, reason)
    else:
        changes = {"next_attempt_at": next_attempt}
    (OutboxMessage
     .update(claimed_until=None, last_error=reason[:100], **changes)
     .where(OutboxMessage.id == message.id)
     .execute())
    return None if "state" in changes else next_attempt


def due_ids(now, limit=SWEEP_LIMIT):
    """Waiting messages whose time has come and that nobody holds, oldest due first."""
    return [m.id for m in OutboxMessage
            .select(OutboxMessage.id)
            .where(OutboxMessage.state == MessageState.WAITING,
                   OutboxMessage.next_attempt_at <= now,
                   OutboxMessage.claimed_until.is_null() | (OutboxMessage.claimed_until < now))
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(limit)]


def prune(now, keep_days):
    """Delete the emails sent, or failed, more than `keep_days` before `now`; how many. The
    outbox is a queue and the administrators' record of delivery, not an archive: each row
    holds an address and links. Waiting ones always stay."""
    before = now - timedelta(days=keep_days)
    return (OutboxMessage.delete()
            .where(((OutboxMessage.state == MessageState.SENT) & (OutboxMessage.sent_at < before))
                   | ((OutboxMessage.state == MessageState.FAILED) & (OutboxMessage.queued_at < before)))
            .execute())


def send_again(message, *, by, remote_addr=""):
    """Give a failed message a new delivery window, now. False if it is not failed (any more),
    or its address was anonymised."""
    now = utcnow()
    with database.atomic():
        moved = (OutboxMessage
                 .update(state=MessageState.WAITING, next_attempt_at=now, queued_at=now, claimed_until=None)
                 .where(OutboxMessage.id == message.id, OutboxMessage.state == MessageState.FAILED,
                        OutboxMessage.recipient != NOWHERE)
                 .execute())
        if moved:
            audit.record("message.sent_again", actor=by, record=message, detail=f"kind={message.kind}",
                         remote_addr=remote_addr)
    if moved:
        from portal import jobs
        jobs.deliver_after_commit(message.id)
    return bool(moved)
