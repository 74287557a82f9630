"""What each kind of message says: one subject and one body per `NotificationKind`.

A message says only that something is waiting or has changed, and links to it: never the words
of a note, a concern or an agreement, never another party's name. The only values a wording
may take are the few in `ALLOWED_DETAILS` (a reference for staff, a session's time and mode for
the party who comes to it, a count); `portal.notify` refuses anything else, so a caller cannot
slip content in. Every body is followed by the link and the service's name and phone number.
"""

from typing import NamedTuple

from portal.vocab import NotificationKind as K


class Words(NamedTuple):
    subject: str
    body: str


# The values a wording may name, and nothing else.
# `level`: a safeguarding concern's level in words ("immediate"), for the leads.
ALLOWED_DETAILS = frozenset({"reference", "when", "mode", "count", "what", "sessions", "level"})

# What closing a case did with the sessions still booked, told to its parties ("sessions").
CLOSED_SESSIONS = {
    "cancelled": " The sessions that were still booked have been cancelled: you do not need to come to them.",
    "kept": " The sessions still booked go ahead as planned: you can see them in the portal.",
    "none": "",
}

WORDS: dict[str, Words] = {
    # --- parties ---------------------------------------------------------------------------
    K.SESSION_BOOKED: Words(
        "A session is booked for you",
        "A session has been booked for you: {what}, {when} ({mode}).\n\nThe calendar file attached "
        "adds it to your calendar. You can see it, and tell us if you cannot come, in the portal."),
    K.SESSION_MOVED: Words(
        "Your session has moved",
        "One of your sessions has moved. It is now {what}, {when} ({mode}).\n\nThe calendar "
        "file attached updates it in your calendar."),
    K.SESSION_CANCELLED: Words(
        "Your session is cancelled",
        "One of your sessions has been cancelled: you do not need to come to it.\n\nThe calendar "
        "file attached removes it from your calendar."),
    K.SESSION_TOMORROW: Words(
        "Reminder: your session tomorrow",
        "This is a reminder of your session tomorrow: {what}, {when} ({mode})."),
    K.ACTION_POINT_SET: Words(
        "You have a new action point",
        "There is a new action point for you. You can read it, and mark it done, in the portal."),
    K.ACTION_POINT_DUE_SOON: Words(
        "Reminder: an action point is due in two days",
        "One of your action points is due in two days. You can read it in the portal."),
    K.ACTION_POINT_OVERDUE: Words(
        "An action point is overdue",
        "One of your action points has passed its date. You can read it, mark it done or "
        "add a comment, in the portal."),
    K.SHARE_QUESTION_WAITING: Words(
        "A question is waiting for your answer",
        "Your coach asked whether something you said may be shared, and your answer is still "
        "waiting. The choice is yours; you can answer in the portal."),
    K.SHARE_QUESTION_ASKED: Words(
        "A question is waiting for you in the {service} portal",
        "Your coach has a question for you in the {service} portal. The choice is yours; you "
        "can answer it there."),
    K.NOTE_SHARED: Words(
        "Something new is waiting for you in the {service} portal",
        "Something new is waiting for you in the {service} portal."),
    K.AGREEMENT_PROPOSED: Words(
        "An agreement is ready for you to read",
        "An agreement from your mediation is ready for you to read. You can accept it, or ask "
        "for a change, in the portal."),
    K.AGREEMENT_WAITING: Words(
        "Reminder: an agreement is waiting for you",
        "An agreement from your mediation is still waiting for your answer. You can accept it, "
        "or ask for a change, in the portal."),
    K.AGREEMENT_FINAL: Words(
        "Your agreement is final",
        "Everyone has accepted the agreement from your mediation, so it is now final. You can "
        "read it and download it in the portal."),
    K.CASE_CLOSED: Words(
        "Your {what} has ended",
        "Your {what} with the service has ended.{sessions} You can read more in the portal."),
    K.COACHING_OFFERED: Words(
        "You are offered post-mediation coaching",
        "The service offers you post-mediation coaching. Whether you take it is your choice; "
        "you can answer yes or no in the portal."),
    K.FEEDBACK_INVITED: Words(
        "How did it go? Tell us about your {what}",
        "Your {what} with the service has ended. We would like to know how it went for you: a few "
        "short questions, each one optional. Whether you answer is your choice."),
    # --- referrers (email only) ------------------------------------------------------------
    K.REFERRAL_RECEIVED: Words(
        "We have received your referral",
        "Thank you: we have received your referral. Its reference is {reference}; please give "
        "it if you contact us about it. A coordinator will read it and get in touch."),
    # --- coaches ---------------------------------------------------------------------------
    K.COACH_ALLOCATED: Words(
        "You are allocated to case {reference}",
        "You have been allocated to case {reference}."),
    K.COACH_REMOVED: Words(
        "You are no longer on case {reference}",
        "You have been taken off case {reference}. Ask a coordinator if you need to know more."),
    K.PARTY_ANSWERED_SHARE: Words(
        "A party answered about sharing on case {reference}",
        "A party answered a question about sharing their words on case {reference}."),
    K.PARTY_COMMENTED: Words(
        "A party commented on an action point on case {reference}",
        "A party commented on one of their action points on case {reference}."),
    K.SESSION_REQUEST: Words(
        "A party asked about a session on case {reference}",
        "A party told you something about one of their sessions on case {reference}."),
    K.AGREEMENT_ACCEPTED: Words(
        "A party accepted an agreement on case {reference}",
        "A party accepted the agreement proposed on case {reference}."),
    K.AGREEMENT_CHANGE_ASKED: Words(
        "A party asked for a change to an agreement on case {reference}",
        "A party asked for a change to the agreement proposed on case {reference}."),
    K.SESSIONS_TODAY: Words(
        "Your sessions today: {count}",
        "You have {count} today. Your diary in the portal lists them."),
    K.SESSION_NOTE_MISSING: Words(
        "A session on case {reference} has no note yet",
        "A session held on case {reference} two days ago or more has no note yet."),
    K.NOTE_OVERRIDE_READ: Words(
        "A note you wrote was opened under the safeguarding procedure",
        "A safeguarding lead opened a note you wrote, under the service's safeguarding "
        "procedure. Their reason is kept in the audit trail. Ask a coordinator if you need to "
        "know more."),
    # --- coordinators ----------------------------------------------------------------------
    K.URGENT_REFERRAL: Words(
        "A new urgent referral: {reference}",
        "An urgent referral, {reference}, has come in and is waiting in the queue."),
    K.CONSENT_WAITING: Words(
        "Consent has waited too long on case {reference}",
        "A party's consent to take part on case {reference} has not been recorded, and it has "
        "waited too long."),
    K.AGREEMENT_REVIEW_DUE: Words(
        "An agreement review is due on case {reference}",
        "The review of the final agreement on case {reference} is due."),
    # --- safeguarding leads ----------------------------------------------------------------
    K.CONCERN_RAISED: Words(
        "Safeguarding concern raised: {level} level",
        "A safeguarding concern of {level} level was raised on case {reference}.\n\n"
        "This email does not contain any details of the concern."),
    K.CONCERN_OVERDUE: Words(
        "A safeguarding concern is overdue on case {reference}",
        "A safeguarding concern on case {reference} has not been acknowledged in time.\n\n"
        "This email does not contain any details of the concern."),
}

