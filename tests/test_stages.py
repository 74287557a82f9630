"""A case's stage: the rules of `portal.stages.case_stage` on hand-picked facts, and, on
generated cases, the SQL twin (`queries.case_stage_sql`, the list's filter and column) giving
exactly what the function gives on the same case's facts."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal import queries
from portal.db import database
from portal.models import Case
from portal.stages import StageFacts, case_stage
from portal.vocab import AgreementState, CaseStatus, ConsentState, Role, SessionStatus, Stage
from tests import dbutil
from tests.conftest import enter_as
from tests.factories import add_party, allocate, make_agreement, make_case, make_session, make_user

GIVEN, PENDING = ConsentState.GIVEN, ConsentState.PENDING


def facts(closed=False, consent=(GIVEN,), coach=True, sessions=(), agreements=()):
    return StageFacts.of(closed=closed, consent_states=consent, has_current_coach=coach,
                         session_states=sessions, agreement_states=agreements)


@pytest.mark.parametrize("given_facts, stage", [
    (facts(closed=True, agreements=(AgreementState.PROPOSED,)), Stage.CLOSED),
    (facts(consent=(PENDING,), coach=False, agreements=(AgreementState.FINAL, AgreementState.PROPOSED)),
     Stage.AGREEMENT_PROPOSED),
    (facts(consent=(ConsentState.WITHDRAWN,), agreements=(AgreementState.FINAL, AgreementState.DRAFT)),
     Stage.AGREEMENT_FINAL),
    (facts(consent=(GIVEN, PENDING), agreements=(AgreementState.DRAFT, AgreementState.SUPERSEDED)),
     Stage.WAITING_FOR_CONSENT),
    (facts(consent=()), Stage.WAITING_FOR_CONSENT),
    (facts(consent=(GIVEN, ConsentState.DECLINED)), Stage.WAITING_FOR_CONSENT),
    (facts(coach=False, sessions=(SessionStatus.HELD,)), Stage.WAITING_FOR_COACH),
    (facts(sessions=(SessionStatus.CANCELLED, SessionStatus.SCHEDULED)), Stage.IN_PROGRESS),
    (facts(sessions=(SessionStatus.DID_NOT_ATTEND,)), Stage.IN_PROGRESS),
    (facts(sessions=(SessionStatus.CANCELLED,)), Stage.READY_TO_BOOK),
    (facts(consent=(GIVEN, GIVEN)), Stage.READY_TO_BOOK),
])
def test_the_rules_first_match_wins(given_facts, stage):
    assert case_stage(given_facts) == stage


case_specs = st.fixed_dictionaries({
    "closed": st.booleans(),
    "consent": st.lists(st.sampled_from(ConsentState), max_size=3),
    "allocations": st.lists(st.booleans(), max_size=2),  # ended?
    "sessions": st.lists(st.sampled_from(SessionStatus), max_size=3),
    "agreements": st.lists(st.sampled_from(AgreementState), max_size=3),
})


@settings(max_examples=40, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(specs=st.lists(case_specs, min_size=1, max_size=8))
def test_the_sql_stage_is_the_function_s_stage(app, specs):
    dbutil.wipe()
    with database.atomic():
        coach = make_user(Role.COACH, password=None)
        expected = {}
        for spec in specs:
            case = make_case(status=CaseStatus.CLOSED if spec["closed"] else CaseStatus.OPEN)
            for state in spec["consent"]:
                add_party(case, consent_state=state)
            for ended in spec["allocations"]:
                allocate(case, coach, ended=ended)
            for status in spec["sessions"]:
                make_session(case, status=status)
            for state in spec["agreements"]:
                make_agreement(case, coach, state=state)
            expected[case.id] = case_stage(StageFacts.of(
                closed=spec["closed"], consent_states=spec["consent"],
                has_current_coach=not all(spec["allocations"]) if spec["allocations"] else False,
                session_states=spec["sessions"], agreement_states=spec["agreements"]))
    rows = Case.select(Case.id, queries.case_stage_sql().alias("stage")).tuples()
    assert dict(rows) == expected
    # and the list's stage filter picks out exactly those cases
    staff = make_user(Role.COORDINATOR, password=None)
    for stage in Stage:
        found = {c.id for c in queries.case_list(staff, queries.CaseListFilters(status="all", stage=stage))}
        assert found == {i for i, s in expected.items() if s == stage}, stage


def _shown_stage(client, case):
    page = client.get(f"/cases/{case.reference}").get_data(as_text=True)
    return page.split("<dt>Stage</dt>", 1)[1].split("</dd>", 1)[0].removeprefix("\n").strip().removeprefix("<dd>")


def test_the_case_page_header_shows_the_stage_the_rules_give(app, client):
    coach = make_user(Role.COACH)
    case = make_case()
    allocate(case, coach)
    party = add_party(case, make_user(Role.PARTY))
    enter_as(client, coach)
    assert _shown_stage(client, case) == "Waiting for consent"
    party.consent_state = ConsentState.GIVEN
    party.save()
    assert _shown_stage(client, case) == "Ready to book"
    make_session(case, parties=[party], coaches=[coach])
    assert _shown_stage(client, case) == "In progress"
    make_agreement(case, coach, state=AgreementState.PROPOSED)
    assert _shown_stage(client, case) == "Agreement proposed"
