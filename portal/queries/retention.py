"""Data rights: whose data a user may export, the party records one person's export covers, the
staff notes and concerns naming a person (for review before release), the cases and declined
referrals retention will anonymise, and erasure requests. Coordinators only, but for a party's export of their own."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from peewee import JOIN, ModelSelect, fn

from portal import policy
from portal.models import Case, CaseParty, ErasureRequest, Note, Referral, SafeguardingConcern, User
from portal.queries._scopes import CASE_COLUMNS_WITHOUT_FUNDING, has_role, nothing
from portal.queries.notes import notes_visible_to
from portal.queries.safeguarding import concerns_visible_to
from portal.vocab import CaseStatus, ErasureState, ReferralStatus, Role


def exportable_party_records(user: User) -> ModelSelect[CaseParty]:
    """Party records whose data this user may export (policy.can_export_party_data):
    coordinators every one, a party their own, anyone else none."""
    query = CaseParty.select(CaseParty, *CASE_COLUMNS_WITHOUT_FUNDING).join(Case)
    if has_role(user, Role.COORDINATOR):
        return query.order_by(CaseParty.id)
    if has_role(user, Role.PARTY):
        return query.where(CaseParty.user == user.id).order_by(CaseParty.id)
    return nothing(CaseParty)


def subject_parties(party: CaseParty) -> ModelSelect[CaseParty]:
    """The party records one person's export covers, as a select of their ids: every record of
    their account, on any case, or this record alone for a party without an account. Ask
    `exportable_party_records` first: this says whose, not who may."""
    if party.user_id is not None:
        return CaseParty.select(CaseParty.id).where(CaseParty.user == party.user_id)
    return CaseParty.select(CaseParty.id).where(CaseParty.id == party.id)


def _names_the_party(text: Any, party: CaseParty) -> Any:
    """`text` holds the party's full name (any case): how a person is matched in staff words."""
    return fn.LOWER(text).contains(party.name.strip().lower())


def staff_notes_naming(user: User, party: CaseParty) -> ModelSelect[Note]:
    """Notes on the party's case that this user may read (`notes_visible_to`, so never another
    coach's private note) and that name the party: their full name in the text, or their words
    (the party is the note's source). For a person to review before anything is released."""
    if not policy.can_review_staff_mentions(user.actor()):
        return nothing(Note)
    return (notes_visible_to(user, party.case)
            .where(_names_the_party(Note.body, party) | (Note.source_party == party.id)))


def concerns_naming(user: User, party: CaseParty) -> ModelSelect[SafeguardingConcern]:
    """Concerns on the party's case that this user may see and that are about the party or
    name them (full name in what was seen or said, or as the other person)."""
    if not policy.can_review_staff_mentions(user.actor()):
        return nothing(SafeguardingConcern)
    named = (_names_the_party(SafeguardingConcern.description, party)
             | _names_the_party(SafeguardingConcern.about_other_person, party)
             | (SafeguardingConcern.about_party == party.id))
    return (concerns_visible_to(user, party.case)
            .where(named)
            .order_by(SafeguardingConcern.created_at, SafeguardingConcern.id))


def ever_had_concern() -> Any:
    """A column: the case has (or had: concerns are never deleted) a safeguarding concern."""
    return fn.EXISTS(SafeguardingConcern.select(SafeguardingConcern.id)
                     .where(SafeguardingConcern.case == Case.id))


def unresolved_concern() -> Any:
    """A column: the case has a concern not yet resolved (which holds it)."""
    return fn.EXISTS(SafeguardingConcern.select(SafeguardingConcern.id)
                     .where(SafeguardingConcern.case == Case.id,
                            SafeguardingConcern.state.in_(policy.UNRESOLVED_CONCERN_STATES)))


