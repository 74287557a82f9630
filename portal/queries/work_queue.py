"""The coordinator's work queue (their home page): what needs doing across the service, one
query per kind of item, each for coordinators only (anyone else gets nothing).

Every query takes the `QueueRules`: the moment the queue is worked out for and the service's
configured waits (the referral promise in working days, the days a consent, a quiet case, a
session's note and a proposal may wait). The rules are plain values, so a test can ask for the
queue on any day. Each list is ordered most pressing first: oldest (or most urgent) at the top.

Working days are Monday to Friday; bank holidays are not counted (the README says so).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from peewee import ModelSelect, fn

from portal.models import (
    ActionPoint,
    Agreement,
    AgreementTerm,
    Case,
    CaseParty,
    CaseSession,
    CoachAllocation,
    Note,
    Referral,
    SafeguardingConcern,
    User,
)
from portal.queries._scopes import PARTY_NAME_COLUMNS, has_role, nothing
from portal.queries.agreements import agreement_reviews
from portal.queries.notifications import phone_instead
from portal.queries.safeguarding import concern_dashboard
from portal.vocab import (
    AgreementState,
    CaseStatus,
    ConcernState,
    ConsentState,
    ReferralStatus,
    Role,
    SessionStatus,
    Urgency,
)

# Agreement reviews show this many days ahead (and any already due).
REVIEWS_AHEAD_DAYS = 14


def working_days_back(today: date, count: int) -> date:
    """The `count`-th working day (Monday to Friday) counting back from `today`, which counts
    if it is one itself: `working_days_back(a Wednesday, 1)` is that Wednesday."""
    day, seen = today, 0
    while True:
        if day.weekday() < 5:
            seen += 1
            if seen >= count:
                return day
        day -= timedelta(days=1)


def promise_broken_before(today: date, working_days: int) -> date:
    """A referral that arrived before this day has waited longer than `working_days` working
    days today. The days counted are the working days after the day it arrived, up to and
    including today; the promise is broken once they number more than `working_days`. So with
    a promise of 2, a referral from a Friday (or that weekend) is due by Tuesday and in the
    queue from Wednesday."""
    return working_days_back(today, max(working_days, 0) + 1)


@dataclass(frozen=True)
class QueueRules:
    """When the queue is worked out for, as the moments each list compares with: plain values
    worked out once by `of`, so that the queries do no arithmetic on them and a page's text can
    be written once with them as parameters (`queries.PreparedBatch`)."""
    today: date                         # the service's own date
    referral_due: dict[str, datetime]   # urgency -> arrived before this (UTC): overdue
    consent_before: datetime            # a party added before this and still pending: awaited
    quiet_since: datetime               # no session since this (and opened before it): quiet
    note_before: datetime               # a session that started before this needs its record
    proposal_before: datetime           # proposed before this and not accepted: waiting
    reviews_until: date                 # reviews due on or before this day are shown

    @classmethod
    def of(cls, now: datetime, zone: ZoneInfo, *, referral_working_days: int, urgent_working_days: int,
           consent_days: int, quiet_days: int, note_days: int, proposal_days: int) -> QueueRules:
        """The rules at `now` (naive UTC) for a service in `zone`: a referral's working days are
        counted in the service's own dates."""
        today = now.replace(tzinfo=UTC).astimezone(zone).date()

        def start_of(day: date) -> datetime:
            return datetime.combine(day, time.min, tzinfo=zone).astimezone(UTC).replace(tzinfo=None)
        due = {urgency.value: start_of(promise_broken_before(
            today, urgent_working_days if urgency == Urgency.URGENT else referral_working_days))
            for urgency in Urgency}
        return cls(today=today, referral_due=due,
                   consent_before=now - timedelta(days=consent_days),
                   quiet_since=now - timedelta(days=quiet_days),
                   note_before=now - timedelta(days=note_days),
                   proposal_before=now - timedelta(days=proposal_days),
                   reviews_until=today + timedelta(days=REVIEWS_AHEAD_DAYS))


