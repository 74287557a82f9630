"""The case page: the staff view of one case ("mission control")."""

from flask import request
from flask_login import current_user, login_required

from portal import policy
from portal.access import current_actor
from portal.case_access import load_managed_case
from portal.cases import bp, service
from portal.cases.view import case_context, section_pages
from portal.htmx import render
from portal.models import utcnow


@bp.get("/<reference>")
@login_required
def show(reference):
    """Parties and consent, coaches, funding, sessions, notes and the timeline."""
    case, facts = load_managed_case(reference)
    if policy.is_case_coach(current_actor(), facts):
        # The page shows every party comment and answer on the case in its place: the coach
        # has seen them, up to now (anything arriving while the page loads stays "not yet
        # seen" on their home page).
        service.mark_seen(current_user, case, utcnow())
    return render("cases/show.html", "cases/_case.html",
                  **case_context(case, facts, section_pages(request.args)))
