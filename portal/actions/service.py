"""What happens to action points and goals.

Each change runs in one transaction with a timeline entry in neutral words: who the item is for
and what was done, never its text (the timeline is read by every staff member on the case).
"""

from portal import labels, timeline
from portal.db import database
from portal.models import ActionPoint, Goal, utcnow
from portal.vocab import CaseEventKind


def set_action_point(case, party, *, text, due_on, detail, by):
    with database.atomic():
        point = ActionPoint.create(case=case, party=party, text=text, due_on=due_on,
                                   detail=detail or "", created_by=by)
        timeline.record(case, CaseEventKind.ACTION_POINT, f"Action point set for {party.name}.", by)
    return point


def change_action_point(point, *, text, due_on, detail, by):
    with database.atomic():
        (ActionPoint
         .update(text=text, due_on=due_on, detail=detail or "")
         .where(ActionPoint.id == point.id)
         .execute())
        timeline.record(point.case, CaseEventKind.ACTION_POINT, f"Action point changed for {point.party.name}.", by)


def remove_action_point(point, *, by):
    with database.atomic():
        removed = (ActionPoint
                   .delete()
                   .where(ActionPoint.id == point.id, ActionPoint.done_at.is_null())
                   .execute())
        if removed:
            timeline.record(point.case, CaseEventKind.ACTION_POINT,
                            f"Action point removed for {point.party.name}.", by)
    return bool(removed)


def record_goal(case, party, *, kind, text, by):
    with database.atomic():
        goal = Goal.create(case=case, party=party, kind=kind, text=text, created_by=by)
        timeline.record(case, CaseEventKind.GOAL, f"{labels.label(kind)} recorded for {party.name}.", by)
    return goal


def mark_done(point, done, *, by):
    """Done (now) or not done again. Saying the same twice changes nothing and records nothing."""
    with database.atomic():
        changed = (ActionPoint
                   .update(done_at=utcnow() if done else None)
                   .where(ActionPoint.id == point.id,
                          ActionPoint.done_at.is_null() if done else ActionPoint.done_at.is_null(False))
                   .execute())
        if changed:
            what = "marked an action point done" if done else "reopened an action point"
            timeline.record(point.case, CaseEventKind.ACTION_POINT, f"{point.party.name} {what}.", by)
    return bool(changed)


def save_comment(point, comment, *, by):
    """The party's own short comment: added, changed, or removed when left empty."""
    if comment == point.party_comment:
        return False
    with database.atomic():
        (ActionPoint
         .update(party_comment=comment, party_comment_at=utcnow() if comment else None)
         .where(ActionPoint.id == point.id)
         .execute())
        what = "removed their comment on" if not comment else "commented on"
        timeline.record(point.case, CaseEventKind.ACTION_POINT, f"{point.party.name} {what} an action point.", by)
    return True
