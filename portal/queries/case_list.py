"""The case list (`/cases`): staff's cases with filters, search and sorts, each case's stage
(stored on the case, `Case.stage`, kept by `CaseEvent.save` with `case_stage_sql`, the SQL twin
of `portal.stages.case_stage`), last activity and next session;
the parties' names and current coaches of a page of it; the choices its filters offer.

Everything starts from `cases_visible_to`: a case the user may not see is never matched, counted
or offered as a choice. Parties see no list at all."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from peewee import JOIN, SQL, ColumnBase, ModelSelect, Select, fn
from peewee import Case as SqlCase

from portal import policy, search_terms
from portal.models import (
    Agreement,
    Case,
    CaseEvent,
    CaseParty,
    CaseSession,
    CoachAllocation,
    Referral,
    SearchTerm,
    User,
)
from portal.queries._scopes import PARTY_NAME_COLUMNS, allocated_case_ids, case_columns_for, has_role, is_staff, nothing
from portal.queries.cases import cases_visible_to
from portal.stages import ACTIVE_SESSION_STATES
from portal.vocab import AgreementState, CaseStatus, ConsentState, Role, SessionStatus, Stage

# The list's sorts: last activity, newest first (the default); reference; next session, soonest
# first, cases with none last.
SORTS = ("activity", "reference", "next_session")
# The status filter: "" (open, the default), "closed", "all".
STATUSES = ("open", "closed", "all")


def _exists(query: ModelSelect[Any]) -> ColumnBase:
    return fn.EXISTS(query)


def _stage_rules() -> list[tuple[ColumnBase, Stage]]:
    """`portal.stages`' rules as SQL conditions over `Case`, in the same order: the first that
    holds gives the stage (the last, ready to book, is what is left)."""
    def on_case(model: Any) -> Any:
        return model.select(model.id).where(model.case == Case.id)
    proposed = on_case(Agreement).where(Agreement.state == AgreementState.PROPOSED)
    final = on_case(Agreement).where(Agreement.state == AgreementState.FINAL)
    not_consented = on_case(CaseParty).where(CaseParty.consent_state != ConsentState.GIVEN)
    any_party = on_case(CaseParty)
    coach = on_case(CoachAllocation).where(CoachAllocation.ended_at.is_null())
    session = on_case(CaseSession).where(CaseSession.status.in_(sorted(ACTIVE_SESSION_STATES)))
    return [
        (Case.status == CaseStatus.CLOSED, Stage.CLOSED),
        (_exists(proposed), Stage.AGREEMENT_PROPOSED),
        (_exists(final), Stage.AGREEMENT_FINAL),
        (_exists(not_consented) | ~_exists(any_party), Stage.WAITING_FOR_CONSENT),
        (~_exists(coach), Stage.WAITING_FOR_COACH),
        (_exists(session), Stage.IN_PROGRESS),
    ]


def case_stage_sql() -> SqlCase:
    """The case's `Stage` as one SQL expression over `Case`: the rules of `portal.stages`, in
    the same order (tests/test_stages.py checks the two agree). What `Case.refresh_stages` and
    `CaseEvent.save` store in `Case.stage`, which the list reads."""
    return SqlCase(None, [(condition, stage.value) for condition, stage in _stage_rules()],
                   Stage.READY_TO_BOOK.value)


def last_activity_sql(user: User) -> ColumnBase:
    """When the latest timeline entry the user may read was written, or the case opened: for
    coordinators (every entry) the case's own `last_activity_at`, which an index sorts; for a
    coach (their few cases), the latest entry that is not about money."""
    if has_role(user, Role.COORDINATOR):
        return Case.last_activity_at
    events = (CaseEvent.select(fn.MAX(CaseEvent.created_at))
              .where(CaseEvent.case == Case.id, CaseEvent.kind.not_in(policy.COORDINATOR_ONLY_EVENT_KINDS)))
    column: ColumnBase = fn.COALESCE(events, Case.created_at).python_value(Case.created_at.python_value)
    return column


def next_session_sql(now: datetime) -> ColumnBase:
    """When the case's next booked session starts (NULL: none booked), read back as a datetime."""
    first = (CaseSession.select(fn.MIN(CaseSession.starts_at))
             .where(CaseSession.case == Case.id, CaseSession.status == SessionStatus.SCHEDULED,
                    CaseSession.starts_at >= now))
    column: ColumnBase = fn.COALESCE(first, None).python_value(CaseSession.starts_at.python_value)
    return column


