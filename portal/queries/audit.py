"""The audit trail: administrators only."""

from __future__ import annotations

from peewee import JOIN, ModelSelect, Select, fn

from portal import policy
from portal.models import AuditEvent, Case, User
from portal.queries._scopes import nothing


def audit_events_visible_to(user: User | None, *, person: str | None = None, case_reference: str | None = None,
                            event: str | None = None) -> ModelSelect[AuditEvent]:
    """The audit trail, newest first, with who and which case: administrators only."""
    if user is None or not policy.can_read_audit_trail(user.actor()):
        return nothing(AuditEvent)
    actor = User.alias("actor")
    query = (AuditEvent
             .select(AuditEvent, actor.name.alias("actor_name"), Case.reference.alias("case_reference"))
             .join(actor, JOIN.LEFT_OUTER, on=(AuditEvent.actor_id == actor.id))
             .switch(AuditEvent)
             .join(Case, JOIN.LEFT_OUTER, on=(AuditEvent.case_id == Case.id))
             .objects())
    if person:
        query = query.where(actor.name.contains(person) | actor.email.contains(person))
    if case_reference:
        query = query.where(Case.reference == case_reference)
    if event:
        query = query.where(AuditEvent.event == event)
    return query.order_by(AuditEvent.id.desc())


def audit_event_kinds_visible_to(user: User | None) -> ModelSelect[AuditEvent]:
    """The kinds of event the audit trail holds, for its filter: administrators only.

    Each kind is the first one after the kind before it, found in the event index: a few steps
    per kind, where SELECT DISTINCT would read every row of the trail (a skip scan, which
    neither PostgreSQL before 18 nor SQLite makes of DISTINCT by itself)."""
    if user is None or not policy.can_read_audit_trail(user.actor()):
        return nothing(AuditEvent)
    later = AuditEvent.alias("later")
    first = AuditEvent.select(fn.MIN(AuditEvent.event)).cte("kinds", recursive=True, columns=("event",))
    following = later.select(fn.MIN(later.event)).where(later.event > first.c.event)
    kinds = first.union_all(Select([first], [following]).where(first.c.event.is_null(False)))
    return (AuditEvent
            .select(kinds.c.event.alias("event"))
            .from_(kinds)
            .with_cte(kinds)
            .where(kinds.c.event.is_null(False))
            .order_by(kinds.c.event))
