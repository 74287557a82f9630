"""Cases: which a user may see or manage, their facts for the policy, coaches, the timeline."""

from __future__ import annotations

from peewee import JOIN, ModelSelect, fn

from portal import policy
from portal.models import Case, CaseEvent, CaseParty, CoachAllocation, SafeguardingConcern, User
from portal.queries._scopes import CASE_COLUMNS_WITHOUT_FUNDING, allocated_case_ids, has_role, nothing
from portal.vocab import Role


def cases_visible_to(user: User) -> ModelSelect[Case]:
    """Every case for coordinators, allocated cases for coaches, their own cases for parties."""
    if has_role(user, Role.COORDINATOR):
        return Case.select()
    if has_role(user, Role.COACH):
        return Case.select(*CASE_COLUMNS_WITHOUT_FUNDING).where(Case.id.in_(allocated_case_ids(user)))
    if has_role(user, Role.PARTY):
        return Case.select(*CASE_COLUMNS_WITHOUT_FUNDING).where(Case.id.in_(
            CaseParty.select(CaseParty.case).where(CaseParty.user == user.id)))
    return nothing(Case)


def cases_managed_by(user: User) -> ModelSelect[Case]:
    """The cases whose staff view ("mission control") the user may open."""
    if has_role(user, Role.COORDINATOR) or has_role(user, Role.COACH):
        return cases_visible_to(user)
    return nothing(Case)


def case_facts(case: Case) -> policy.CaseFacts:
    """What `portal.policy` needs to know about a case, in three small queries."""
    coach_ids = frozenset(
        a.coach_id for a in CoachAllocation.current().where(CoachAllocation.case == case.id))
    party_users = {p.id: p.user_id for p in
                   CaseParty.select(CaseParty.id, CaseParty.user).where(CaseParty.case == case.id)}
    unresolved = SafeguardingConcern.unresolved().where(SafeguardingConcern.case == case.id).exists()
    return policy.CaseFacts(case_id=case.id, coach_ids=coach_ids, party_users=party_users,
                            has_unresolved_concern=unresolved, closed=case.is_closed,
                            kind=case.kind)


def current_coaches(case: Case) -> ModelSelect[User]:
    """The coaches allocated to a case now, by name."""
    return (User
            .select()
            .join(CoachAllocation, on=(CoachAllocation.coach == User.id))
            .where(CoachAllocation.case == case.id, CoachAllocation.ended_at.is_null())
            .order_by(User.name))


def case_events_visible_to(user: User, case: Case) -> ModelSelect[CaseEvent]:
    """The case timeline, newest first: staff on the case; money matters for coordinators only."""
    query = CaseEvent.select().where(CaseEvent.case == case.id)
    if has_role(user, Role.COORDINATOR):
        pass
    elif has_role(user, Role.COACH):
        query = query.where(CaseEvent.case.in_(allocated_case_ids(user)),
                            CaseEvent.kind.not_in(policy.COORDINATOR_ONLY_EVENT_KINDS))
    else:
        return nothing(CaseEvent)
    return query.order_by(CaseEvent.created_at.desc(), CaseEvent.id.desc())


def coach_case_list(user: User) -> ModelSelect[Case]:
    """The coach's cases with the number of parties on each, newest first."""
    return (cases_visible_to(user)
            .select_extend(fn.COUNT(CaseParty.id).alias("party_count"))
            .join(CaseParty, JOIN.LEFT_OUTER)
            .group_by(Case.id)
            .order_by(Case.created_at.desc(), Case.id.desc()))
