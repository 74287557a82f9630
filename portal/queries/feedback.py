"""Feedback, coaching outcomes and equality monitoring: what each user may see of them on a case
or their home page, and the counts the reports show.

Per person: a party's coded feedback answers and a coaching case's outcome for staff on the case;
the feedback's free text for staff on the case alone (selected only for them, and only by
`feedback_comments_visible_to`), and for the party who wrote it in their own subject access
export (`own_feedback_answers_of`); equality answers for coordinators alone (and each party's
own, to them). The counts
(`feedback_counts`, `coaching_outcome_counts`, `equality_counts`) are GROUP BY aggregates over
coded columns only: no free text is ever selected by them, so no report can carry it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from peewee import JOIN, SQL, Field, ModelSelect, fn

from portal.models import Case, CaseParty, CoachingOutcome, EqualityAnswers, FeedbackRequest, User
from portal.queries._scopes import allocated_case_ids, has_role, nothing, party_ids_of
from portal.vocab import CaseKind, Role

# A party's feedback as staff read it beside the case: everything but their own words.
FEEDBACK_ANSWER_COLUMNS: tuple[Field[Any], ...] = tuple(
    f for f in FeedbackRequest._meta.sorted_fields if f.name not in ("comment", "token_hash"))
FEEDBACK_QUESTIONS = ("satisfaction", "helped", "situation")
EQUALITY_QUESTIONS = ("age_band", "gender", "ethnicity", "disability", "first_language")


def _on_case_for_staff(query: ModelSelect[Any], case_column: Field[Any], user: User,
                       case: Case) -> ModelSelect[Any]:
    """Rows of the case for staff on it (coordinators, its coaches now); nothing for anyone else."""
    query = query.where(case_column == case.id)
    if has_role(user, Role.COORDINATOR):
        return query
    if has_role(user, Role.COACH):
        return query.where(case_column.in_(allocated_case_ids(user)))
    return query.where(False)


def feedback_visible_to(user: User, case: Case) -> ModelSelect[FeedbackRequest]:
    """The parties' feedback on the case (invited, answered, the coded answers; never the free
    text), with each party's name, for staff on the case (policy.can_view_feedback)."""
    query = (FeedbackRequest
             .select(*FEEDBACK_ANSWER_COLUMNS, CaseParty.name.alias("party_name"))
             .join(CaseParty, on=(FeedbackRequest.party == CaseParty.id))
             .order_by(FeedbackRequest.id))
    return _on_case_for_staff(query, FeedbackRequest.case, user, case)


def feedback_comments_visible_to(user: User, case: Case) -> ModelSelect[FeedbackRequest]:
    """What parties wrote in their feedback, for staff on the case alone
    (policy.can_read_feedback_comment); only answers with words in them."""
    query = (FeedbackRequest
             .select(FeedbackRequest.id, FeedbackRequest.party, FeedbackRequest.comment,
                     FeedbackRequest.answered_at, CaseParty.name.alias("party_name"))
             .join(CaseParty, on=(FeedbackRequest.party == CaseParty.id))
             .where(FeedbackRequest.answered_at.is_null(False), FeedbackRequest.comment != "")
             .order_by(FeedbackRequest.id))
    return _on_case_for_staff(query, FeedbackRequest.case, user, case)


def own_feedback_requests(user: User) -> ModelSelect[FeedbackRequest]:
    """This party's own feedback invitations, answered or not; never the link's hash nor (even
    their own) free text, which only staff read back."""
    if not has_role(user, Role.PARTY):
        return nothing(FeedbackRequest)
    return own_feedback_requests_of(party_ids_of(user))


def own_feedback_requests_of(parties: ModelSelect[CaseParty]) -> ModelSelect[FeedbackRequest]:
    """`own_feedback_requests` for the party records `parties` (a select of their ids)."""
    return (FeedbackRequest
            .select(FeedbackRequest.id, FeedbackRequest.case, FeedbackRequest.party, FeedbackRequest.created_at,
                    FeedbackRequest.expires_at, FeedbackRequest.answered_at)
            .where(FeedbackRequest.party.in_(parties))
            .order_by(FeedbackRequest.id))


def own_feedback_answers_of(parties: ModelSelect[CaseParty]) -> ModelSelect[FeedbackRequest]:
    """The feedback of the party records `parties`, with their coded answers and their own
    words, for their subject access export alone (it is what they said); never the link's
    hash, nor another party's feedback."""
    return (own_feedback_requests_of(parties)
            .select_extend(FeedbackRequest.satisfaction, FeedbackRequest.helped, FeedbackRequest.situation,
                           FeedbackRequest.comment, Case.reference)
            .join(Case))


def coaching_outcome_visible_to(user: User, case: Case) -> ModelSelect[CoachingOutcome]:
    """A coaching case's outcome, with who recorded it, for staff on the case
    (policy.can_view_coaching_outcome)."""
    query = (CoachingOutcome
             .select(CoachingOutcome, User.name.alias("recorded_by_name"))
             .join(User, JOIN.LEFT_OUTER, on=(CoachingOutcome.recorded_by == User.id))
             .join(Case, on=(CoachingOutcome.case == Case.id))
             .where(Case.kind == CaseKind.COACHING))
    return _on_case_for_staff(query, CoachingOutcome.case, user, case)


