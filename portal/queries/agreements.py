"""Agreements: drafts for staff only, parties once proposed; acceptances, change requests and
the coordinators' and coaches' review list."""

from __future__ import annotations

from collections.abc import Iterable

from peewee import ModelSelect

from portal import policy
from portal.models import Agreement, AgreementAcceptance, AgreementChangeRequest, Case, CaseParty, User
from portal.queries._scopes import (
    CASE_COLUMNS_WITHOUT_FUNDING,
    PARTY_NAME_COLUMNS,
    allocated_case_ids,
    case_columns_for,
    has_role,
    is_staff,
    nothing,
    party_ids_of,
)
from portal.vocab import AgreementState, Role


def agreements_visible_to(user: User, case: Case) -> ModelSelect[Agreement]:
    """Agreements on the case: drafts for staff only, parties once proposed."""
    query = Agreement.select().where(Agreement.case == case.id)
    if has_role(user, Role.COORDINATOR):
        return query
    if has_role(user, Role.COACH):
        return query.where(Agreement.case.in_(allocated_case_ids(user)))
    if has_role(user, Role.PARTY):
        return query.where(
            Agreement.state.in_(policy.PARTY_VISIBLE_AGREEMENT_STATES),
            Agreement.case.in_(CaseParty.select(CaseParty.case).where(CaseParty.user == user.id)))
    return nothing(Agreement)


def agreement_versions_visible_to(user: User, case: Case) -> ModelSelect[Agreement]:
    """The agreements on the case this user may see, each lineage's versions newest first."""
    return agreements_visible_to(user, case).order_by(Agreement.created_at.desc(),
                                                      Agreement.id.desc())


def previous_version_visible_to(user: User, case: Case, agreement: Agreement) -> ModelSelect[Agreement]:
    """The version `agreement` was made from, if the user may see it (one row or none)."""
    return agreements_visible_to(user, case).where(Agreement.id == agreement.previous_id)


def newer_version_visible_to(user: User, case: Case, agreement: Agreement) -> ModelSelect[Agreement]:
    """The version made from `agreement`, if the user may see it (one row or none)."""
    return agreements_visible_to(user, case).where(Agreement.previous == agreement.id)


def party_agreements(user: User) -> ModelSelect[Agreement]:
    """Agreements proposed to this party on any of their cases (drafts never), newest first."""
    if not has_role(user, Role.PARTY):
        return nothing(Agreement)
    return party_agreements_of(party_ids_of(user))


def party_agreements_of(parties: ModelSelect[CaseParty]) -> ModelSelect[Agreement]:
    """`party_agreements` for the party records `parties` (a select of their ids)."""
    return (Agreement
            .select(Agreement, *CASE_COLUMNS_WITHOUT_FUNDING)
            .join(Case)
            .where(Agreement.state.in_(policy.PARTY_VISIBLE_AGREEMENT_STATES),
                   Agreement.case.in_(CaseParty.select(CaseParty.case)
                                      .where(CaseParty.id.in_(parties))))
            .order_by(Agreement.proposed_at.desc(), Agreement.id.desc()))


def agreement_acceptances(agreement: Agreement) -> ModelSelect[AgreementAcceptance]:
    """Who accepted this exact version, and how: shown to everyone who may see the agreement
    (the PDF carries the same)."""
    return (AgreementAcceptance
            .select(AgreementAcceptance, *PARTY_NAME_COLUMNS)
            .join(CaseParty)
            .where(AgreementAcceptance.agreement == agreement.id,
                   AgreementAcceptance.version == agreement.version)
            .order_by(AgreementAcceptance.accepted_at, AgreementAcceptance.id))


def agreement_acceptances_of(agreements: Iterable[Agreement]) -> ModelSelect[AgreementAcceptance]:
    """`agreement_acceptances` of many agreements (each of its own version) in one query, by
    agreement: for a list of agreements the user may already see."""
    return (AgreementAcceptance
            .select(AgreementAcceptance, *PARTY_NAME_COLUMNS)
            .join(CaseParty)
            .switch(AgreementAcceptance)
            .join(Agreement)
            .where(AgreementAcceptance.agreement.in_([a.id for a in agreements]),
                   AgreementAcceptance.version == Agreement.version)
            .order_by(AgreementAcceptance.agreement, AgreementAcceptance.accepted_at,
                      AgreementAcceptance.id))


def agreement_change_requests_visible_to(user: User,
                                         agreement: Agreement) -> ModelSelect[AgreementChangeRequest]:
    """What parties asked to change: their own words, so staff on the case see every request
    and a party only their own."""
    visible = (agreements_visible_to(user, agreement.case)
               .where(Agreement.id == agreement.id).select(Agreement.id))
    query = (AgreementChangeRequest
             .select(AgreementChangeRequest, CaseParty)
             .join(CaseParty)
             .where(AgreementChangeRequest.agreement.in_(visible))
             .order_by(AgreementChangeRequest.created_at, AgreementChangeRequest.id))
    if is_staff(user):
        return query
    if has_role(user, Role.PARTY):
        return query.where(AgreementChangeRequest.party.in_(party_ids_of(user)))
    return nothing(AgreementChangeRequest)


def agreement_reviews(user: User) -> ModelSelect[Agreement]:
    """Final agreements with a review date whose review is not yet recorded, soonest first: the
    follow-up list for coordinators (every case) and coaches (their cases). Closed cases too: an
    agreement's terms run on after the case closes, until the review."""
    query = (Agreement
             .select(Agreement, *case_columns_for(user))
             .join(Case)
             .where(Agreement.state == AgreementState.FINAL, Agreement.review_on.is_null(False),
                    Agreement.reviewed_on.is_null())
             .order_by(Agreement.review_on, Agreement.id))
    if has_role(user, Role.COORDINATOR):
        return query
    if has_role(user, Role.COACH):
        return query.where(Agreement.case.in_(allocated_case_ids(user)))
    return nothing(Agreement)
