"""People: parties' records (contact details, fees) and the administrators' list of users."""

from portal import policy
from portal.models import Case, CaseParty, User
from portal.queries._scopes import (
    CASE_COLUMNS_WITHOUT_FUNDING, PARTY_COLUMNS_WITHOUT_FEE, has_role, nothing, party_items_on_case,
)


def parties_with_contact_visible_to(user, case):
    """Party records whose contact details the user may see: staff all, a party only their own.
    Fees with them only for coordinators and the party themselves."""
    query = party_items_on_case(CaseParty, CaseParty.id, user, case).order_by(CaseParty.id)
    if has_role(user, policy.COACH):
        query = query.select(*PARTY_COLUMNS_WITHOUT_FEE)
    return query


def own_party_records(user):
    """This party's own record on each of their cases (consent, fee), with the case."""
    if not has_role(user, policy.PARTY):
        return nothing(CaseParty)
    return (CaseParty
            .select(CaseParty, *CASE_COLUMNS_WITHOUT_FUNDING)
            .join(Case)
            .where(CaseParty.user == user.id)
            .order_by(Case.created_at.desc()))


def users_visible_to(user):
    """The people list of the administration pages."""
    if user is not None and policy.can_administer_users(user.actor()):
        return User.select().order_by(User.role, User.name)
    return nothing(User)