def _for_coordinators(user: User) -> bool:
    return has_role(user, Role.COORDINATOR)


def _open(model: Any) -> Any:
    """The condition that a row's case is open."""
    return model.case.in_(Case.select(Case.id).where(Case.status == CaseStatus.OPEN))


def referrals_overdue(user: User, rules: QueueRules) -> ModelSelect[Referral]:
    """New referrals (not yet triaged) waiting longer than the service's promise for their
    urgency: most urgent first, then oldest first."""
    if not _for_coordinators(user):
        return nothing(Referral)
    late = None
    for urgency, due in sorted(rules.referral_due.items()):
        this = (Referral.urgency == urgency) & (Referral.created_at < due)
        late = this if late is None else late | this
    return (Referral.select()
            .where(Referral.status == ReferralStatus.NEW, late)
            .order_by(Referral.urgency_rank(), Referral.created_at, Referral.id))


def consent_waiting(user: User, rules: QueueRules) -> ModelSelect[CaseParty]:
    """Parties on open cases whose consent is still pending more than `consent_days` after they
    were added to the case, longest waiting first (names only, with the case)."""
    if not _for_coordinators(user):
        return nothing(CaseParty)
    return (CaseParty.select(*PARTY_NAME_COLUMNS, CaseParty.created_at, Case.id, Case.reference)
            .join(Case)
            .where(Case.status == CaseStatus.OPEN, CaseParty.consent_state == ConsentState.PENDING,
                   CaseParty.created_at < rules.consent_before)
            .order_by(CaseParty.created_at, CaseParty.id))


def _current_coach() -> Any:
    return (CoachAllocation.select(CoachAllocation.id)
            .where(CoachAllocation.case == Case.id, CoachAllocation.ended_at.is_null()))


def cases_without_coach(user: User, rules: QueueRules) -> ModelSelect[Case]:
    """Open cases with no coach allocated now, oldest first."""
    if not _for_coordinators(user):
        return nothing(Case)
    return (Case.select()
            .where(Case.status == CaseStatus.OPEN, ~fn.EXISTS(_current_coach()))
            .order_by(Case.created_at, Case.id))


def quiet_cases(user: User, rules: QueueRules) -> ModelSelect[Case]:
    """Open cases ready for sessions (every party has consented and a coach is allocated: the
    cases waiting for either are lists of their own) with no session booked and none held in
    the last `quiet_days`, and opened longer ago than that: quietest first (by last activity).
    A session counts unless it was cancelled."""
    if not _for_coordinators(user):
        return nothing(Case)
    since = rules.quiet_since
    recent = (CaseSession.select(CaseSession.id)
              .where(CaseSession.case == Case.id, CaseSession.status != SessionStatus.CANCELLED,
                     CaseSession.starts_at >= since))
    not_consented = (CaseParty.select(CaseParty.id)
                     .where(CaseParty.case == Case.id, CaseParty.consent_state != ConsentState.GIVEN))
    any_party = CaseParty.select(CaseParty.id).where(CaseParty.case == Case.id)
    return (Case.select()
            .where(Case.status == CaseStatus.OPEN, Case.created_at < since,
                   fn.EXISTS(_current_coach()), fn.EXISTS(any_party), ~fn.EXISTS(not_consented),
                   ~fn.EXISTS(recent))
            .order_by(Case.last_activity_at, Case.id))