def cases_past_retention(by: datetime, days: int, safeguarding_days: int) -> ModelSelect[Case]:
    """Closed cases not yet anonymised whose retention has ended by `by` and that are not held
    (no legal hold set, no unresolved concern), oldest closed first: what retention anonymises.
    Not for a page: `cases_due_for_anonymising` is the coordinators' view of it."""
    had = ever_had_concern()
    ended = (((~had) & (Case.closed_at <= by - timedelta(days=days)))
             | (had & (Case.closed_at <= by - timedelta(days=safeguarding_days))))
    return (Case
            .select(*CASE_COLUMNS_WITHOUT_FUNDING)
            .where(Case.status == CaseStatus.CLOSED, Case.closed_at.is_null(False),
                   Case.anonymised_at.is_null(), Case.legal_hold_reason.is_null(),
                   ~unresolved_concern(), ended)
            .order_by(Case.closed_at, Case.id))


def cases_due_for_anonymising(user: User, by: datetime, days: int,
                              safeguarding_days: int) -> ModelSelect[Case]:
    """The coordinators' list: cases retention will anonymise by `by` (the next 30 days), with
    `ever_had_concern`, oldest closed first. Nobody else's."""
    if not policy.can_manage_retention(user.actor()):
        return nothing(Case)
    return (cases_past_retention(by, days, safeguarding_days)
            .select_extend(ever_had_concern().alias("ever_had_concern")))


def told_of_safety_worry() -> Any:
    """A column: the referral's referrer told of a worry about someone's safety."""
    return Referral.safety_worry != ""


def referrals_past_retention(by: datetime, days: int, safeguarding_days: int) -> ModelSelect[Referral]:
    """Declined referrals, never a case, not yet anonymised, whose retention has ended by `by`:
    `days` after they were declined, or `safeguarding_days` if the referrer told of a worry
    about someone's safety (kept as long as a case with a concern). Oldest declined first; ids,
    references and dates only. A referral that became a case goes with its case."""
    worry = told_of_safety_worry()
    ended = (((~worry) & (Referral.triaged_at <= by - timedelta(days=days)))
             | (worry & (Referral.triaged_at <= by - timedelta(days=safeguarding_days))))
    became_a_case = fn.EXISTS(Case.select(Case.id).where(Case.referral == Referral.id))
    return (Referral
            .select(Referral.id, Referral.reference, Referral.triaged_at)
            .where(Referral.status == ReferralStatus.DECLINED, Referral.triaged_at.is_null(False),
                   Referral.anonymised_at.is_null(), ~became_a_case, ended)
            .order_by(Referral.triaged_at, Referral.id))


def referrals_due_for_anonymising(user: User, by: datetime, days: int,
                                  safeguarding_days: int) -> ModelSelect[Referral]:
    """The coordinators' list of the declined referrals retention will anonymise by `by`, with
    `told_of_safety_worry` (as a yes or no, never the words). Nobody else's."""
    if not policy.can_manage_retention(user.actor()):
        return nothing(Referral)
    return (referrals_past_retention(by, days, safeguarding_days)
            .select_extend(told_of_safety_worry().alias("told_of_safety_worry")))


def erasure_requests_visible_to(user: User) -> ModelSelect[ErasureRequest]:
    """Erasure requests, those not yet carried out first, newest first, with the party's name
    and case reference: coordinators only."""
    if not policy.can_manage_retention(user.actor()):
        return nothing(ErasureRequest)
    return (ErasureRequest
            .select(ErasureRequest, CaseParty.id, CaseParty.name, CaseParty.case, Case.id, Case.reference,
                    Case.status, Case.anonymised_at)
            .join(CaseParty)
            .join(Case, JOIN.INNER)
            .order_by(ErasureRequest.state == ErasureState.CARRIED_OUT, ErasureRequest.created_at.desc(),
                      ErasureRequest.id.desc()))


def subject_account(party: CaseParty) -> ModelSelect[User]:
    """The portal account of the person a party record is (none for a party without one), for
    their export. Ask `exportable_party_records` first: this says whose, not who may."""
    if party.user_id is None:
        return nothing(User)
    return User.select().where(User.id == party.user_id, User.role == Role.PARTY)
