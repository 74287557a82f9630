"""Referrals: the coordinators' queue, and nobody else's."""

from __future__ import annotations

from peewee import ModelSelect

from portal.models import Referral, User
from portal.queries._scopes import has_role, nothing
from portal.vocab import Role


def referrals_visible_to(user: User) -> ModelSelect[Referral]:
    """Referrals are the coordinators' queue, and nobody else's."""
    if has_role(user, Role.COORDINATOR):
        return Referral.select()
    return nothing(Referral)


def referral_queue(user: User, *, status: str | None = None, dispute_type: str | None = None,
                   source: str | None = None) -> ModelSelect[Referral]:
    """The coordinators' referral queue, most urgent first and newest first within that (the
    order two indexes hold: see `Referral.urgency_rank`)."""
    query = referrals_visible_to(user)
    if status:
        query = query.where(Referral.status == status)
    if dispute_type:
        query = query.where(Referral.dispute_type == dispute_type)
    if source:
        query = query.where(Referral.source == source)
    return query.order_by(Referral.urgency_rank(), Referral.created_at.desc(), Referral.id.desc())
