"""The case page: the staff view of one case ("mission control")."""

from flask import request
from flask_login import login_required

from portal.case_access import load_managed_case
from portal.cases import bp
from portal.cases.view import case_context, section_pages
from portal.htmx import render


@bp.get("/<reference>")
@login_required
def show(reference):
    """Parties and consent, coaches, funding, sessions, notes and the timeline."""
    case, facts = load_managed_case(reference)
    return render("cases/show.html", "cases/_case.html",
                  **case_context(case, facts, section_pages(request.args)))
