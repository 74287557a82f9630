"""Action points and goals: set for one party on a case; staff on the case see all of them, a
party only their own."""

from __future__ import annotations

from typing import Any, TypeVar

from peewee import SQL, ModelSelect, fn

from portal.models import ActionPoint, Agreement, AgreementTerm, Case, CaseParty, Goal, User
from portal.queries._scopes import CASE_COLUMNS_WITHOUT_FUNDING, has_role, nothing, party_ids_of, party_items_on_case
from portal.vocab import AgreementState, Role

# The models whose rows a party has on any of their cases (each has `case` and `party`).
OwnItem = TypeVar("OwnItem", ActionPoint, Goal)


def action_points_visible_to(user: User, case: Case) -> ModelSelect[ActionPoint]:
    """Action points on the case, open ones first: a party sees only their own."""
    return (party_items_on_case(ActionPoint, ActionPoint.party, user, case)
            .order_by(ActionPoint.done_at.is_null(False), ActionPoint.due_on.asc(nulls="LAST"),
                      ActionPoint.id))


def goals_visible_to(user: User, case: Case) -> ModelSelect[Goal]:
    """Goals and desired outcomes on the case: a party sees only their own."""
    return party_items_on_case(Goal, Goal.party, user, case).order_by(Goal.id)


def _own_party_rows(model: type[OwnItem], parties: ModelSelect[CaseParty]) -> ModelSelect[OwnItem]:
    """Rows of `model` (with their case) whose party is the user's own record on the row's own
    case: a row pointing at the same person's record on another case never counts."""
    return (model
            .select(model, *CASE_COLUMNS_WITHOUT_FUNDING)
            .join(Case)
            .switch(model)
            .join(CaseParty, on=((model.party == CaseParty.id) & (CaseParty.case == model.case)))
            .where(CaseParty.id.in_(parties)))


def from_final_agreement() -> Any:
    """A column: whether the action point is a term of a final agreement (a promise that runs on
    after the case closes, which its party may still mark done)."""
    # EXISTS on the point's own term (by primary key), not IN a list of every final agreement's
    # terms, which the database would make in full, the larger the service the slower.
    own_final_term = (AgreementTerm.select(SQL("1")).join(Agreement)
                      .where(AgreementTerm.id == ActionPoint.agreement_term,
                             Agreement.state == AgreementState.FINAL))
    return (ActionPoint.agreement_term.is_null(False)
            & fn.EXISTS(own_final_term)).alias("from_final_agreement")


def party_action_points(user: User) -> ModelSelect[ActionPoint]:
    """Every action point set for this party, on any case: open ones first."""
    if not has_role(user, Role.PARTY):
        return nothing(ActionPoint)
    return party_action_points_of(party_ids_of(user))


def party_action_points_of(parties: ModelSelect[CaseParty]) -> ModelSelect[ActionPoint]:
    """`party_action_points` for the party records `parties` (a select of their ids)."""
    return (_own_party_rows(ActionPoint, parties)
            .select_extend(from_final_agreement())
            .order_by(ActionPoint.done_at.is_null(False), ActionPoint.due_on.asc(nulls="LAST"),
                      ActionPoint.id))


def party_goals(user: User) -> ModelSelect[Goal]:
    """Every goal and desired outcome recorded for this party, on any case: newest case first."""
    if not has_role(user, Role.PARTY):
        return nothing(Goal)
    return party_goals_of(party_ids_of(user))


def party_goals_of(parties: ModelSelect[CaseParty]) -> ModelSelect[Goal]:
    """`party_goals` for the party records `parties` (a select of their ids)."""
    return _own_party_rows(Goal, parties).order_by(Case.created_at.desc(), Goal.id)
