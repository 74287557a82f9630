"""The scopes several areas' queries share: who holds a role, which cases a coach is on, which
party records are the user's, the columns some users are not given, and the 404 for a row not
visible. Private to `portal.queries`: views load through the area modules' queries."""

from __future__ import annotations

from typing import Any, TypeVar

from flask import abort
from peewee import Field, Model, ModelSelect

from portal.models import ActionPoint, Case, CaseParty, CoachAllocation, Goal, User
from portal.vocab import Role

M = TypeVar("M", bound=Model)
# The models whose rows belong to one party on a case (each has `case` and a party column).
PartyItem = TypeVar("PartyItem", ActionPoint, Goal, CaseParty)


def nothing(model: type[M]) -> ModelSelect[M]:
    """An empty query of `model` (the answer for anyone who may see none of it)."""
    return model.select().where(False)


def has_role(user: User | None, role: str) -> bool:
    """An active user in `role` (a deactivated user holds no role at all)."""
    return user is not None and user.active and user.role == role


def is_staff(user: User | None) -> bool:
    """An active coordinator or coach."""
    return has_role(user, Role.COORDINATOR) or has_role(user, Role.COACH)


def allocated_case_ids(user: User) -> ModelSelect[CoachAllocation]:
    """Ids of the cases this coach is allocated to now."""
    return (CoachAllocation
            .select(CoachAllocation.case)
            .where(CoachAllocation.coach == user.id, CoachAllocation.ended_at.is_null()))


def party_ids_of(user: User, case: Case | None = None) -> ModelSelect[CaseParty]:
    """The user's party records; on one case only, when a case is given. Per-case queries pass
    the case, so that a row pointing at the same person's record on another case never counts."""
    query = CaseParty.select(CaseParty.id).where(CaseParty.user == user.id)
    return query.where(CaseParty.case == case.id) if case is not None else query


# Columns some users are not given, so that no template can show them (STYLE.md: confidential data
# is never fetched for a user who may not see it):
# - a case's funding scheme is for coordinators (policy.can_view_funding);
# - a party's fee is for coordinators and that party (policy.can_view_own_fee);
# - a party's contact details are for that party and staff on the case
#   (policy.can_view_party_contact): where a party appears beside something else (a share of
#   another party's words, an acceptance), only who they are is loaded.
CASE_COLUMNS_WITHOUT_FUNDING: tuple[Field[Any], ...] = tuple(
    f for f in Case._meta.sorted_fields if f is not Case.funding_scheme)
PARTY_COLUMNS_WITHOUT_FEE: tuple[Field[Any], ...] = tuple(
    f for f in CaseParty._meta.sorted_fields if f.name not in ("fee_pence", "fee_paid"))
PARTY_NAME_COLUMNS = (CaseParty.id, CaseParty.case, CaseParty.user, CaseParty.name)


def case_columns_for(user: User) -> tuple[type[Case] | Field[Any], ...]:
    """A case's columns for this user: the funding scheme only for coordinators."""
    return (Case,) if has_role(user, Role.COORDINATOR) else CASE_COLUMNS_WITHOUT_FUNDING


def get_or_404(query: ModelSelect[M]) -> M:
    """The one row of an already-scoped query, or 404: not visible means not found."""
    row: M | None = query.first()
    if row is None:
        abort(404)
    return row


def party_items_on_case(model: type[PartyItem], party_column: Field[Any], user: User,
                        case: Case) -> ModelSelect[PartyItem]:
    """Rows of `model` on the case that belong to one party: staff see all, a party their own."""
    query = model.select().where(model.case == case.id)
    if has_role(user, Role.COORDINATOR):
        return query
    if has_role(user, Role.COACH):
        return query.where(model.case.in_(allocated_case_ids(user)))
    if has_role(user, Role.PARTY):
        return query.where(party_column.in_(party_ids_of(user, case)))
    return nothing(model)

