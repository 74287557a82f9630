"""The case page's context, and the answers every case action gives (loading a case is in
`portal/case_access.py`).

A successful change answers htmx with the refreshed case (`#case`) and a plain browser with a
303 to the case page; a failed form answers with the form again (422), in place for htmx.
"""

from flask import current_app, url_for
from flask_login import current_user

from portal import policy, queries
from portal.access import current_actor
from portal.cases import panels
from portal.htmx import form_response, is_htmx_request, redirect_to, replace
from portal.models import Case


def case_context(case, facts):
    """Everything the case page shows, each list from `queries` and each panel's extras from
    `panels`: the templates only read these values (no template global runs a query)."""
    actor = current_actor()
    parties = list(queries.parties_with_contact_visible_to(current_user, case))
    history = {}
    for event in queries.consent_history_visible_to(current_user, case):
        history.setdefault(event.party_id, []).append(event)
    sessions = list(queries.sessions_visible_to(current_user, case))
    attendees = {}
    for seat in queries.session_seats(s.id for s in sessions):
        attendees.setdefault(seat.session_id, []).append(seat)
    notes = list(queries.notes_visible_to(current_user, case))
    action_points = list(queries.action_points_visible_to(current_user, case))
    return {
        "case": case,
        "facts": facts,
        "parties": parties,
        "consent_history": history,
        "coaches": list(queries.current_coaches(case)),
        "sessions": sessions,
        "attendees": attendees,
        "notes": notes,
        "note_panel": panels.note_panel(case, facts, notes),
        "session_panel": panels.session_panel(case, sessions),
        "action_points": action_points,
        "changeable_action_points": panels.changeable_action_points(facts, action_points),
        "invitations_waiting": panels.invitations_waiting(parties),
        "goals": list(queries.goals_visible_to(current_user, case)),
        "concerns": list(queries.concerns_on_case(current_user, case)),
        "events": list(queries.case_events_visible_to(current_user, case)),
        "agreements": list(queries.agreement_versions_visible_to(current_user, case)),
        "follow_on_cases": list(queries.cases_visible_to(current_user).where(Case.parent_case == case.id)),
        "may": {
            "run": policy.can_run_case(actor, facts),
            "change": policy.can_change_case(actor, facts),
            "schedule": policy.can_schedule_session(actor, facts),
            "close": policy.can_close_case(actor, facts),
            "reopen": policy.can_reopen_case(actor, facts),
            "see_funding": policy.can_view_funding(actor, facts),
            "raise_concern": policy.can_raise_concern(actor, facts),
            "manage_party_items": policy.can_manage_party_items(actor, facts),
            "draft_agreement": policy.can_draft_agreement(actor, facts),
        },
        "schemes": current_app.config["FUNDING_SCHEMES"],
    }


def case_updated(case, facts=None, *, anchor=None):
    """After a successful change: the refreshed case for htmx, a 303 to the case page otherwise.

    `anchor` is the id of what changed (a section such as "notes", or one item): the plain
    browser lands there (a #fragment on the 303) rather than at the top of a long page, and the
    htmx page moves focus there after the swap (static/js/accord.js listens for `accord:focus`)
    rather than losing it to the page body."""
    if is_htmx_request():
        case = queries.get_or_404(queries.cases_visible_to(current_user).where(Case.id == case.id))
        return replace("#case", "cases/_case.html", focus=f"#{anchor or 'case'}",
                       **case_context(case, queries.case_facts(case)))
    return redirect_to(url_for("cases.show", reference=case.reference, _anchor=anchor))


def form_page(case, form, fragment, title, *, form_id, status=200, **context):
    """A case form: in place (htmx) or as a page of its own (no JavaScript)."""
    return form_response(fragment, "form_page.html", form_id=form_id, status=status,
                         back_to=(url_for("cases.show", reference=case.reference),
                                  f"Back to case {case.reference}"),
                         title_trail=[case.reference], case=case, form=form, title=title, **context)


def failed_status(form):
    return 422 if form.is_submitted() else 200
