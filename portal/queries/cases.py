"""Cases: which a user may see or manage, their facts for the policy, coaches, the timeline."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from peewee import JOIN, ModelSelect, Value, fn

from portal import policy
from portal.db import database
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
    """What `portal.policy` needs to know about a case, in one statement."""
    return case_facts_for([case])[case.id]


# What each row of `case_facts_for`'s statement is about.
_COACH, _PARTY, _CONCERN = "coach", "party", "concern"


def case_facts_for(cases: Iterable[Case]) -> dict[int, policy.CaseFacts]:
    """`case_facts` of many cases (each loaded with its status and kind), by case id, in one
    statement however many there are: the current coaches, the parties (with their accounts) and
    the unresolved concerns of all of them, as one UNION ALL of (case, what, id, account)."""
    by_id = {case.id: case for case in cases}
    if not by_id:
        return {}
    ids = list(by_id)
    coach_ids: dict[int, set[int]] = {case_id: set() for case_id in ids}
    party_users: dict[int, dict[int, int | None]] = {case_id: {} for case_id in ids}
    unresolved: set[int] = set()
    for case_id, what, row_id, account in _facts_rows(ids):
        if what == _COACH:
            coach_ids[case_id].add(row_id)
        elif what == _PARTY:
            party_users[case_id][row_id] = account
        else:
            unresolved.add(case_id)
    return {case_id: policy.CaseFacts(case_id=case_id, coach_ids=frozenset(coach_ids[case_id]),
                                      party_users=party_users[case_id],
                                      has_unresolved_concern=case_id in unresolved,
                                      closed=case.is_closed, kind=case.kind)
            for case_id, case in by_id.items()}


def _facts_statement(ids: list[int]) -> Any:
    """The current coaches, the parties (with their accounts) and the unresolved concerns of
    the cases `ids`, as one UNION ALL of (case, what, id, account)."""
    coaches = (CoachAllocation.current()
               .select(CoachAllocation.case, Value(_COACH), CoachAllocation.coach, Value(None))
               .where(CoachAllocation.case.in_(ids)))
    parties = (CaseParty
               .select(CaseParty.case, Value(_PARTY), CaseParty.id, CaseParty.user)
               .where(CaseParty.case.in_(ids)))
    concerns = (SafeguardingConcern.unresolved()
                .select(SafeguardingConcern.case, Value(_CONCERN), SafeguardingConcern.id, Value(None))
                .where(SafeguardingConcern.case.in_(ids)))
    return coaches + parties + concerns


# The facts statement's text for a number of cases, on a back end: (text, parameters, which
# case id each parameter is, or None for a constant). Every case page and every case action
# asks for one case's facts, and peewee writing the same text each time cost as much as the
# case's own loading. Kept for up to this many cases; more are written each time.
_FACTS_TEXTS: dict[tuple[str, int], tuple[str, list[Any], list[int | None]]] = {}
FACTS_TEXTS_UP_TO = 50
# Stand-ins for the ids while the text is written: never an id, nor any other parameter.
_ID_MARKER = -7_340_032_000_000_000


def _facts_rows(ids: list[int]) -> list[tuple[Any, ...]]:
    if len(ids) > FACTS_TEXTS_UP_TO:
        return list(_facts_statement(ids).tuples())
    key = (type(database.obj).__name__, len(ids))
    if key not in _FACTS_TEXTS:
        markers = [_ID_MARKER - n for n in range(len(ids))]
        sql, params = _facts_statement(markers).sql()
        where = [_ID_MARKER - p if type(p) is int and _ID_MARKER - len(ids) < p <= _ID_MARKER else None
                 for p in params]
        # Each id goes into the three lists, and nothing else may look like a marker.
        if sorted(n for n in where if n is not None) != sorted(list(range(len(ids))) * 3):
            raise RuntimeError(f"the facts statement does not take the case ids as expected: {params}")
        _FACTS_TEXTS[key] = (sql, list(params), where)
    sql, params, where = _FACTS_TEXTS[key]
    bound = [param if n is None else ids[n] for param, n in zip(params, where, strict=True)]
    return list(database.execute_sql(sql, bound).fetchall())


def parent_case_of(case: Case) -> ModelSelect[Case]:
    """The case this one follows on from (one row or none): its reference only, which the case
    itself names to whoever may see it."""
    return Case.select(Case.id, Case.reference).where(Case.id == case.parent_case_id)


def coaching_offers_from(user: User, case: Case) -> ModelSelect[CaseParty]:
    """Post-mediation coaching offered from this (mediation) case, oldest first: each offer's
    party record on its follow-on case (name only), whom on this case it was offered to
    (`offered_from`), their answer, and the follow-on case's reference; on the follow-on cases
    the user may see."""
    follow_ons = cases_visible_to(user).where(Case.parent_case == case.id).select(Case.id)
    return (CaseParty
            .select(CaseParty.id, CaseParty.case, CaseParty.name, CaseParty.offered_from,
                    CaseParty.coaching_offer, CaseParty.coaching_offer_answered_at, Case.id, Case.reference)
            .join(Case)
            .where(CaseParty.case.in_(follow_ons), CaseParty.offered_from.is_null(False))
            .order_by(CaseParty.id))


def current_coaches(case: Case) -> ModelSelect[User]:
    """The coaches allocated to a case now, by name."""
    return (User
            .select()
            .join(CoachAllocation, on=(CoachAllocation.coach == User.id))
            .where(CoachAllocation.case == case.id, CoachAllocation.ended_at.is_null())
            .order_by(User.name))


def party_coaches(user: User) -> ModelSelect[User]:
    """The coaches (id and name only) allocated now to any case this party is on, by name, each
    once: what every page of a party's shows them (policy.can_see_case_coaches)."""
    if not has_role(user, Role.PARTY):
        return nothing(User)
    on_own_cases = (CoachAllocation.current()
                    .select(CoachAllocation.coach)
                    .where(CoachAllocation.case.in_(
                        CaseParty.select(CaseParty.case).where(CaseParty.user == user.id))))
    return (User.select(User.id, User.name)
            .where(User.id.in_(on_own_cases))
            .order_by(User.name, User.id))


def case_events_visible_to(user: User, case: Case) -> ModelSelect[CaseEvent]:
    """The case timeline, newest first: staff on the case; money matters for coordinators only.
    Who did each (their name only) comes with it, rather than a query per entry."""
    query = (CaseEvent
             .select(CaseEvent, User.id, User.name)
             .join(User, JOIN.LEFT_OUTER, on=(CaseEvent.actor == User.id))
             .where(CaseEvent.case == case.id))
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
