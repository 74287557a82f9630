"""A coaching case's outcome (a coach on it or a coordinator; on the timeline, audited) and
equality monitoring (the party's own answers, or a coordinator's with their permission; read
per person by coordinators alone), with the exact 403 and 404 for everyone else."""

from html import unescape

import pytest

from portal.models import AuditEvent, CaseEvent, CoachingOutcome, EqualityAnswers
from portal.vocab import (
    AgeBand,
    CaseEventKind,
    CaseKind,
    CaseStatus,
    ConsentState,
    Disability,
    EqualitySource,
    Ethnicity,
    GoalsMet,
    Role,
)
from tests.factories import add_party, allocate, make_case, make_user


def text(response):
    return unescape(response.get_data(as_text=True))


@pytest.fixture
def coaching(w):
    """A coaching case for Alex, coached by Priya (the shared world's coach)."""
    w.coaching = make_case(CaseKind.COACHING)
    allocate(w.coaching, w.coach)
    w.client_record = add_party(w.coaching, w.alex_user, consent_state=ConsentState.GIVEN)
    w.coaching_url = f"/cases/{w.coaching.reference}"
    return w


def test_a_coach_on_the_case_records_the_outcome_and_it_shows_on_the_case(coaching):
    w = coaching
    url = f"{w.coaching_url}/coaching-outcome"
    assert w.as_(w.coach).submit(url, {}).status_code == 422
    assert CoachingOutcome.select().count() == 0
    response = w.as_(w.coach).submit(url, {"goals_met": GoalsMet.PARTLY})
    assert response.status_code == 303
    assert CoachingOutcome.get().goals_met == GoalsMet.PARTLY
    event = CaseEvent.get(CaseEvent.kind == CaseEventKind.COACHING_OUTCOME)
    assert event.summary == "Coaching outcome recorded: goals met partly."
    assert AuditEvent.select().where(AuditEvent.event == "case.coaching_outcome_recorded").count() == 1
    page = text(w.as_(w.coach).get(w.coaching_url))
    assert "Goals met partly" in page and "Change the outcome" in page
    # A coordinator changes it after closing.
    w.coaching.status = CaseStatus.CLOSED
    w.coaching.save()
    assert w.as_(w.coordinator).submit(url, {"goals_met": GoalsMet.FULLY}).status_code == 303
    assert CoachingOutcome.get().goals_met == GoalsMet.FULLY


def test_who_may_record_a_coaching_outcome(coaching):
    w = coaching
    url = f"{w.coaching_url}/coaching-outcome"
    assert w.as_(w.other_coach).get(url).status_code == 404  # not on this case
    assert w.as_(w.outsider_coach).get(url).status_code == 404
    assert w.as_(w.bea_user).get(url).status_code == 404
    assert w.as_(w.alex_user).get(url).status_code == 403  # their case, not theirs to record
    assert w.as_(w.coach).get(url).status_code == 200
    assert w.as_(w.coordinator).get(url).status_code == 200
    # A mediation has no coaching outcome.
    assert w.as_(w.coach).get(f"{w.case_url}/coaching-outcome").status_code == 403
    assert "Coaching outcome" not in text(w.as_(w.coach).get(w.case_url))


def test_a_party_answers_for_themselves_and_may_change_their_answers(w):
    url = f"/equality/{w.alex.id}"
    alex = w.as_(w.alex_user)
    home = text(alex.get("/party"))
    assert "A few questions about you" in home
    page = alex.get(url)
    assert page.status_code == 200 and "Answering is your choice" in text(page)
    empty = alex.submit(url, {})
    assert empty.status_code == 422 and EqualityAnswers.select().count() == 0
    forged = alex.submit(url, {"age_band": "ancient"})
    assert forged.status_code == 422 and EqualityAnswers.select().count() == 0
    saved = alex.submit(url, {"age_band": AgeBand.AGE_35_44, "ethnicity": Ethnicity.PREFER_NOT_TO_SAY})
    assert saved.status_code == 303
    row = EqualityAnswers.get()
    assert (row.party_id, row.age_band, row.gender, row.ethnicity, row.source) == (
        w.alex.id, AgeBand.AGE_35_44, None, Ethnicity.PREFER_NOT_TO_SAY, EqualitySource.PARTY)
    assert "You answered our questions about you" in text(alex.get("/party"))
    assert alex.submit(url, {"disability": Disability.NO}).status_code == 303
    row = EqualityAnswers.get()
    assert (row.age_band, row.disability) == (None, Disability.NO)
    audit = AuditEvent.get(AuditEvent.event == "equality.recorded")
    assert "35" not in audit.detail and "no" not in audit.detail.replace("source", "")


def test_no_one_else_reaches_a_partys_own_equality_form(w):
    url = f"/equality/{w.alex.id}"
    for user in (w.bea_user, w.outsider_user, w.coach, w.coordinator):
        assert w.as_(user).get(url).status_code == 404, user.name


def test_a_coordinator_records_answers_only_with_the_partys_permission(w):
    url = f"{w.case_url}/parties/{w.bea.id}/equality"
    coordinator = w.as_(w.coordinator)
    refused = coordinator.submit(url, {"gender": "woman"})
    assert refused.status_code == 422 and "party agreed" in text(refused)
    assert EqualityAnswers.select().count() == 0
    assert coordinator.submit(url, {"gender": "woman", "permission": "y"}).status_code == 303
    row = EqualityAnswers.get()
    assert (row.party_id, row.gender, row.source, row.recorded_by_id) == (
        w.bea.id, "woman", EqualitySource.STAFF_WITH_PERMISSION, w.coordinator.id)


def test_only_coordinators_see_equality_answers_per_person(w):
    EqualityAnswers.create(party=w.alex, ethnicity=Ethnicity.BLACK, source=EqualitySource.PARTY)
    words = "Black, Black British, Black Welsh, Caribbean or African"
    assert words in text(w.as_(w.coordinator).get(w.case_url))
    for coach in (w.coach, w.other_coach):
        page = text(w.as_(coach).get(w.case_url))
        assert words not in page and "Equality monitoring" not in page, coach.name
    for party in (w.alex_user, w.bea_user):
        assert words not in text(w.as_(party).get("/party")), party.name
    url = f"{w.case_url}/parties/{w.alex.id}/equality"
    assert w.as_(w.coach).get(url).status_code == 403
    assert w.as_(w.outsider_coach).get(url).status_code == 404
    assert w.as_(w.alex_user).get(url).status_code == 403
    assert w.as_(w.outsider_user).get(url).status_code == 404
    inactive = make_user(Role.COORDINATOR, active=False)
    assert w.as_(inactive).get(url).status_code in (302, 303)  # signed out: to the sign-in page


def test_a_coaching_case_outcome_may_be_recorded_as_it_closes(coaching):
    w = coaching
    url = f"{w.coaching_url}/close"
    assert "were the party's goals met" in text(w.as_(w.coordinator).get(url))
    assert "were the party's goals met" not in text(w.as_(w.coordinator).get(f"{w.case_url}/close"))
    refused = w.as_(w.coordinator).submit(url, {"outcome": "resolved", "closing_note": "Done.",
                                                "goals_met": "mostly"})
    assert refused.status_code == 422 and CoachingOutcome.select().count() == 0
    response = w.as_(w.coordinator).submit(url, {"outcome": "resolved", "closing_note": "Done.",
                                                 "goals_met": GoalsMet.FULLY})
    assert response.status_code == 303
    assert CoachingOutcome.get().goals_met == GoalsMet.FULLY
    assert CaseEvent.select().where(CaseEvent.kind == CaseEventKind.COACHING_OUTCOME).count() == 1