def equality_answers_visible_to(user: User, case: Case) -> ModelSelect[EqualityAnswers]:
    """The parties' equality monitoring answers on the case, person by person: coordinators
    only (policy.can_view_equality_answers)."""
    if not has_role(user, Role.COORDINATOR):
        return nothing(EqualityAnswers)
    return (EqualityAnswers
            .select(EqualityAnswers)
            .join(CaseParty, on=(EqualityAnswers.party == CaseParty.id))
            .where(CaseParty.case == case.id)
            .order_by(EqualityAnswers.party))


def own_equality_answers(user: User) -> ModelSelect[EqualityAnswers]:
    """This party's own equality answers, on each of their party records."""
    if not has_role(user, Role.PARTY):
        return nothing(EqualityAnswers)
    return own_equality_answers_of(party_ids_of(user))


def own_equality_answers_of(parties: ModelSelect[CaseParty]) -> ModelSelect[EqualityAnswers]:
    """`own_equality_answers` for the party records `parties` (a select of their ids)."""
    return (EqualityAnswers
            .select()
            .where(EqualityAnswers.party.in_(parties))
            .order_by(EqualityAnswers.party))


# --- the counts the reports show ---------------------------------------------------------------

@dataclass(frozen=True)
class FeedbackCounts:
    """Feedback in a date range: invitations made in it, forms answered in it, and each
    question's answers (question -> code -> count) by the date the answer was given."""
    invited: int
    answered: int
    answers: dict[str, dict[str, int]] = field(default_factory=dict)


@dataclass(frozen=True)
class CoachingOutcomeCounts:
    """Coaching cases closed in a range: how many, and their outcomes (code -> count); a closed
    case with no outcome recorded counts in `closed` only."""
    closed: int
    outcomes: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class EqualityCounts:
    """Parties on cases opened in a range: how many, how many answered any question, and each
    question's answers (question -> code -> count)."""
    parties: int
    answered: int
    answers: dict[str, dict[str, int]] = field(default_factory=dict)


def _stored(moment: datetime) -> datetime:
    """A range's bound as the database keeps times: naive UTC (an aware time converted first,
    a naive one taken to be UTC already), so both back ends compare like with like."""
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def _answers_by_question(query_for: Any, questions: tuple[str, ...], model: Any) -> dict[str, dict[str, int]]:
    """One UNION ALL of a GROUP BY per question: (question, code, count) rows, answered only."""
    parts = []
    for question in questions:
        column = getattr(model, question)
        parts.append(query_for()
                     .select(SQL(f"'{question}'").alias("question"), column.alias("code"),
                             fn.COUNT(model.id).alias("n"))
                     .where(column.is_null(False))
                     .group_by(column))
    union = parts[0]
    for part in parts[1:]:
        union = union + part  # UNION ALL
    answers: dict[str, dict[str, int]] = {question: {} for question in questions}
    for question, code, count in union.tuples():
        answers[question][code] = count
    return answers


def feedback_counts(start: datetime, end: datetime) -> FeedbackCounts:
    """Feedback invited and answered in [start, end), and each question's answers by the day
    they were given. Coded answers only: the free text is never selected."""
    start, end = _stored(start), _stored(end)
    invited = (FeedbackRequest.select()
               .where(FeedbackRequest.created_at >= start, FeedbackRequest.created_at < end).count())

    def answered_in_range() -> ModelSelect[FeedbackRequest]:
        return FeedbackRequest.select().where(FeedbackRequest.answered_at >= start,
                                              FeedbackRequest.answered_at < end)

    answered = answered_in_range().count()
    return FeedbackCounts(invited=invited, answered=answered,
                          answers=_answers_by_question(answered_in_range, FEEDBACK_QUESTIONS, FeedbackRequest))


def coaching_outcome_counts(start: datetime, end: datetime) -> CoachingOutcomeCounts:
    """Coaching cases closed in [start, end), and their recorded outcomes by goals met."""
    start, end = _stored(start), _stored(end)
    closed_cases = (Case.select(Case.id)
                    .where(Case.kind == CaseKind.COACHING, Case.closed_at >= start, Case.closed_at < end))
    outcomes = (CoachingOutcome
                .select(CoachingOutcome.goals_met, fn.COUNT(CoachingOutcome.id))
                .where(CoachingOutcome.case.in_(closed_cases))
                .group_by(CoachingOutcome.goals_met)
                .tuples())
    counted: dict[str, int] = {}
    row: tuple[str, int]
    for row in outcomes:  # type: ignore[assignment]  # .tuples() rows
        counted[row[0]] = row[1]
    return CoachingOutcomeCounts(closed=closed_cases.count(), outcomes=counted)


def equality_counts(start: datetime, end: datetime) -> EqualityCounts:
    """Equality monitoring answers of the parties on cases opened in [start, end), per question
    and answer; never per person."""
    start, end = _stored(start), _stored(end)
    parties = CaseParty.select(CaseParty.id).join(Case).where(Case.created_at >= start, Case.created_at < end)

    def answers_of_parties() -> ModelSelect[EqualityAnswers]:
        return EqualityAnswers.select().where(EqualityAnswers.party.in_(parties))

    answered = answers_of_parties().count()
    return EqualityCounts(parties=parties.count(), answered=answered,
                          answers=_answers_by_question(answers_of_parties, EQUALITY_QUESTIONS, EqualityAnswers))
