"""Referrals: the coordinators' queue, and nobody else's."""

from __future__ import annotations

from peewee import ModelSelect

from portal.models import Referral, User
from portal.queries._scopes import has_role, nothing, rank_of
from portal.vocab import Role, Urgency


def referrals_visible_to(user: User) -> ModelSelect[Referral]:
    """Referrals are the coordinators' queue, and nobody else's."""
    if has_role(user, Role.COORDINATOR):
        return Referral.select()
    return nothing(Referral)


URGENCY_ORDER = (Urgency.URGENT, Urgency.SOON, Urgency.ROUTINE)


def referral_queue(user: User, *, status: str | None = None, dispute_type: str | None = None,
                   source: str | None = None) -> ModelSelect[Referral]:
    """The coordinators' referral queue, most urgent first and newest first within that."""
    query = referrals_visible_to(user)
    if status:
        query = query.where(Referral.status == status)
    if dispute_type:
        query = query.where(Referral.dispute_type == dispute_type)
    if source:
        query = query.where(Referral.source == source)
    return query.order_by(rank_of(Referral.urgency, URGENCY_ORDER), Referral.created_at.desc(), Referral.id.desc())
