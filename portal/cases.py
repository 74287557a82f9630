"""The case page: the staff view of one case ("mission control")."""

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from portal import policy, queries
from portal.access import current_actor, require
from portal.models import Case

bp = Blueprint("cases", __name__, url_prefix="/cases")


def load_case(reference):
    """The case if the user may see it (404 otherwise), with its facts for the policy."""
    case = queries.get_or_404(queries.cases_visible_to(current_user).where(Case.reference == reference))
    return case, queries.case_facts(case)


@bp.get("/<reference>")
@login_required
def show(reference):
    """Parties, coaches, sessions and the notes this user may read."""
    case, facts = load_case(reference)
    require(policy.can_manage_case(current_actor(), facts))
    return render_template(
        "cases/show.html",
        case=case,
        parties=list(queries.parties_with_contact_visible_to(current_user, case)),
        coaches=list(queries.current_coaches(case)),
        sessions=list(queries.sessions_visible_to(current_user, case)),
        notes=list(queries.notes_visible_to(current_user, case)),
        concern_count=queries.concerns_visible_to(current_user, case).count(),
        show_funding=policy.can_view_funding(current_actor(), facts),
        audience_labels=policy.AUDIENCE_LABELS,
    )
