"""Safeguarding concerns: never for parties; the coordinators' dashboard, a case's concerns and
a concern's chronology."""

from __future__ import annotations

from datetime import datetime

from flask import g, has_request_context, request
from peewee import Case as SqlCase
from peewee import ModelSelect

from portal import policy
from portal.models import Case, ConcernEvent, OutboxMessage, SafeguardingConcern, User, rank_of
from portal.queries._scopes import allocated_case_ids, has_role, nothing
from portal.vocab import ConcernLevel, ConcernState, MessageKind, MessageState, Role


def concerns_visible_to(user: User, case: Case | None = None) -> ModelSelect[SafeguardingConcern]:
    """Concerns the user may see: coordinators all, coaches their cases' and their own."""
    query = SafeguardingConcern.select()
    if case is not None:
        query = query.where(SafeguardingConcern.case == case.id)
    if has_role(user, Role.COORDINATOR):
        return query
    if has_role(user, Role.COACH):
        return query.where(SafeguardingConcern.case.in_(allocated_case_ids(user))
                           | (SafeguardingConcern.raised_by == user.id))
    return nothing(SafeguardingConcern)


# The dashboard's status filter: "" is every concern not yet closed.
CONCERN_STATUS_FILTERS: dict[str, frozenset[ConcernState]] = {
    "": policy.UNRESOLVED_CONCERN_STATES,
    ConcernState.OPEN: frozenset({ConcernState.OPEN}),
    ConcernState.ACKNOWLEDGED: frozenset({ConcernState.ACKNOWLEDGED}),
    ConcernState.CLOSED: frozenset({ConcernState.CLOSED}),
}


def _most_urgent_first() -> SqlCase:
    """`ConcernLevel` runs from most urgent (immediate) to least; an unknown level sorts last."""
    return rank_of(SafeguardingConcern.level, tuple(ConcernLevel))


def concern_dashboard(user: User, *, status: str | None = "", level: str | None = None,
                      category: str | None = None, raised_by: int | None = None,
                      raised_from: datetime | None = None,
                      raised_before: datetime | None = None) -> ModelSelect[SafeguardingConcern]:
    """Coordinators' concerns with case and raiser, most urgent level first, then oldest first."""
    if not has_role(user, Role.COORDINATOR):
        return nothing(SafeguardingConcern)
    query = (concerns_visible_to(user)
             .select(SafeguardingConcern, Case, User)
             .join(Case, on=(SafeguardingConcern.case == Case.id))
             .switch(SafeguardingConcern)
             .join(User, on=(SafeguardingConcern.raised_by == User.id))
             .where(SafeguardingConcern.state.in_(CONCERN_STATUS_FILTERS[status or ""])))
    if level:
        query = query.where(SafeguardingConcern.level == level)
    if category:
        query = query.where(SafeguardingConcern.category == category)
    if raised_by:
        query = query.where(SafeguardingConcern.raised_by == raised_by)
    if raised_from:
        query = query.where(SafeguardingConcern.created_at >= raised_from)
    if raised_before:
        query = query.where(SafeguardingConcern.created_at < raised_before)
    return query.order_by(_most_urgent_first(), SafeguardingConcern.created_at, SafeguardingConcern.id)


def open_concern_count_for(user: User) -> int:
    """How many concerns not yet closed the user may see (the coordinators' navigation).

    Counted once per GET request and user: the coordinator's home shows the count and so does
    the navigation of the same page, and a GET changes nothing in between. Any other request
    counts each time it asks, since it may have changed a concern since."""
    if has_request_context() and request.method in ("GET", "HEAD"):
        counted: dict[int, int] = g.setdefault("open_concern_counts", {})
        if user.id not in counted:
            counted[user.id] = _open_concern_count(user)
        return counted[user.id]
    return _open_concern_count(user)


def _open_concern_count(user: User) -> int:
    return (concerns_visible_to(user)
            .where(SafeguardingConcern.state.in_(policy.UNRESOLVED_CONCERN_STATES))
            .count())


# The levels whose email to the leads must not wait unnoticed.
URGENT_CONCERN_LEVELS = (ConcernLevel.IMMEDIATE, ConcernLevel.HIGH)


def concerns_with_undelivered_email(user: User, raised_before: datetime) -> ModelSelect[SafeguardingConcern]:
    """Immediate and high concerns not yet closed, raised before `raised_before`, whose email to
    a safeguarding lead has not been delivered (waiting or failed), with their case's reference:
    coordinators only. Only the level, time and case are selected, never what the concern says."""
    if not has_role(user, Role.COORDINATOR):
        return nothing(SafeguardingConcern)
    undelivered = (OutboxMessage
                   .select(OutboxMessage.about_id)
                   .where(OutboxMessage.about_kind == SafeguardingConcern._meta.table_name,
                          OutboxMessage.kind == MessageKind.SAFEGUARDING_CONCERN,
                          OutboxMessage.state != MessageState.SENT))
    return (concerns_visible_to(user)
            .select(SafeguardingConcern.id, SafeguardingConcern.level, SafeguardingConcern.created_at,
                    Case.reference.alias("case_reference"))
            .join(Case, on=(SafeguardingConcern.case == Case.id))
            .where(SafeguardingConcern.level.in_(URGENT_CONCERN_LEVELS),
                   SafeguardingConcern.state.in_(policy.UNRESOLVED_CONCERN_STATES),
                   SafeguardingConcern.created_at <= raised_before,
                   SafeguardingConcern.id.in_(undelivered))
            .order_by(_most_urgent_first(), SafeguardingConcern.created_at, SafeguardingConcern.id)
            .objects())


def concern_raisers(user: User) -> ModelSelect[User]:
    """The people who raised concerns the user may see, by name (the dashboard's filter)."""
    raised = concerns_visible_to(user).select(SafeguardingConcern.raised_by)
    return User.select().where(User.id.in_(raised)).order_by(User.name, User.id)


def concerns_on_case(user: User, case: Case) -> ModelSelect[SafeguardingConcern]:
    """The case's concerns the user may see: not yet closed first, then most urgent, oldest."""
    closed_last = SafeguardingConcern.state == ConcernState.CLOSED
    return (concerns_visible_to(user, case)
            .order_by(closed_last, _most_urgent_first(), SafeguardingConcern.created_at,
                      SafeguardingConcern.id))


def concern_events_visible_to(user: User, concern: SafeguardingConcern) -> ModelSelect[ConcernEvent]:
    """A concern's chronology, oldest first, for someone who may see the concern; else nothing."""
    visible = concerns_visible_to(user).select(SafeguardingConcern.id)
    return (ConcernEvent
            .select(ConcernEvent, User)
            .join(User, on=(ConcernEvent.by == User.id))
            .where(ConcernEvent.concern == concern.id, ConcernEvent.concern.in_(visible))
            .order_by(ConcernEvent.created_at, ConcernEvent.id))
