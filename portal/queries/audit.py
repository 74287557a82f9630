"""The audit trail: administrators only."""

from __future__ import annotations

from peewee import JOIN, ModelSelect

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
    """The kinds of event the audit trail holds, for its filter: administrators only."""
    if user is None or not policy.can_read_audit_trail(user.actor()):
        return nothing(AuditEvent)
    return AuditEvent.select(AuditEvent.event).distinct().order_by(AuditEvent.event)
