"""People: parties' records (contact details, fees) and the administrators' list of users."""

from __future__ import annotations

from peewee import ModelSelect

from portal import policy
from portal.models import Case, CaseParty, ConsentEvent, User
from portal.queries._scopes import (
    CASE_COLUMNS_WITHOUT_FUNDING,
    PARTY_COLUMNS_WITHOUT_FEE,
    has_role,
    nothing,
    party_ids_of,
    party_items_on_case,
)
from portal.vocab import Role


def parties_with_contact_visible_to(user: User, case: Case) -> ModelSelect[CaseParty]:
    """Party records whose contact details the user may see: staff all, a party only their own.
    Fees with them only for coordinators and the party themselves."""
    query = party_items_on_case(CaseParty, CaseParty.id, user, case).order_by(CaseParty.id)
    if has_role(user, Role.COACH):
        query = query.select(*PARTY_COLUMNS_WITHOUT_FEE)
    return query


def consent_history_visible_to(user: User, case: Case) -> ModelSelect[ConsentEvent]:
    """Each party's answers about taking part, oldest first, on the party records of `case` the
    user may see (parties_with_contact_visible_to): staff all, a party only their own."""
    records = parties_with_contact_visible_to(user, case).select(CaseParty.id).order_by()
    return (ConsentEvent
            .select()
            .where(ConsentEvent.party.in_(records))
            .order_by(ConsentEvent.created_at, ConsentEvent.id))


def own_party_records(user: User) -> ModelSelect[CaseParty]:
    """This party's own record on each of their cases (consent, fee), with the case."""
    if not has_role(user, Role.PARTY):
        return nothing(CaseParty)
    return own_party_records_of(party_ids_of(user))


def own_party_records_of(parties: ModelSelect[CaseParty]) -> ModelSelect[CaseParty]:
    """`own_party_records` for the party records `parties` (a select of their ids)."""
    return (CaseParty
            .select(CaseParty, *CASE_COLUMNS_WITHOUT_FUNDING)
            .join(Case)
            .where(CaseParty.id.in_(parties))
            .order_by(Case.created_at.desc(), CaseParty.id))


def consent_history_of(parties: ModelSelect[CaseParty]) -> ModelSelect[ConsentEvent]:
    """The answers about taking part of the party records `parties` (a select of their ids),
    oldest first: what `consent_history_visible_to` gives a party on each of their cases."""
    return (ConsentEvent
            .select()
            .where(ConsentEvent.party.in_(parties))
            .order_by(ConsentEvent.created_at, ConsentEvent.id))


def users_visible_to(user: User | None) -> ModelSelect[User]:
    """The people list of the administration pages."""
    if user is not None and policy.can_administer_users(user.actor()):
        return User.select().order_by(User.role, User.name)
    return nothing(User)
