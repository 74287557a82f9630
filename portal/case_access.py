"""Shared by every blueprint that works on a case: loading the case (or one of its parties) for
the current user, 404 if they may not see it, 403 if they may see it but not act on it.

It depends on `queries`, `policy` and `access` only, never on a blueprint, so any blueprint may
import it (the case page's own answers, `case_context` and `case_updated`, stay in
`portal/cases/view.py`)."""

from flask_login import current_user

from portal import policy, queries
from portal.access import current_actor, require
from portal.models import Case, CaseParty


def load_case(reference):
    """The case if the user may see it (404 otherwise), with its facts for the policy."""
    case = queries.get_or_404(queries.cases_visible_to(current_user).where(Case.reference == reference))
    return case, queries.case_facts(case)


def load_managed_case(reference, allowed=policy.can_manage_case):
    """A case the user may see (else 404) and act on as `allowed` says (else 403)."""
    case, facts = load_case(reference)
    require(allowed(current_actor(), facts))
    return case, facts


def load_party(case, party_id):
    return queries.get_or_404(queries.parties_with_contact_visible_to(current_user, case)
                              .where(CaseParty.id == party_id))
