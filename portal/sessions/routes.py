"""Sessions on the case page (schedule, reschedule, outcome) and calendar files.

The case forms follow `portal.cases.view`: a form in place for htmx or as its own page, the
refreshed case (or a 303 to it) after a change, and the form again (422) when it is refused.
"""

from datetime import datetime, time
from urllib.parse import urlsplit

from flask import abort, current_app, flash, make_response, request, url_for
from flask_login import current_user, login_required

from portal import policy, queries, service_lists
from portal.access import current_actor, require, role_required
from portal.case_access import load_managed_case
from portal.cases.view import case_updated, failed_status, form_page
from portal.htmx import no_store
from portal.models import CaseSession, utcnow
from portal.sessions import bp, calendar, service
from portal.sessions.forms import OutcomeForm, WhenWhereForm, schedule_form, scope_ids, when_where_data
from portal.sessions.service import Plan
from portal.vocab import Role, SessionMode, SessionStatus


def load_session(case, facts, session_id):
    """A session on the case the user may see (else 404)."""
    session = queries.get_or_404(queries.sessions_visible_to(current_user, case)
                                 .where(CaseSession.id == session_id))
    seats = list(queries.session_seats([session.id]))
    if not policy.can_view_session(current_actor(), facts, session.facts(seats)):
        abort(404)
    return session, seats


def _saved(form, change, *args):
    """Run a service change; a refusal's messages go onto the form's fields."""
    try:
        change(*args, by=current_user._get_current_object())
    except service.SessionRuleError as refusal:
        for name, message in refusal.problems:
            if name in form:
                form[name].errors = [*form[name].errors, message]
            else:
                form.form_errors.append(message)
        return False
    return True


def _schedule_defaults(coaches):
    mine = [str(c.id) for c in coaches if c.id == current_user.id]
    offices = service_lists.office_names()
    return {"coaches": mine or ([str(coaches[0].id)] if len(coaches) == 1 else []),
            "mode": SessionMode.FACE_TO_FACE, "office": offices[0] if len(offices) == 1 else ""}


@bp.route("/cases/<reference>/sessions/new", methods=["GET", "POST"])
@login_required
def schedule(reference):
    """Book a session: kind, time, place, coaches, who attends and whether they bring a supporter."""
    case, facts = load_managed_case(reference, policy.can_schedule_session)
    parties = list(queries.parties_with_contact_visible_to(current_user, case))
    coaches = list(queries.current_coaches(case))
    # Scoped ids: unscoped, its "coaches" box had the id of the case page's Coaches section.
    form = scope_ids(schedule_form(parties, kinds=service.kinds_for(case), coaches=coaches,
                                   offices=service_lists.office_names(),
                                   data=_schedule_defaults(coaches) if request.method == "GET" else None),
                     "schedule")
    if form.validate_on_submit() and _saved(form, service.schedule, case, form.plan()):
        flash("Session scheduled.", "success")
        return case_updated(case, anchor="sessions")
    return form_page(case, form, "sessions/_schedule_form.html", "Schedule a session",
                     form_id="schedule-form", status=failed_status(form), parties=parties,
                     allowance_used=service.allowance_used(case))


@bp.route("/cases/<reference>/sessions/<int:session_id>/reschedule", methods=["GET", "POST"])
@login_required
def reschedule(reference, session_id):
    """Move a scheduled session: date, start time, length, mode and place."""
    case, facts = load_managed_case(reference, policy.can_schedule_session)
    session, seats = load_session(case, facts, session_id)
    require(session.status == SessionStatus.SCHEDULED)
    form = scope_ids(WhenWhereForm(offices=service_lists.office_names(session.location),
                                   data=when_where_data(session) if request.method == "GET" else None),
                     f"move-{session.id}")
    if form.validate_on_submit() and _saved(form, service.reschedule, session,
                                            Plan(kind=session.kind, **form.when_where())):
        flash("Session moved.", "success")
        return case_updated(case, anchor=f"session-{session.id}")
    return form_page(case, form, "sessions/_reschedule_form.html", "Move a session",
                     form_id=f"reschedule-form-{session.id}", status=failed_status(form),
                     session=session)


@bp.route("/cases/<reference>/sessions/<int:session_id>/outcome", methods=["GET", "POST"])
@login_required
def outcome(reference, session_id):
    """Who came, and whether the session was held, missed or cancelled (and by whom)."""
    case, facts = load_managed_case(reference, policy.can_schedule_session)
    session, seats = load_session(case, facts, session_id)
    require(session.status != SessionStatus.CANCELLED)
    initial = {"status": session.status if session.status != SessionStatus.SCHEDULED else None,
               "attended": [str(s.party_id) for s in seats if s.attended]}
    form = scope_ids(OutcomeForm(seats=seats, data=initial if request.method == "GET" else None),
                     f"outcome-{session.id}")
    if form.validate_on_submit() and _saved(form, service.record_outcome, session, form.status.data,
                                            form.attendance(), form.cancelled_by.data or None):
        flash("Session outcome saved.", "success")
        return case_updated(case, anchor=f"session-{session.id}")
    return form_page(case, form, "sessions/_outcome_form.html", "Record what happened",
                     form_id=f"outcome-form-{session.id}", status=failed_status(form),
                     session=session, seats=seats)


# --- calendar files -------------------------------------------------------------------------

def _ics(sessions, filename, *, staff):
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    links = ({s.id: base + url_for("cases.show", reference=s.case.reference) for s in sessions}
             if staff else None)
    body = calendar.calendar_file(sessions, service_name=current_app.config["SERVICE_NAME"],
                                  domain=urlsplit(base).hostname or "accord.invalid",
                                  staff_links=links)
    response = make_response(body)
    response.headers["Content-Type"] = calendar.MEDIA_TYPE
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return no_store(response)


@bp.get("/sessions/<int:session_id>.ics")
@login_required
def calendar_file(session_id):
    """One session as a calendar file: for a party attending it or a coach running it."""
    session = queries.get_or_404(queries.own_sessions(current_user).where(CaseSession.id == session_id))
    return _ics([session], f"accord-session-{session.id}.ics",
                staff=current_actor().role == Role.COACH)


@bp.get("/sessions/my-sessions.ics")
@role_required(Role.COACH)
def coach_calendar():
    """A coach's sessions from today on, in one calendar file."""
    today = datetime.combine(utcnow().date(), time())
    sessions = list(queries.coach_sessions(current_user).where(CaseSession.starts_at >= today))
    return _ics(sessions, "accord-sessions.ics", staff=True)
