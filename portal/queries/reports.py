"""The service's numbers for funders and trustees (`/reports`, coordinators only).

Every figure is an aggregate worked out by the database (GROUP BY, COUNT, SUM), one statement
per section, on SQLite and PostgreSQL alike; no case is loaded. Each function takes a
`ReportScope` (the period as UTC bounds and local dates, and the filters) and gives
`Figures`: {row code: numbers in the section's column order}; the reports blueprint puts
words, order and the small-number rule on them. Who may ask is `policy.can_view_reports`, asked
by the route before any of these run: they count every case of the service.

What is counted when:
- referrals by the moment they were received (`Referral.created_at`);
- cases by the moment they opened (`created_at`) or closed (`closed_at`);
- sessions, concerns, agreements made by their own moment (start, raising, finalising), and
  agreement reviews by their review date;
- feedback invitations by the moment made, answers by the moment given (`answered_at`);
  coaching outcomes over the coaching cases closed in the period; equality monitoring over the
  parties on the cases opened in the period. Coded columns only: a party's free text
  (`FeedbackRequest.comment`) is never selected;
- waiting times over the referrals received in the period, from the moment received to:
  first contact (the referral triaged, accepted or declined: the coordinator's first answer),
  consent (the first "consent given" recorded for a party of the case it became, a day: its
  midnight), and the first session held on that case. Percentiles are computed portably: each
  measure's durations (worked out by the database) are fetched as one sorted column, nothing
  else, and interpolated as PostgreSQL's `percentile_cont` does, so both back ends agree
  exactly; SQLite has no percentile function of its own.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from peewee import JOIN, SQL, Cast, ColumnBase, Expression, SqliteDatabase, Value, fn
from peewee import Case as When

from portal.db import database
from portal.models import (
    Agreement,
    Case,
    CaseParty,
    CaseSession,
    CoachingOutcome,
    ConsentEvent,
    EqualityAnswers,
    FeedbackRequest,
    Referral,
    SafeguardingConcern,
    SessionCoach,
)
from portal.vocab import CaseKind, ConcernLevel, ConsentState, Funding, ReviewOutcome, SessionStatus

# Grouped by the first column selected: PostgreSQL would not match a key written with
# parameters (a CASE, a COALESCE with a default) in GROUP BY to the same one in SELECT.
BY_FIRST = SQL("1")

Number = int | float | None
Figures = dict[str, tuple[Number, ...]]

# Row codes of the funding section that are not a scheme's name.
SELF_FUNDED = "self_funded"
NOT_RECORDED = "not_recorded"
SCHEME_PREFIX = "scheme:"
# Row code of a closed case without an outcome recorded.
NO_OUTCOME = "no_outcome"
# Rows of the coaching allowance section.
ALLOWANCE_ROWS = ("none_held", "some_held", "all_held", "over_allowance")
# Rows of the waiting times section.
WAITS = ("to_first_contact", "to_consent", "to_first_session")
# Rows of the feedback section (invitations made, forms answered).
FEEDBACK_ROWS = ("invited", "answered")
# Row code of a party who gave no answer to an equality question (or no equality answers at all).
NOT_ANSWERED = "not_answered"
# Rows of the agreements section.
AGREEMENT_ROWS = ("made", "reviewed", *(f"review_{outcome}" for outcome in ReviewOutcome))


@dataclass(frozen=True)
class ReportScope:
    """The period (`start` inclusive, `end` exclusive, naive UTC; `first_day` and `last_day`
    the same period as the service's dates) and the filters, each None for any."""
    start: datetime
    end: datetime
    first_day: date
    last_day: date
    funding_scheme: str | None = None
    kind: str | None = None
    dispute_type: str | None = None
    referral_source: str | None = None


def _within(column: ColumnBase, scope: ReportScope) -> Expression:
    return (column >= scope.start) & (column < scope.end)


def _case_filters(scope: ReportScope) -> Expression:
    """The filters as a condition on `Case` (a referral's source through the case's referral)."""
    condition: Expression = Value(1) == Value(1)
    if scope.kind:
        condition &= Case.kind == scope.kind
    if scope.funding_scheme:
        condition &= Case.funding_scheme == scope.funding_scheme
    if scope.dispute_type:
        condition &= Case.dispute_type == scope.dispute_type
    if scope.referral_source:
        condition &= Case.referral.in_(Referral.select(Referral.id)
                                       .where(Referral.source == scope.referral_source))
    return condition


def _filters_cases(scope: ReportScope) -> bool:
    """Whether any filter is on the case: a row of another table is joined to its case only then."""
    return bool(scope.kind or scope.funding_scheme or scope.dispute_type or scope.referral_source)


def _on_cases(query: Any, scope: ReportScope) -> Any:
    """`query` (of a table with a case) limited to the cases the filters choose, if any."""
    if not _filters_cases(scope):
        return query
    return query.join(Case).where(_case_filters(scope))


def _referral_filters(scope: ReportScope) -> Expression:
    """The filters as a condition on `Referral`: its own source and dispute type; a kind or a
    funding scheme through the case it became (so only referrals that became such cases)."""
    condition: Expression = Value(1) == Value(1)
    if scope.referral_source:
        condition &= Referral.source == scope.referral_source
    if scope.dispute_type:
        condition &= Referral.dispute_type == scope.dispute_type
    if scope.kind or scope.funding_scheme:
        cases = Case.select(Case.referral).where(Case.referral.is_null(False))
        if scope.kind:
            cases = cases.where(Case.kind == scope.kind)
        if scope.funding_scheme:
            cases = cases.where(Case.funding_scheme == scope.funding_scheme)
        condition &= Referral.id.in_(cases)
    return condition


def _count_if(condition: ColumnBase) -> ColumnBase:
    return fn.COALESCE(fn.SUM(When(None, [(condition, 1)], 0)), 0)


def _sum_if(condition: Expression, value: ColumnBase) -> ColumnBase:
    return fn.COALESCE(fn.SUM(When(None, [(condition, value)], 0)), 0)


def _rows(query: Any) -> list[tuple[object, ...]]:
    """A statement's rows as plain tuples (peewee's stubs do not follow `.tuples()`)."""
    return [tuple(row) for row in query.tuples()]


def _figures(query: Any) -> Figures:
    """{first column: the others}, for a grouped statement."""
    return {str(row[0] if row[0] is not None else ""): tuple(_number(value) for value in row[1:])
            for row in _rows(query)}


def _on_sqlite() -> bool:
    return isinstance(database.obj, SqliteDatabase)


def _number(value: object) -> Number:
    if value is None:
        return None
    if isinstance(value, int):
        return value
    number = float(str(value))  # Decimal on PostgreSQL
    return int(number) if number.is_integer() else number


# --- referrals --------------------------------------------------------------------------------

def _referrals_by(scope: ReportScope, column: ColumnBase) -> Figures:
    """Referrals received in the period by `column`: (received, became a case)."""
    # IN over every referral that became a case, not a correlated EXISTS: the database reads
    # that list once into a hash (a "hashed subplan" on PostgreSQL, an ephemeral index on
    # SQLite) instead of probing an index per referral (100 of 105 ms at 100k cases).
    became = Referral.id.in_(Case.select(Case.referral).where(Case.referral.is_null(False)))
    query = (Referral
             .select(column, fn.COUNT(Referral.id), _count_if(became))
             .where(_within(Referral.created_at, scope), _referral_filters(scope))
             .group_by(BY_FIRST))
    return _figures(query)


def referrals_by_source(scope: ReportScope) -> Figures:
    """Referrals received, and how many became cases, by source (self or agency)."""
    return _referrals_by(scope, Referral.source)


def referrals_by_agency_kind(scope: ReportScope) -> Figures:
    """Referrals received from agencies, and how many became cases, by the kind of agency."""
    return {code: numbers for code, numbers in _referrals_by(scope, Referral.agency_type).items() if code}


def referrals_by_dispute_type(scope: ReportScope) -> Figures:
    """Referrals received, and how many became cases, by dispute type."""
    return _referrals_by(scope, Referral.dispute_type)


def referrals_by_urgency(scope: ReportScope) -> Figures:
    """Referrals received, and how many became cases, by urgency."""
    return _referrals_by(scope, Referral.urgency)


# --- cases ------------------------------------------------------------------------------------

def cases_by_kind(scope: ReportScope) -> Figures:
    """Cases opened and cases closed in the period, by kind: (opened, closed)."""
    opened, closed = _within(Case.created_at, scope), _within(Case.closed_at, scope)
    query = (Case
             .select(Case.kind, _count_if(opened), _count_if(closed))
             .where(opened | closed, _case_filters(scope))
             .group_by(BY_FIRST))
    return _figures(query)


def case_outcomes(scope: ReportScope) -> Figures:
    """Cases closed in the period by outcome, one column per kind (mediation, coaching)."""
    outcome = fn.COALESCE(Case.outcome, NO_OUTCOME)
    query = (Case
             .select(outcome, *(_count_if(Case.kind == kind) for kind in CaseKind))
             .where(_within(Case.closed_at, scope), _case_filters(scope))
             .group_by(BY_FIRST))
    return _figures(query)


# --- sessions ---------------------------------------------------------------------------------

def _sessions_by(scope: ReportScope, column: ColumnBase) -> Figures:
    """Sessions in the period by `column`: (held, did not attend, cancelled, minutes held)."""
    held = CaseSession.status == SessionStatus.HELD
    query = (CaseSession
             .select(column, _count_if(held), _count_if(CaseSession.status == SessionStatus.DID_NOT_ATTEND),
                     _count_if(CaseSession.status == SessionStatus.CANCELLED),
                     _sum_if(held, CaseSession.duration_minutes))
             .where(_within(CaseSession.starts_at, scope))
             .group_by(BY_FIRST))
    return _figures(_on_cases(query, scope))


def sessions_by_kind(scope: ReportScope) -> Figures:
    """Sessions that took place (or were to) in the period by kind: held, did not attend,
    cancelled, and the minutes of those held."""
    return _sessions_by(scope, CaseSession.kind)


def sessions_by_mode(scope: ReportScope) -> Figures:
    """The same, by mode (face to face, online, ...)."""
    return _sessions_by(scope, CaseSession.mode)


def volunteer_minutes(scope: ReportScope, preparation_minutes: int) -> Figures:
    """Coaches' time at sessions held in the period, by session kind: (coach seats, session
    minutes, preparation minutes, both together): each coach at a held session counts its length and
    `preparation_minutes`."""
    query = (SessionCoach
             .select(CaseSession.kind, fn.COUNT(SessionCoach.id), fn.SUM(CaseSession.duration_minutes),
                     fn.COUNT(SessionCoach.id) * preparation_minutes,
                     fn.SUM(CaseSession.duration_minutes) + fn.COUNT(SessionCoach.id) * preparation_minutes)
             .join(CaseSession)
             .where(CaseSession.status == SessionStatus.HELD, _within(CaseSession.starts_at, scope))
             .group_by(BY_FIRST))
    return _figures(_on_cases(query.switch(CaseSession), scope))


def coaching_allowance_use(scope: ReportScope) -> Figures:
    """Coaching cases opened in the period by how much of their session allowance they used:
    (cases, sessions held, sessions allowed)."""
    # Each case's held sessions by a join grouped per case, not a subquery per case: the
    # database would inline that subquery into every use of `held` below (four times per case).
    held_sessions = ((CaseSession.case == Case.id) & (CaseSession.status == SessionStatus.HELD))
    cases = (Case.select(Case.session_allowance.alias("allowance"), fn.COUNT(CaseSession.id).alias("held"))
             .join(CaseSession, JOIN.LEFT_OUTER, on=held_sessions)
             .where(Case.kind == CaseKind.COACHING, _within(Case.created_at, scope), _case_filters(scope))
             .group_by(Case.id, Case.session_allowance)
             .alias("coaching"))
    allowance, used = cases.c.allowance, cases.c.held
    bucket = When(None, [(used == 0, ALLOWANCE_ROWS[0]), (used < allowance, ALLOWANCE_ROWS[1]),
                         (used == allowance, ALLOWANCE_ROWS[2])], ALLOWANCE_ROWS[3])
    query = (Case.select(bucket, fn.COUNT(SQL("*")), fn.SUM(used), fn.SUM(allowance))
             .from_(cases).group_by(BY_FIRST))
    return _figures(query)


# --- waiting times ----------------------------------------------------------------------------

def _days_between(later: Any, earlier: ColumnBase) -> ColumnBase:
    """`later - earlier` in days (with fractions), on either back end; `later` a column or a
    subquery of one value."""
    if _on_sqlite():
        return fn.julianday(later) - fn.julianday(earlier)
    # As a timestamp (a subquery's `-` would be EXCEPT to peewee; a consent's day is a date, and
    # a date less a timestamp is no interval): that day's midnight.
    return fn.date_part("epoch", Cast(later, "timestamp") - earlier) / 86400.0


def percentile(ordered: Sequence[float], fraction: float) -> float | None:
    """As `percentile_cont`: the value at `fraction` of the way along, interpolated."""
    if not ordered:
        return None
    position = fraction * (len(ordered) - 1)
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _sorted_days(query: Any) -> tuple[Number, ...]:
    """(how many, median days, 90th percentile days) from a statement of one sorted column."""
    # Read straight from the cursor: the one column, many rows, no model or row objects.
    ordered = [float(days) for (days,) in database.execute(query.order_by(BY_FIRST)).fetchall()]
    return len(ordered), _rounded(percentile(ordered, 0.5)), _rounded(percentile(ordered, 0.9))


def _rounded(days: float | None) -> float | None:
    return None if days is None else round(days, 1)


def waiting_times(scope: ReportScope) -> Figures:
    """For the referrals received in the period: days to first contact (triage), to the first
    consent given on the case it became, and to the first session held there, each as (how
    many, median, 90th percentile). The last two join the case's rows and keep each case's
    earliest (GROUP BY the case): a case with none is not counted."""
    received = [_within(Referral.created_at, scope), _referral_filters(scope)]
    triage = (Referral.select(_days_between(Referral.triaged_at, Referral.created_at))
              .where(Referral.triaged_at.is_null(False), *received))
    consent = (Referral.select(_days_between(fn.MIN(ConsentEvent.occurred_on), Referral.created_at))
               .join(Case, on=(Case.referral == Referral.id))
               .join(CaseParty, on=(CaseParty.case == Case.id))
               .join(ConsentEvent, on=(ConsentEvent.party == CaseParty.id))
               .where(ConsentEvent.state == ConsentState.GIVEN, *received)
               .group_by(Case.id, Referral.created_at))
    session = (Referral.select(_days_between(fn.MIN(CaseSession.starts_at), Referral.created_at))
               .join(Case, on=(Case.referral == Referral.id))
               .join(CaseSession, on=(CaseSession.case == Case.id))
               .where(CaseSession.status == SessionStatus.HELD, *received)
               .group_by(Case.id, Referral.created_at))
    return {WAITS[0]: _sorted_days(triage), WAITS[1]: _sorted_days(consent), WAITS[2]: _sorted_days(session)}


# --- money ------------------------------------------------------------------------------------

def cases_by_funding(scope: ReportScope) -> Figures:
    """Cases opened in the period by funding: each scheme (`scheme:<name>`), self-funded, not
    yet recorded; (cases, fees charged in pence, fees paid in pence). The parties' fees are
    joined row by row (a case counted once, by its id)."""
    row = When(None, [(Case.funding == Funding.FUNDED, fn.COALESCE(Value(SCHEME_PREFIX).concat(Case.funding_scheme),
                                                                    SCHEME_PREFIX)),
                      (Case.funding == Funding.SELF_FUNDED, SELF_FUNDED)], NOT_RECORDED)
    query = (Case
             .select(row, fn.COUNT(Case.id.distinct()), fn.COALESCE(fn.SUM(CaseParty.fee_pence), 0),
                     _sum_if(CaseParty.fee_paid == True, fn.COALESCE(CaseParty.fee_pence, 0)))  # noqa: E712
             .join(CaseParty, JOIN.LEFT_OUTER, on=(CaseParty.case == Case.id))
             .where(_within(Case.created_at, scope), _case_filters(scope))
             .group_by(BY_FIRST))
    return _figures(query)


# --- safeguarding and agreements --------------------------------------------------------------

def concerns_by_category(scope: ReportScope) -> Figures:
    """Safeguarding concerns raised in the period by category, one column per level (most
    urgent first). Counts only: nothing of what a concern says."""
    query = (SafeguardingConcern
             .select(SafeguardingConcern.category,
                     *(_count_if(SafeguardingConcern.level == level) for level in ConcernLevel))
             .where(_within(SafeguardingConcern.created_at, scope))
             .group_by(BY_FIRST))
    return _figures(_on_cases(query, scope))


def agreements_made_and_reviewed(scope: ReportScope) -> Figures:
    """Agreements made final in the period (each version counts: the parties agreed again), and
    agreements reviewed in the period, with how the review found them."""
    made = _within(Agreement.finalised_at, scope)
    reviewed = (Agreement.reviewed_on >= scope.first_day) & (Agreement.reviewed_on <= scope.last_day)
    query = (Agreement
             .select(_count_if(made), _count_if(reviewed),
                     *(_count_if(reviewed & (Agreement.review_outcome == outcome)) for outcome in ReviewOutcome))
             .where(made | reviewed))
    numbers = _rows(_on_cases(query, scope))[0]
    return {row: (_number(value),) for row, value in zip(AGREEMENT_ROWS, numbers, strict=True)}


# --- feedback, coaching outcomes, equality monitoring -------------------------------------------

def feedback_invited_and_answered(scope: ReportScope) -> Figures:
    """Feedback invitations made in the period, and forms answered in the period (whenever
    invited): one count each."""
    invited, answered = _within(FeedbackRequest.created_at, scope), _within(FeedbackRequest.answered_at, scope)
    query = (FeedbackRequest
             .select(_count_if(invited), _count_if(answered))
             .where(invited | answered))
    numbers = _rows(_on_cases(query, scope))[0]
    return {row: (_number(value),) for row, value in zip(FEEDBACK_ROWS, numbers, strict=True)}


def _feedback_answers(scope: ReportScope, column: ColumnBase) -> Figures:
    """The answers to one feedback question given in the period, by answer (those who left it
    blank are not counted)."""
    query = (FeedbackRequest
             .select(column, fn.COUNT(FeedbackRequest.id))
             .where(_within(FeedbackRequest.answered_at, scope), column.is_null(False))
             .group_by(BY_FIRST))
    return _figures(_on_cases(query, scope))


def feedback_satisfaction(scope: ReportScope) -> Figures:
    """How satisfied the parties who answered in the period were."""
    return _feedback_answers(scope, FeedbackRequest.satisfaction)


def feedback_helped(scope: ReportScope) -> Figures:
    """Whether the service helped them deal with the conflict, as answered in the period."""
    return _feedback_answers(scope, FeedbackRequest.helped)


def feedback_situation(scope: ReportScope) -> Figures:
    """Whether their situation is better, as answered in the period."""
    return _feedback_answers(scope, FeedbackRequest.situation)


def coaching_outcomes(scope: ReportScope) -> Figures:
    """Coaching cases closed in the period by their recorded outcome (goals met fully, partly,
    not), and those closed with none recorded (`NO_OUTCOME`)."""
    goals = fn.COALESCE(CoachingOutcome.goals_met, NO_OUTCOME)
    query = (Case
             .select(goals, fn.COUNT(Case.id))
             .join(CoachingOutcome, JOIN.LEFT_OUTER, on=(CoachingOutcome.case == Case.id))
             .where(Case.kind == CaseKind.COACHING, _within(Case.closed_at, scope), _case_filters(scope))
             .group_by(BY_FIRST))
    return _figures(query)


def _equality_answers(scope: ReportScope, question: str) -> Figures:
    """The parties on the cases opened in the period by their answer to one equality question;
    a party who left it blank, or gave no answers, is `NOT_ANSWERED`. Never person by person."""
    answer = fn.COALESCE(getattr(EqualityAnswers, question), NOT_ANSWERED)
    query = (CaseParty
             .select(answer, fn.COUNT(CaseParty.id))
             .join(Case, on=(CaseParty.case == Case.id))
             .join(EqualityAnswers, JOIN.LEFT_OUTER, on=(EqualityAnswers.party == CaseParty.id))
             .where(_within(Case.created_at, scope), _case_filters(scope))
             .group_by(BY_FIRST))
    return _figures(query)


def equality_age_band(scope: ReportScope) -> Figures:
    """Parties on the cases opened in the period, by age band."""
    return _equality_answers(scope, "age_band")


def equality_gender(scope: ReportScope) -> Figures:
    """Parties on the cases opened in the period, by gender."""
    return _equality_answers(scope, "gender")


def equality_ethnicity(scope: ReportScope) -> Figures:
    """Parties on the cases opened in the period, by ethnic group."""
    return _equality_answers(scope, "ethnicity")


def equality_disability(scope: ReportScope) -> Figures:
    """Parties on the cases opened in the period, by whether they consider themselves disabled."""
    return _equality_answers(scope, "disability")


def equality_first_language(scope: ReportScope) -> Figures:
    """Parties on the cases opened in the period, by first language."""
    return _equality_answers(scope, "first_language")
