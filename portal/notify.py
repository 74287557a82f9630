"""Telling people: the one function the services call when something waits for someone.

`notify(kind, recipient, thing, ...)` writes a `Notification` (the person's list in the portal)
and emails it, unless the person does not want that kind by email (their preferences), wants a
daily digest instead (staff), or is a party for whom email is not a safe way to be reached (the
case's "ways we must not use": then the coordinators see they need a phone call instead). A
party whose record says "no details by email" gets session emails naming no day, time or mode,
without the calendar file. Both
happen in the caller's transaction: a change that rolls back leaves no notification and no
email (mail goes through the outbox, portal/outbox.py).

The row's `key` (kind, thing, recipient, due date) is unique: writing the same one twice is
refused, and nothing is sent the second time. Reminders rely on that to go out once, however
often they run. An event that can happen again to the same thing (a session moved twice) passes
something that tells the occasions apart as `due`.

What a message says comes from `portal.notify_words`, never from the caller: only a reference,
a session's time and mode, or a count may be filled in.
"""

from types import SimpleNamespace

from flask import current_app, url_for
from peewee import IntegrityError

from portal import labels, mail, notify_words
from portal.db import database
from portal.models import CaseParty, Notification, User, utcnow
from portal.queries.cases import current_coaches
from portal.vocab import Delivery, MessageKind, NotificationKind, Role, UnsafeRoute

K = NotificationKind
# The kinds each person may receive, as their preferences page lists them.
KINDS_FOR = {
    Role.PARTY: (K.SESSION_BOOKED, K.SESSION_MOVED, K.SESSION_CANCELLED, K.SESSION_TOMORROW,
                 K.ACTION_POINT_SET, K.ACTION_POINT_DUE_SOON, K.ACTION_POINT_OVERDUE,
                 K.SHARE_QUESTION_ASKED, K.SHARE_QUESTION_WAITING, K.NOTE_SHARED, K.AGREEMENT_PROPOSED,
                 K.AGREEMENT_WAITING, K.AGREEMENT_FINAL, K.CASE_CLOSED, K.COACHING_OFFERED, K.FEEDBACK_INVITED),
    Role.COACH: (K.COACH_ALLOCATED, K.COACH_REMOVED, K.PARTY_ANSWERED_SHARE, K.PARTY_COMMENTED,
                 K.SESSION_REQUEST, K.AGREEMENT_ACCEPTED, K.AGREEMENT_CHANGE_ASKED,
                 K.SESSIONS_TODAY, K.SESSION_NOTE_MISSING),
    Role.COORDINATOR: (K.URGENT_REFERRAL, K.CONSENT_WAITING, K.AGREEMENT_REVIEW_DUE),
}

# Always emailed (unless email is not safe for a party): never turned off on the preferences
# page (so not offered there), never kept for a digest. A safeguarding concern must reach the
# leads now; the author of a note opened under the safeguarding procedure must be told.
ALWAYS_EMAILED = frozenset({K.CONCERN_RAISED, K.NOTE_OVERRIDE_READ})
# What the outbox calls these emails (the Messages page's column): a concern's email to the
# leads stays a safeguarding email about the concern, which the undelivered-concern flag reads
# (queries.concerns_with_undelivered_email); the notes' emails stay notes'.
MESSAGE_KINDS = {K.CONCERN_RAISED: MessageKind.SAFEGUARDING_CONCERN, K.SHARE_QUESTION_ASKED: MessageKind.NOTE,
                 K.NOTE_SHARED: MessageKind.NOTE, K.NOTE_OVERRIDE_READ: MessageKind.NOTE}


def kinds_for(user):
    """The kinds of message this person can receive (a lead's overdue concerns too)."""
    kinds = KINDS_FOR.get(user.role, ())
    return kinds + ((K.CONCERN_OVERDUE,) if user.is_safeguarding_lead else ())


def _thing_key(thing):
    return thing if isinstance(thing, str) else f"{type(thing).__name__}:{thing.id}"


def unique_key(kind, thing, user, due=None):
    """The key that makes a message go out once: kind, thing, recipient and due date."""
    return f"{kind}|{_thing_key(thing)}|{user.id}|{'' if due is None else due}"


def wanted_kinds_off(user):
    """The kinds this person does not want by email."""
    return {code for code in (user.email_off or "").split(",") if code}


def must_not_email(party):
    return UnsafeRoute.EMAIL in (party.unsafe_routes or "").split(",")


def delivery_for(kind, user, party=None):
    """How this message reaches this person, besides their Notifications page."""
    if party is not None and must_not_email(party):
        return Delivery.MUST_NOT_EMAIL
    if kind in ALWAYS_EMAILED:
        return Delivery.EMAILED
    if kind in wanted_kinds_off(user):
        return Delivery.NOT_WANTED
    if user.email_digest and user.role != Role.PARTY:
        return Delivery.DIGEST
    return Delivery.EMAILED


def absolute(link):
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + link


