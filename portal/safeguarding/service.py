"""What happens to a safeguarding concern: raised, the leads emailed, acknowledged, actions,
addenda, closed with an outcome and a sign-off, reopened with a reason.

A concern's own text is never changed: everything after raising is a ConcernEvent, and each
change is written to the audit trail (codes and ids only, never what the concern says). A state
change is made only from a state that allows it, in one UPDATE, so two leads acting at once
cannot both close (or both acknowledge) the same concern.
"""

from flask import current_app, url_for

from portal import audit, labels, notify, policy, timeline
from portal.db import database
from portal.models import ConcernEvent, SafeguardingConcern, User, utcnow
from portal.vocab import (
    CaseEventKind,
    ConcernCategory,
    ConcernEventKind,
    ConcernLevel,
    ConcernOutcome,
    ConcernState,
    NotificationKind,
    Role,
)

Concern = SafeguardingConcern


# What the lead is told when the concern's state does not allow what they asked for.
REFUSALS = {
    "acknowledge": "This concern has already been acknowledged.",
    "action": "This concern is closed. Reopen it to record an action.",
    "close": "This concern is already closed.",
    "reopen": "This concern is not closed.",
}


class ConcernRuleError(ValueError):
    """A change the concern's state does not allow; the message is for the person who tried."""


def _known(value, vocabulary, what):
    if not vocabulary.has(value):
        raise policy.PolicyError(f"unknown {what}: {value!r}")


def raise_concern(case, *, by, category, level, description, about_party=None,
                  about_other_person="", occurred_at="", remote_addr=""):
    """Save a new concern on the case. The caller emails the leads once this has committed."""
    _known(category, ConcernCategory, "concern category")
    _known(level, ConcernLevel, "concern level")
    with database.atomic():
        concern = Concern.create(
            case=case, raised_by=by, about_party=about_party, about_other_person=about_other_person,
            category=category, level=level, description=description, occurred_at=occurred_at)
        timeline.record(case, CaseEventKind.SAFEGUARDING,
                        f"Safeguarding concern raised ({labels.label(level).lower()}).", by)
        audit.record("safeguarding.concern_raised", actor=by, record=concern, case_id=case.id,
                     detail=f"level={level}", remote_addr=remote_addr)
    return concern


def leads():
    """Every active safeguarding lead."""
    return list(User.select()
                .where(User.role == Role.COORDINATOR, User.active == True,  # noqa: E712
                       User.is_safeguarding_lead == True)  # noqa: E712
                .order_by(User.id))


def email_leads(concern, case, *, by):
    """Tell each lead that a concern of this level is waiting on this case, and where: no names,
    no category, no content (the words are `notify_words`'). Through `notify`, so it is on each
    lead's Notifications page too; always emailed, whatever their preferences (a digest would
    hold it till the morning). The emails are queued in the caller's transaction as outbox rows
    about the concern (delivered once it commits; one not delivered within minutes is flagged
    on the dashboard and the leads' home pages). Returns how many leads are being emailed."""
    told = [lead for lead in leads()
            if notify.notify(NotificationKind.CONCERN_RAISED, lead, concern, case=case.id, about=concern,
                             link=url_for("safeguarding.show", concern_id=concern.id),
                             level=labels.label(concern.level).lower(), reference=case.reference)]
    if not told:
        current_app.logger.error("Safeguarding concern %s: no safeguarding lead to email", concern.id)
    audit.record("safeguarding.leads_emailed", actor=by, record=concern, case_id=case.id,
                 detail=f"queued={len(told)}")
    return len(told)


def _move(concern, from_states, refusal, **changes):
    """Change the concern's row only if it is in one of `from_states`, else refuse. Also holds
    the row (a write lock) for the rest of the transaction."""
    moved = (Concern.update(**changes)
             .where(Concern.id == concern.id, Concern.state.in_(from_states))
             .execute())
    if not moved:
        raise ConcernRuleError(refusal)


def _acknowledge_if_open(concern, by, remote_addr):
    """Acknowledge a concern nobody has acknowledged yet; True if this call did."""
    now = utcnow()
    moved = (Concern.update(state=ConcernState.ACKNOWLEDGED, acknowledged_by=by, acknowledged_at=now)
             .where(Concern.id == concern.id, Concern.state == ConcernState.OPEN)
             .execute())
    if moved:
        ConcernEvent.create(concern=concern, kind=ConcernEventKind.ACKNOWLEDGED, by=by, created_at=now)
        audit.record("safeguarding.concern_acknowledged", actor=by, record=concern,
                     case_id=concern.case_id, remote_addr=remote_addr)
    return bool(moved)


def acknowledge(concern, *, by, remote_addr=""):
    with database.atomic():
        if not _acknowledge_if_open(concern, by, remote_addr):
            raise ConcernRuleError(REFUSALS["acknowledge"])


def record_action(concern, *, text, agency, agency_reference, action_on, by, remote_addr=""):
    """What was done, with which agency and their reference, on which date."""
    with database.atomic():
        _acknowledge_if_open(concern, by, remote_addr)
        _move(concern, policy.UNRESOLVED_CONCERN_STATES, REFUSALS["action"], state=Concern.state)
        event = ConcernEvent.create(concern=concern, kind=ConcernEventKind.ACTION, by=by, text=text,
                                    agency=agency or None, agency_reference=agency_reference or None,
                                    action_on=action_on)
        audit.record("safeguarding.action_recorded", actor=by, record=concern,
                     case_id=concern.case_id, detail=f"event={event.id}", remote_addr=remote_addr)


def close(concern, *, outcome, sign_off_note, by, remote_addr=""):
    """Close with an outcome, signed off by `by` with a note."""
    _known(outcome, ConcernOutcome, "concern outcome")
    with database.atomic():
        _acknowledge_if_open(concern, by, remote_addr)
        _move(concern, {ConcernState.ACKNOWLEDGED}, REFUSALS["close"],
              state=ConcernState.CLOSED, outcome=outcome, signed_off_by=by, closed_at=utcnow())
        ConcernEvent.create(concern=concern, kind=ConcernEventKind.CLOSED, by=by, outcome=outcome, text=sign_off_note)
        timeline.record(concern.case, CaseEventKind.SAFEGUARDING, "Safeguarding concern closed.", by)
        audit.record("safeguarding.concern_closed", actor=by, record=concern,
                     case_id=concern.case_id, detail=f"outcome={outcome}", remote_addr=remote_addr)


def reopen(concern, *, reason, by, remote_addr=""):
    """Back to acknowledged (the lead who reopens it has it in hand); earlier closings stay in
    the chronology."""
    with database.atomic():
        _move(concern, {ConcernState.CLOSED}, REFUSALS["reopen"],
              state=ConcernState.ACKNOWLEDGED, outcome=None, signed_off_by=None, closed_at=None)
        ConcernEvent.create(concern=concern, kind=ConcernEventKind.REOPENED, by=by, text=reason)
        timeline.record(concern.case, CaseEventKind.SAFEGUARDING, "Safeguarding concern reopened.", by)
        audit.record("safeguarding.concern_reopened", actor=by, record=concern,
                     case_id=concern.case_id, remote_addr=remote_addr)


def add_addendum(concern, *, text, by, remote_addr=""):
    """A correction or addition; the concern's own text stays as it was."""
    with database.atomic():
        event = ConcernEvent.create(concern=concern, kind=ConcernEventKind.ADDENDUM, by=by, text=text)
        audit.record("safeguarding.addendum_added", actor=by, record=concern,
                     case_id=concern.case_id, detail=f"event={event.id}", remote_addr=remote_addr)
