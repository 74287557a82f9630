"""The reports' counts of feedback, coaching outcomes and equality monitoring, checked against a
small service counted by hand: each count by its own date, start inclusive, end exclusive, and
nothing outside the range."""

from datetime import UTC, datetime

from portal import queries
from portal.models import CoachingOutcome, EqualityAnswers, FeedbackRequest
from portal.vocab import (
    AgeBand,
    CaseKind,
    CaseStatus,
    Disability,
    EqualitySource,
    Ethnicity,
    FeedbackHelped,
    FeedbackSituation,
    GoalsMet,
    Satisfaction,
)
from tests.factories import add_party, make_case

START, END = datetime(2026, 4, 1, tzinfo=UTC), datetime(2026, 7, 1, tzinfo=UTC)
BEFORE, INSIDE, LAST_MOMENT = datetime(2026, 3, 31, 23, 59), datetime(2026, 5, 10, 9), datetime(2026, 6, 30, 23, 59)
AT_START, AT_END = datetime(2026, 4, 1, 0, 0), datetime(2026, 7, 1, 0, 0)
_tokens = iter(range(1000))


def _feedback(party, created, answered=None, **answers):
    return FeedbackRequest.create(case=party.case_id, party=party, token_hash=f"h{next(_tokens)}",
                                  created_at=created, expires_at=datetime(2027, 1, 1), answered_at=answered,
                                  **answers)


def test_feedback_is_counted_by_the_day_each_answer_was_given(app):
    case = make_case(status=CaseStatus.CLOSED)
    p = [add_party(case, name=f"P{i}") for i in range(6)]
    # Invited: p0 before the range, p1..p4 inside (p1 at its first moment), p5 at its end (out).
    _feedback(p[0], BEFORE, INSIDE, satisfaction=Satisfaction.SATISFIED, helped=FeedbackHelped.YES,
              comment="MARKER-free-text")
    _feedback(p[1], AT_START, LAST_MOMENT, satisfaction=Satisfaction.SATISFIED, situation=FeedbackSituation.BETTER)
    _feedback(p[2], INSIDE, INSIDE, satisfaction=Satisfaction.PREFER_NOT_TO_SAY, helped=FeedbackHelped.PARTLY)
    _feedback(p[3], INSIDE, AT_END, satisfaction=Satisfaction.VERY_DISSATISFIED)  # answered after: out
    _feedback(p[4], INSIDE)  # invited, not answered
    _feedback(p[5], AT_END)

    counts = queries.feedback_counts(START, END)

    assert counts.invited == 4
    assert counts.answered == 3
    assert counts.answers == {
        "satisfaction": {Satisfaction.SATISFIED: 2, Satisfaction.PREFER_NOT_TO_SAY: 1},
        "helped": {FeedbackHelped.YES: 1, FeedbackHelped.PARTLY: 1},
        "situation": {FeedbackSituation.BETTER: 1},
    }
    assert "MARKER" not in repr(counts)


def test_coaching_outcomes_are_counted_by_the_case_closing_date(app):
    def coaching(closed_at, goals=None, kind=CaseKind.COACHING):
        case = make_case(kind, status=CaseStatus.CLOSED, closed_at=closed_at)
        if goals:
            CoachingOutcome.create(case=case, goals_met=goals)
        return case

    coaching(AT_START, GoalsMet.FULLY)
    coaching(INSIDE, GoalsMet.FULLY)
    coaching(LAST_MOMENT, GoalsMet.NOT_MET)
    coaching(INSIDE)  # closed in the range, no outcome recorded
    coaching(BEFORE, GoalsMet.PARTLY)
    coaching(AT_END, GoalsMet.PARTLY)
    make_case(CaseKind.COACHING, closed_at=None)  # still open

    counts = queries.coaching_outcome_counts(START, END)

    assert counts.closed == 4
    assert counts.outcomes == {GoalsMet.FULLY: 2, GoalsMet.NOT_MET: 1}


def test_equality_answers_are_counted_for_parties_on_cases_opened_in_the_range(app):
    inside, before = make_case(created_at=INSIDE), make_case(created_at=BEFORE)
    first, second, quiet = (add_party(inside, name=n) for n in ("A", "B", "C"))
    outside = add_party(before, name="D")
    EqualityAnswers.create(party=first, age_band=AgeBand.AGE_25_34, ethnicity=Ethnicity.WHITE,
                           disability=Disability.PREFER_NOT_TO_SAY, source=EqualitySource.PARTY)
    EqualityAnswers.create(party=second, age_band=AgeBand.AGE_25_34, ethnicity=Ethnicity.ASIAN,
                           source=EqualitySource.STAFF_WITH_PERMISSION)
    EqualityAnswers.create(party=outside, age_band=AgeBand.AGE_75_PLUS, source=EqualitySource.PARTY)

    counts = queries.equality_counts(START, END)

    assert counts.parties == 3
    assert counts.answered == 2
    assert counts.answers == {
        "age_band": {AgeBand.AGE_25_34: 2},
        "gender": {},
        "ethnicity": {Ethnicity.WHITE: 1, Ethnicity.ASIAN: 1},
        "disability": {Disability.PREFER_NOT_TO_SAY: 1},
        "first_language": {},
    }
    assert quiet.id not in (first.id, second.id)