def sessions_unrecorded(user: User, rules: QueueRules) -> ModelSelect[CaseSession]:
    """Sessions on open cases that started more than `note_days` ago and still have no outcome
    recorded (still "scheduled"), or were held and have no note about them (a withdrawn note
    does not count): oldest first, with the case."""
    if not _for_coordinators(user):
        return nothing(CaseSession)
    noted = Note.select(Note.id).where(Note.session == CaseSession.id, Note.withdrawn_at.is_null())
    return (CaseSession.select(CaseSession, Case.id, Case.reference)
            .join(Case)
            .where(Case.status == CaseStatus.OPEN,
                   CaseSession.starts_at < rules.note_before,
                   (CaseSession.status == SessionStatus.SCHEDULED)
                   | ((CaseSession.status == SessionStatus.HELD) & ~fn.EXISTS(noted)))
            # Ordered by an expression of the time, not the column: read in the index's order,
            # the database walked every session since the service began, most of them on
            # closed cases, to find a page (330 ms at 100k cases, on both back ends). Made to
            # sort, it starts from the open cases and their sessions (80 ms on PostgreSQL, 36 on
            # SQLite). Same order: a session always has its time.
            .order_by(fn.COALESCE(CaseSession.starts_at, CaseSession.starts_at), CaseSession.id))


def action_points_overdue(user: User, rules: QueueRules) -> ModelSelect[ActionPoint]:
    """Action points not done whose due date has passed: on open cases, and after a case closes
    those that are terms of its final agreement (promises that run on). Longest overdue first,
    with the case and the party's name (`party_name`)."""
    if not _for_coordinators(user):
        return nothing(ActionPoint)
    # Asked of each action point (EXISTS), not as the set of every final term: the list is
    # read in order (index of migration 16) and stops after its page or its capped count.
    final_term = (AgreementTerm.select(AgreementTerm.id).join(Agreement)
                  .where(AgreementTerm.id == ActionPoint.agreement_term, Agreement.state == AgreementState.FINAL))
    # The party's name as a column of its own: counting the list drops it, so a count reads the
    # index (migration 11) and the case alone, never each action point's party.
    party_name = CaseParty.select(CaseParty.name).where(CaseParty.id == ActionPoint.party).alias("party_name")
    return (ActionPoint.select(ActionPoint, Case.id, Case.reference, Case.status, party_name)
            .join(Case)
            .where(ActionPoint.done_at.is_null(), ActionPoint.due_on < rules.today,
                   (Case.status == CaseStatus.OPEN) | fn.EXISTS(final_term))
            .order_by(ActionPoint.due_on, ActionPoint.id))


def proposals_waiting(user: User, rules: QueueRules) -> ModelSelect[Agreement]:
    """Agreements proposed on open cases more than `proposal_days` ago and not yet accepted by
    every party (still proposed), longest waiting first, with the case."""
    if not _for_coordinators(user):
        return nothing(Agreement)
    return (Agreement.select(Agreement, Case.id, Case.reference)
            .join(Case)
            .where(Case.status == CaseStatus.OPEN, Agreement.state == AgreementState.PROPOSED,
                   Agreement.proposed_at < rules.proposal_before)
            .order_by(Agreement.proposed_at, Agreement.id))


def reviews_due(user: User, rules: QueueRules) -> ModelSelect[Agreement]:
    """`agreement_reviews` due in the next `REVIEWS_AHEAD_DAYS` days, or already due: closed
    cases included (an agreement's terms run on until the review). Soonest first."""
    if not _for_coordinators(user):
        return nothing(Agreement)
    return agreement_reviews(user).where(
        Agreement.review_on <= rules.reviews_until)


def concerns_unacknowledged(user: User, rules: QueueRules) -> ModelSelect[SafeguardingConcern]:
    """Safeguarding concerns no lead has acknowledged yet: the dashboard's own list of "open"
    concerns (most urgent level first, then oldest, with the case and who raised it). Whether
    one is overdue is the dashboard's rule too (`policy.is_overdue`), worked out by the page."""
    return concern_dashboard(user, status=ConcernState.OPEN)


def parties_to_phone(user: User, rules: QueueRules) -> ModelSelect[CaseParty]:
    """`phone_instead` as a list of the queue: parties on open cases whom email is not safe for,
    with messages not read in the portal (no wait of its own: a message not emailed waits for a
    phone call at once). Longest waiting first, with the case's reference and the counts."""
    return phone_instead(user)