# A party whose contact preferences say "no details by email": the same news with no day, time
# or mode, and no calendar file (it would carry them). `portal.notify` drops both.
WITHOUT_DETAILS: dict[str, Words] = {
    K.SESSION_BOOKED: Words(
        "A session is booked for you",
        "A session has been booked for you. You asked us not to put the details in emails: you "
        "can see when and where it is, and tell us if you cannot come, in the portal."),
    K.SESSION_MOVED: Words(
        "Your session has moved",
        "One of your sessions has moved. You asked us not to put the details in emails: you can "
        "see its new time in the portal."),
    K.SESSION_CANCELLED: Words(
        "Your session is cancelled",
        "One of your sessions has been cancelled: you do not need to come to it. You can see "
        "which one in the portal."),
    K.SESSION_TOMORROW: Words(
        "Reminder: your session tomorrow",
        "This is a reminder that you have a session tomorrow. You asked us not to put the "
        "details in emails: you can see them in the portal."),
}
# Kinds whose link works without signing in (a single-use link), and what is said above it.
NO_SIGN_IN = frozenset({K.FEEDBACK_INVITED})
NO_SIGN_IN_WORDS = "Answer here (you do not need to sign in; the link works once, for a limited time):"

# The details a session email may carry, and no email for such a party.
SESSION_DETAILS = frozenset({"what", "when", "mode"})

FOOTER = "\n\n--\n{service}\nPhone: {phone}\n"

DIGEST_SUBJECT = "What is waiting for you: {count}"


def compose_digest(lines: list[tuple[str, str]], *, service: str, phone: str) -> Words:
    """One email a day for staff who chose it: each message's kind in words and its link."""
    listed = "\n\n".join(f"- {label}\n  {link}" for label, link in lines)
    count = f"{len(lines)} message{'' if len(lines) == 1 else 's'}"
    body = (f"Hello,\n\nSince your last summary, {count} came for you (sign in first to open them):"
            f"\n\n{listed}" + FOOTER.format(service=service, phone=phone))
    return Words(DIGEST_SUBJECT.format(count=count), body)


def compose(kind: str, link: str | None, *, service: str, phone: str, without_details: bool = False,
            **details: str) -> Words:
    """The subject and full plain-text body of one message of `kind`, pointing at `link` (None
    for someone without an account: a referrer). `without_details`: the wording that names no
    session's day, time or mode, for the kinds that have one (the details are refused, so none
    slips through)."""
    unknown = set(details) - ALLOWED_DETAILS
    if unknown:
        raise ValueError(f"A message may not carry {sorted(unknown)}")
    if without_details and (kind not in WITHOUT_DETAILS or set(details) & SESSION_DETAILS):
        raise ValueError("Only a session message has words without details, and they carry no day, time or mode")
    words = WITHOUT_DETAILS[kind] if without_details else WORDS[kind]
    lead = NO_SIGN_IN_WORDS if kind in NO_SIGN_IN else "Sign in to see it:"
    where = f"\n\n{lead}\n\n{link}" if link else ""
    body = (f"Hello,\n\n{words.body.format(service=service, **details)}{where}"
            + FOOTER.format(service=service, phone=phone))
    return Words(words.subject.format(service=service, **details), body)