def notify(kind, recipient, thing, *, link, due=None, case=None, attachments=(), about=None, emailed_link=None,
           **details):
    """Tell `recipient` (a User, or a CaseParty: their account, under their safe contact) that
    something of `kind` about `thing` waits at `link` (a path in the portal). Returns the new
    Notification, or None when there is nobody to tell (a party without an active account) or
    this one was written already (its unique key). `about`: the row the email's outbox row is
    about (a safeguarding concern: see `MESSAGE_KINDS`). `emailed_link`: an absolute address
    the email gives instead of `link` (a feedback form's single-use link, which needs no sign-in)."""
    party = recipient if isinstance(recipient, CaseParty) else None
    user = recipient if party is None else _account_of(party)
    if user is None or not user.active:
        return None
    delivery = delivery_for(kind, user, party if party is None else user.safe_contact)
    try:
        with database.atomic():  # a savepoint: a duplicate key leaves the caller's work alone
            notification = Notification.create(
                recipient=user, kind=kind, link=link, key=unique_key(kind, thing, user, due),
                delivery=delivery, case=case if case is not None else (party.case_id if party else None),
                party=party)
    except IntegrityError:
        return None
    if delivery == Delivery.EMAILED:
        hide = party is not None and user.safe_contact.no_details_by_email
        if hide:
            # "No details by email": no calendar file (it carries the day, time and place, even
            # with a closing case's news), and a session's words without its day, time and mode.
            attachments = ()
            if kind in notify_words.WITHOUT_DETAILS:
                details = {name: value for name, value in details.items()
                           if name not in notify_words.SESSION_DETAILS}
        send_email(kind, user.email, link, attachments=attachments, about=about, emailed_link=emailed_link,
                   without_details=hide and kind in notify_words.WITHOUT_DETAILS, **details)
    return notification


def _account_of(party):
    """The party's account, with their record's safe contact as stored now (`safe_contact`: the
    ways we must not use, "no details by email") read in the same statement: callers pass party
    rows read with fewer columns, and a choice made a moment ago must be honoured."""
    if not party.user_id:
        return None
    user = (User.select(User, CaseParty.unsafe_routes.alias("party_unsafe_routes"),
                        CaseParty.no_details_by_email.alias("party_no_details"))
            .join(CaseParty, on=(CaseParty.user == User.id))
            .where(CaseParty.id == party.id)
            .objects()
            .first())
    if user is not None:
        user.safe_contact = SimpleNamespace(unsafe_routes=user.party_unsafe_routes,
                                            no_details_by_email=bool(user.party_no_details))
    return user


def tell_coaches(case, kind, thing):
    """The case's coaches now: a party said or did something on it (where, never what)."""
    for coach in current_coaches(case):
        notify(kind, coach, thing, due=utcnow().isoformat(), case=case.id,
               link=url_for("cases.show", reference=case.reference), reference=case.reference)


def send_digests(before):
    """Staff who chose a daily digest: one email each listing what was kept back for it, written
    before `before` (the morning's cut-off, so later runs that day find nothing until the next).
    Each row is claimed (DIGEST becomes EMAILED) in the same transaction as its email, so a
    second run finds nothing left to send."""
    config = current_app.config
    waiting = (Notification.select(Notification, User).join(User)
               .where(Notification.delivery == Delivery.DIGEST, Notification.created_at < before,
                      User.active == True)  # noqa: E712
               .order_by(Notification.recipient, Notification.created_at, Notification.id))
    by_user = {}
    for row in waiting:
        by_user.setdefault(row.recipient_id, (row.recipient, []))[1].append(row)
    for user, rows in by_user.values():
        with database.atomic() as transaction:
            claimed = (Notification.update(delivery=Delivery.EMAILED)
                       .where(Notification.id.in_([r.id for r in rows]), Notification.delivery == Delivery.DIGEST)
                       .execute())
            if claimed != len(rows):
                transaction.rollback()  # another run is sending them
                continue
            lines = [(labels.label(r.kind, "notification"), absolute(r.link)) for r in rows]
            words = notify_words.compose_digest(lines, service=config["SERVICE_NAME"], phone=config["SERVICE_PHONE"])
            mail.send(user.email, words.subject, words.body, kind=MessageKind.NOTIFICATION,
                      reply_to=config["MAIL_REPLY_TO"])
    return len(by_user)


def send_email(kind, address, link, *, attachments=(), without_details=False, about=None, emailed_link=None,
               **details):
    """Email one message of `kind` (also to someone without an account, such as a referrer),
    through the outbox: a mail server that is down delays it, never undoes the change."""
    config = current_app.config
    target = emailed_link or (absolute(link) if link else None)
    words = notify_words.compose(kind, target, service=config["SERVICE_NAME"],
                                 phone=config["SERVICE_PHONE"], without_details=without_details, **details)
    # Queued in the caller's transaction; the job queue delivers it and retries (portal/outbox.py).
    mail.send(address, words.subject, words.body, kind=MESSAGE_KINDS.get(kind, MessageKind.NOTIFICATION),
              attachments=attachments, about=about, reply_to=config["MAIL_REPLY_TO"])
    return True
