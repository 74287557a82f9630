"""The queries the case, note and agreement pages used to run themselves, now in `queries`: each
returns exactly what the policy allows, for every kind of user."""

from datetime import date

import pytest

from portal import policy, queries
from portal.models import ConsentEvent
from portal.vocab import AgreementState, Audience, ConsentState, Role
from tests.factories import add_party, allocate, make_agreement, make_case, make_concern, make_note, make_user


@pytest.fixture
def people(app):
    """A case with two parties; staff on it, off it and no longer on it; a party elsewhere."""
    case, other_case = make_case(), make_case()
    coach, former_coach = make_user(Role.COACH), make_user(Role.COACH)
    allocate(case, coach)
    allocate(case, former_coach, ended=True)
    allocate(other_case, make_user(Role.COACH))
    alex_user, bea_user, carl_user = (make_user(Role.PARTY) for _ in range(3))
    alex, bea = add_party(case, alex_user), add_party(case, bea_user)
    carl = add_party(other_case, carl_user)
    gone = make_user(Role.COORDINATOR)
    gone.active = False
    gone.save()
    users = {
        "coordinator": make_user(Role.COORDINATOR),
        "lead": make_user(Role.COORDINATOR, is_safeguarding_lead=True),
        "coach": coach, "former coach": former_coach, "other coach": make_user(Role.COACH),
        "alex": alex_user, "bea": bea_user, "carl": carl_user, "deactivated": gone, "nobody": None,
    }
    return case, other_case, (alex, bea, carl), users


def actor_of(user):
    return user.actor() if user is not None else None


def test_consent_history_is_given_for_the_party_records_whose_details_the_user_may_see(people):
    case, other_case, parties, users = people
    for party in parties:
        for state in (ConsentState.GIVEN, ConsentState.WITHDRAWN):
            ConsentEvent.create(party=party, state=state, occurred_on=date(2026, 11, 2),
                                reason=f"Reason of {party.name}")
    facts = queries.case_facts(case)
    for who, user in users.items():
        expected = {(p.id, state) for p in parties
                    for state in (ConsentState.GIVEN, ConsentState.WITHDRAWN)
                    if user is not None
                    and policy.can_view_party_contact(actor_of(user), facts, p.id)}
        got = {(e.party_id, e.state) for e in queries.consent_history_visible_to(user, case)}
        assert got == expected, who
    alex = parties[0]
    alex_sees = {(e.party_id, e.state)
                 for e in queries.consent_history_visible_to(users["alex"], case)}
    assert alex_sees == {(alex.id, ConsentState.GIVEN), (alex.id, ConsentState.WITHDRAWN)}


def test_note_authors_are_named_for_notes_the_user_may_read_or_open_under_the_override(people):
    case, other_case, (alex, bea, carl), users = people
    writers = {audience: make_user(Role.COACH) for audience in Audience}
    for writer in writers.values():
        allocate(case, writer)
    notes = [make_note(case, writer, audience,
                       shares=[alex] if audience == Audience.PARTIES else None)
             for audience, writer in writers.items()]
    elsewhere = make_note(other_case, make_user(Role.COACH), Audience.STAFF)
    make_concern(case, users["coach"])
    facts = queries.case_facts(case)
    for who, user in users.items():
        expected = {n.author_id for n in notes if user is not None and (
            policy.can_read_note(actor_of(user), facts, n.facts())
            or policy.can_override_note(actor_of(user), facts, n.facts()))}
        got = {u.id for u in queries.note_authors_visible_to(user, case)}
        assert got == expected, who
        assert elsewhere.author_id not in got
    # The safeguarding lead is told who wrote the private note only because of the concern.
    def named_for(who):
        return {u.id for u in queries.note_authors_visible_to(users[who], case)}
    assert writers[Audience.PRIVATE].id in named_for("lead")
    assert writers[Audience.PRIVATE].id not in named_for("coordinator")
    # Names only: nothing else of an author's account is loaded.
    loaded = {frozenset(u.__data__)
              for u in queries.note_authors_visible_to(users["coordinator"], case)}
    assert loaded == {frozenset({"id", "name"})}


def test_the_versions_either_side_of_an_agreement_follow_who_may_see_each(people):
    case, other_case, parties, users = people
    final = make_agreement(case, users["coach"], state=AgreementState.FINAL)
    draft = make_agreement(case, users["coach"], previous=final)
    facts = queries.case_facts(case)
    for who, user in users.items():
        def sees(agreement, user=user):
            return user is not None and policy.can_view_agreement(
                actor_of(user), facts, policy.AgreementFacts(
                    agreement_id=agreement.id, case_id=case.id, state=agreement.state))
        newer = queries.newer_version_visible_to(user, case, final).first()
        previous = queries.previous_version_visible_to(user, case, draft).first()
        assert (newer.id if newer else None) == (draft.id if sees(draft) else None), who
        assert (previous.id if previous else None) == (final.id if sees(final) else None), who
        assert queries.previous_version_visible_to(user, case, final).first() is None, who
    # The parties see the final version, never the draft made from it.
    assert queries.newer_version_visible_to(users["alex"], case, final).first() is None
    assert queries.previous_version_visible_to(users["coach"], case, draft).first().id == final.id