@dataclass(frozen=True)
class CaseListFilters:
    """What the list is narrowed to; None or "" is no filter. `funding_scheme` is only applied
    for those who may see funding (coordinators)."""
    status: str = "open"
    kind: str | None = None
    stage: str | None = None
    coach: int | None = None
    funding_scheme: str | None = None
    referral_source: str | None = None
    opened_from: datetime | None = None
    opened_before: datetime | None = None
    q: str = ""


def _search(q: str) -> ModelSelect[Case] | None:
    """The ids of the cases a search finds: a case or referral reference starting with it, or
    every typed term the start of one of the case's search terms. One set of ids (a UNION of
    index ranges), so that the database looks it up once rather than for every case."""
    q = q.strip()
    if not q:
        return None
    reference = q.upper()
    upper = search_terms.upper_bound(reference)
    found: Any = (Case.select(Case.id).where(Case.reference >= reference, Case.reference < upper)
                  | Case.select(Case.id).where(Case.referral.in_(
                      Referral.select(Referral.id).where(Referral.reference >= reference, Referral.reference < upper))))
    terms = search_terms.query_terms(q)
    if terms:
        by_terms: Any = None
        for term in terms:
            matched = (SearchTerm.select(SearchTerm.case)
                       .where(SearchTerm.term >= term, SearchTerm.term < search_terms.upper_bound(term)))
            by_terms = matched if by_terms is None else by_terms & matched
        found = found | by_terms
    return found  # type: ignore[no-any-return]


def case_list_ids(user: User, filters: CaseListFilters) -> ModelSelect[Case]:
    """The ids of the cases the list shows for these filters (for counting), staff only."""
    if not is_staff(user):
        return nothing(Case)
    query = cases_visible_to(user).select(Case.id)
    if filters.status == "open":
        query = query.where(Case.status == CaseStatus.OPEN)
    elif filters.status == "closed":
        query = query.where(Case.status == CaseStatus.CLOSED)
    if filters.kind:
        query = query.where(Case.kind == filters.kind)
    if filters.stage:
        query = query.where(Case.stage == filters.stage)
    if filters.coach:
        query = query.where(Case.id.in_(CoachAllocation.current().select(CoachAllocation.case)
                                        .where(CoachAllocation.coach == filters.coach)))
    if filters.funding_scheme and has_role(user, Role.COORDINATOR):
        query = query.where(Case.funding_scheme == filters.funding_scheme)
    if filters.referral_source:
        query = query.where(Case.referral.in_(Referral.select(Referral.id)
                                              .where(Referral.source == filters.referral_source)))
    if filters.opened_from:
        query = query.where(Case.created_at >= filters.opened_from)
    if filters.opened_before:
        query = query.where(Case.created_at < filters.opened_before)
    found = _search(filters.q)
    if found is not None:
        query = query.where(Case.id.in_(found))
    return query


def _order(sort: str, last_activity: ColumnBase, next_session: ColumnBase) -> list[Any]:
    if sort == "reference":
        return [Case.reference]
    if sort == "next_session":
        return [SqlCase(None, [(next_session.is_null(), 1)], 0), next_session, Case.reference]
    return [last_activity.desc(), Case.id.desc()]


def case_list(user: User, filters: CaseListFilters, *, sort: str = "activity",
              now: datetime | None = None) -> ModelSelect[Case]:
    """Every case of the list, each with `stage`, `last_activity` and `next_session`, sorted
    (the list itself shows a page: `case_list_page`, then `case_list_rows`)."""
    if not is_staff(user):
        return nothing(Case)
    return case_list_rows(user, case_list_ids(user, filters), sort=sort, now=now)


