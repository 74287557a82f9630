"""Feedback when a case closes, a coaching case's outcome, and equality monitoring answers.

Feedback: each party with a safe email, or a portal account, is invited once (one row per party
record, ever) with a single-use link that needs no sign-in and expires after
`FEEDBACK_LINK_LIFETIME`; only the link's hash is kept, as an account token's. The email says
that the case ended and asks how it went, nothing more. A party with an account also finds the
invitation in the portal (their home page and notifications).
"""

import hashlib
import secrets

from flask import current_app, url_for

from portal import accounts, audit, labels, notify, timeline
from portal.db import database
from portal.models import Case, CaseParty, CoachingOutcome, EqualityAnswers, FeedbackRequest, utcnow
from portal.vocab import CaseEventKind, EqualitySource, NotificationKind


class FeedbackError(ValueError):
    """The link was used already, or has expired, between loading the form and sending it."""


def token_hash(raw):
    return hashlib.sha256(raw.encode()).hexdigest()


def find_by_token(raw):
    """The feedback request a link names (with its case's kind, for the form's words), or None:
    looked up by the link's hash only."""
    return (FeedbackRequest
            .select(FeedbackRequest, Case.id, Case.kind)
            .join(Case, on=(FeedbackRequest.case == Case.id))
            .where(FeedbackRequest.token_hash == token_hash(raw))
            .first())


def reloaded(request):
    """The request as stored now (after a refused answer: spent, or expired meanwhile)."""
    return FeedbackRequest.get_by_id(request.id)


def is_spent(request):
    return request.answered_at is not None


def is_expired(request, now=None):
    return request.expires_at <= (now or utcnow())


def invite_parties(case, *, by=None, remote_addr=""):
    """When `case` closes: each party not yet invited, with a safe email or an active account,
    is invited (in the caller's transaction). Returns how many were."""
    lifetime = current_app.config["FEEDBACK_LINK_LIFETIME"]
    invited = FeedbackRequest.select(FeedbackRequest.party).where(FeedbackRequest.case == case.id)
    count = 0
    for party in CaseParty.select().where(CaseParty.case == case.id, CaseParty.id.not_in(invited)):
        has_account = party.user_id is not None
        if not has_account and not accounts.party_email_is_safe(party):
            continue
        raw = secrets.token_urlsafe(32)
        request = FeedbackRequest.create(case=case.id, party=party, token_hash=token_hash(raw),
                                         expires_at=utcnow() + lifetime)
        link = notify.absolute(url_for("feedback.give", token=raw))
        what = labels.label(case.kind).lower()
        if has_account:
            # Their notifications and home page lead to the signed-in form; the email carries
            # the link that needs no sign-in (unless email is not safe for them).
            notify.notify(NotificationKind.FEEDBACK_INVITED, party, request,
                          link=url_for("feedback.own", request_id=request.id), emailed_link=link, what=what)
        else:
            notify.send_email(NotificationKind.FEEDBACK_INVITED, party.email, None, emailed_link=link, what=what)
        count += 1
    if count:
        audit.record("feedback.invited", actor=by, record=case, case_id=case.id, detail=f"parties={count}",
                     remote_addr=remote_addr)
    return count


def give_feedback(request, *, satisfaction, helped, situation, comment, remote_addr=""):
    """The party's answers, once: a second answer (or an expired link) is refused in the same
    UPDATE that records the first, so a double submit cannot overwrite it."""
    now = utcnow()
    with database.atomic():
        changed = (FeedbackRequest
                   .update(answered_at=now, satisfaction=satisfaction or None, helped=helped or None,
                           situation=situation or None, comment=(comment or "").strip())
                   .where(FeedbackRequest.id == request.id, FeedbackRequest.answered_at.is_null(),
                          FeedbackRequest.expires_at > now)
                   .execute())
        if not changed:
            raise FeedbackError("This feedback link has been used already, or it has expired.")
        # Neither the answers nor the words: only that feedback came.
        audit.record("feedback.given", record=request, case_id=request.case_id, remote_addr=remote_addr)


def record_coaching_outcome(case, goals_met, *, by, remote_addr=""):
    """A coaching case's outcome (goals met fully, partly or not), recorded or changed."""
    with database.atomic():
        (CoachingOutcome
         .insert(case=case.id, goals_met=goals_met, recorded_by=by.id, recorded_at=utcnow())
         .on_conflict(conflict_target=[CoachingOutcome.case],
                      update={CoachingOutcome.goals_met: goals_met, CoachingOutcome.recorded_by: by.id,
                              CoachingOutcome.recorded_at: utcnow()})
         .execute())
        timeline.record(case, CaseEventKind.COACHING_OUTCOME,
                        f"Coaching outcome recorded: {labels.label(goals_met, 'goals_met').lower()}.", by)
        audit.record("case.coaching_outcome_recorded", actor=by, record=case, case_id=case.id,
                     detail=f"goals_met={goals_met}", remote_addr=remote_addr)


def save_equality_answers(party, answers, *, source, by, remote_addr=""):
    """A party's equality monitoring answers (question -> code or None), given by the party or
    recorded by staff with their permission; a second time replaces the first."""
    if source not in (EqualitySource.PARTY, EqualitySource.STAFF_WITH_PERMISSION):
        raise ValueError("Unknown source")
    values = {**answers, "source": source, "recorded_by": by.id, "recorded_at": utcnow()}
    with database.atomic():
        (EqualityAnswers
         .insert(party=party.id, **values)
         .on_conflict(conflict_target=[EqualityAnswers.party],
                      update={getattr(EqualityAnswers, name): value for name, value in values.items()})
         .execute())
        # Which answers were given stays out of the trail: only who recorded them, and how.
        audit.record("equality.recorded", actor=by, record=party, case_id=party.case_id,
                     detail=f"source={source}", remote_addr=remote_addr)