def case_list_page(user: User, filters: CaseListFilters, *, sort: str, number: int, per_page: int,
                   now: datetime | None = None, limit: int | None = None) -> ModelSelect[Case]:
    """The ids of page `number` of the list, in its order, each row with `total`, how many
    cases the whole list holds: the filters and the sort key are worked out once, for every
    case that matches, and nothing else is. With a `limit`, the total is counted only up to
    `limit` + 1 (a list of 70,000 closed cases need not be counted whole to show 25 of them),
    and the page is read off the order's index and stops."""
    if not is_staff(user):
        return nothing(Case)
    now = now or datetime.utcnow()
    total: Any = fn.COUNT(SQL("*")).over()
    if limit is not None:
        counted = case_list_ids(user, filters).order_by().select(SQL("1")).limit(limit + 1)
        total = Select([counted.alias("capped")], [fn.COUNT(SQL("*"))])
    query = case_list_ids(user, filters).select_extend(total.alias("total"))
    next_session = next_session_sql(now)
    if sort == "next_session":
        # Every case's next session at once (one pass over the sessions booked ahead, joined),
        # not looked up case by case: 28,000 open cases at 100,000.
        ahead: Any = (CaseSession.select(CaseSession.case.alias("case_id"),
                                         fn.MIN(CaseSession.starts_at).alias("next_at"))
                      .where(CaseSession.status == SessionStatus.SCHEDULED, CaseSession.starts_at >= now)
                      .group_by(CaseSession.case).alias("ahead"))
        query = query.join(ahead, JOIN.LEFT_OUTER, on=(ahead.c.case_id == Case.id))
        next_session = ahead.c.next_at
    return (query
            .order_by(*_order(sort, last_activity_sql(user), next_session))
            .paginate(number, per_page))


def case_list_rows(user: User, ids: list[int] | ModelSelect[Case], *, sort: str = "activity",
                   now: datetime | None = None) -> ModelSelect[Case]:
    """These cases (those of them on the user's list), each with `stage`, `last_activity` and
    `next_session`, sorted: what the list shows of a page."""
    if not is_staff(user):
        return nothing(Case)
    now = now or datetime.utcnow()
    last_activity, next_session = last_activity_sql(user), next_session_sql(now)
    query = (Case.select(*case_columns_for(user),  # with the stored stage
                         last_activity.alias("last_activity"), next_session.alias("next_session"))
             .where(Case.id.in_(ids)))
    if not has_role(user, Role.COORDINATOR):
        query = query.where(Case.id.in_(allocated_case_ids(user)))
    return query.order_by(*_order(sort, last_activity, next_session))


def _of_cases_on_the_list(column: Any, user: User, case_ids: list[int]) -> Any:
    """`column` (a case id) is one of these cases, and on the user's list: every case for
    coordinators, the cases a coach is allocated to now."""
    on_list = column.in_(case_ids)
    return on_list if has_role(user, Role.COORDINATOR) else on_list & column.in_(allocated_case_ids(user))


def case_list_parties(user: User, case_ids: list[int]) -> ModelSelect[CaseParty]:
    """Who the parties on these cases are (names only), for staff who may see the cases."""
    if not is_staff(user):
        return nothing(CaseParty)
    return (CaseParty.select(*PARTY_NAME_COLUMNS)
            .where(_of_cases_on_the_list(CaseParty.case, user, case_ids))
            .order_by(CaseParty.case, CaseParty.id))


def case_list_coaches(user: User, case_ids: list[int]) -> ModelSelect[CoachAllocation]:
    """The coaches allocated now to these cases, with their names, for staff who may see them."""
    if not is_staff(user):
        return nothing(CoachAllocation)
    return (CoachAllocation.current()
            .select(CoachAllocation.id, CoachAllocation.case, User.id, User.name)
            .join(User, on=(CoachAllocation.coach == User.id))
            .where(_of_cases_on_the_list(CoachAllocation.case, user, case_ids))
            .order_by(CoachAllocation.case, User.name))


def case_list_coach_choices(user: User) -> ModelSelect[User]:
    """The coach filter's choices: every active coach for coordinators; for a coach, the coaches
    on the cases they may see now."""
    coaches = User.select(User.id, User.name).where(User.role == Role.COACH, User.active == True)  # noqa: E712
    if has_role(user, Role.COORDINATOR):
        return coaches.order_by(User.name, User.id)
    if has_role(user, Role.COACH):
        on_cases = (CoachAllocation.current().select(CoachAllocation.coach)
                    .where(CoachAllocation.case.in_(cases_visible_to(user).select(Case.id))))
        return coaches.where(User.id.in_(on_cases)).order_by(User.name, User.id)
    return nothing(User)


def case_list_funding_schemes(user: User) -> list[str]:
    """The funding schemes named on cases, for the filter: coordinators only."""
    if not has_role(user, Role.COORDINATOR):
        return []
    query = (Case.select(Case.funding_scheme).where(Case.funding_scheme.is_null(False), Case.funding_scheme != "")
             .distinct().order_by(Case.funding_scheme))
    return [str(case.funding_scheme) for case in query]
