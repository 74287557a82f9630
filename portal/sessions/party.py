"""A party's own place at their upcoming sessions: telling their coaches they cannot come or
want the session rearranged, and whom they bring (a supporter); and staff marking such a
request dealt with.

A party's request and their supporter are theirs and their coaches': staff on the case and
that party read them, never another party (policy.can_view_session_request,
policy.can_view_supporter). Each form opens in place in the session's card on the party's home
page (htmx), or as a page of its own; a change answers with the card again, or a 303 home.
"""

from flask import abort, flash, request, url_for
from flask_login import current_user, login_required

from portal import policy, queries
from portal.access import current_actor, require, role_required
from portal.case_access import load_managed_case
from portal.cases.view import case_updated, failed_status
from portal.forms import ConfirmForm
from portal.htmx import form_response, is_htmx_request, redirect_to, replace
from portal.models import CaseSession, SessionAttendee, SessionRequest, utcnow
from portal.sessions import bp, service
from portal.sessions.forms import SessionRequestForm, SupporterForm, scope_ids
from portal.vocab import Role, SessionStatus


def is_upcoming(session):
    """Still to come: scheduled, and not yet started."""
    return session.status == SessionStatus.SCHEDULED and session.starts_at >= utcnow()


def own_seat(session_id):
    """One of the party's own sessions and their seat at it (else 404), and whether they may
    still speak for that seat (an upcoming session on an open case)."""
    session = queries.get_or_404(queries.party_sessions(current_user).where(CaseSession.id == session_id))
    seat = queries.get_or_404(queries.own_session_seats(current_user)
                              .where(SessionAttendee.session == session.id))
    facts = queries.case_facts(session.case)
    may = policy.can_speak_for_own_seat(current_actor(), facts, session.facts([seat]), seat.party_id,
                                        upcoming=is_upcoming(session))
    return session, seat, may


def card_context(sessions, seats, requests, facts):
    """What each upcoming session's card on a party's home page shows of their own seat: their
    seat (supporter) and their requests by session id, and the sessions they may still speak for.
    `facts`: the facts of the party's cases, by case id."""
    actor = current_actor()
    by_session = {seat.session_id: seat for seat in seats}
    asked = {}
    for row in requests:
        asked.setdefault(row.session_id, []).append(row)
    may = {s.id for s in sessions if s.id in by_session and policy.can_speak_for_own_seat(
        actor, facts[s.case_id], s.facts([by_session[s.id]]), by_session[s.id].party_id,
        upcoming=is_upcoming(s))}
    return {"seats": by_session, "asked": asked, "may_speak": may}


def _card(session, seat, may, *, message=None, status=200):
    """The session's card again (htmx), in place of the old one, focus on it."""
    requests = list(queries.own_session_requests(current_user)
                    .where(SessionRequest.session == session.id))
    return replace(f"#my-session-{session.id}", "sessions/_my_session.html", status=status,
                   focus=f"#my-session-{session.id}", s=session,
                   seats={session.id: seat}, asked={session.id: requests},
                   may_speak={session.id} if may else set(), message=message)


def _done(session, seat, may, message):
    if is_htmx_request():
        return _card(session, seat, may, message=message)
    flash(message, "success")
    return redirect_to(url_for("home.party", _anchor=f"my-session-{session.id}"))


def _form(session, form, fragment, title, form_id, action, status):
    return form_response(fragment, "form_page.html", form_id=form_id, status=status,
                         back_to=(url_for("home.party"), "Back to your sessions"),
                         title_trail=["Your sessions"], form=form, title=title, action=action,
                         s=session)


@bp.route("/my-sessions/<int:session_id>/ask", methods=["GET", "POST"])
@role_required(Role.PARTY)
def ask(session_id):
    """Tell your coach you cannot come to a session, or want to move it."""
    session, seat, may = own_seat(session_id)
    require(may)
    form = scope_ids(SessionRequestForm(), f"ask-{session.id}")
    if form.validate_on_submit():
        service.ask_about_session(session, seat.party_id, form.kind.data, form.reason.data)
        return _done(session, seat, may, "Your coach has your message. They will be in touch.")
    return _form(session, form, "sessions/_ask_form.html", "Tell your coach about this session",
                 f"ask-form-{session.id}", url_for("sessions.ask", session_id=session.id),
                 failed_status(form))


@bp.route("/my-sessions/<int:session_id>/supporter", methods=["GET", "POST"])
@role_required(Role.PARTY)
def supporter(session_id):
    """Tell the service whom you bring to a session (a supporter), change it, or remove it."""
    session, seat, may = own_seat(session_id)
    require(may)
    form = scope_ids(SupporterForm(obj=seat if request.method == "GET" else None),
                     f"supporter-{session.id}")
    if form.validate_on_submit():
        service.set_supporter(seat, form.supporter_name.data, form.supporter_relationship.data)
        seat = SessionAttendee.get_by_id(seat.id)
        return _done(session, seat, may, "Saved. Your coach will know whom to expect."
                     if seat.supporter_name else "Saved: you are coming on your own.")
    return _form(session, form, "sessions/_supporter_form.html", "Who are you bringing?",
                 f"supporter-form-{session.id}", url_for("sessions.supporter", session_id=session.id),
                 failed_status(form))


@bp.post("/cases/<reference>/session-requests/<int:request_id>/dealt-with")
@login_required
def deal_with(reference, request_id):
    """Mark a party's request about a session dealt with (staff on the case)."""
    case, facts = load_managed_case(reference, policy.can_deal_with_session_request)
    row = queries.get_or_404(queries.session_requests_visible_to(current_user, case)
                             .where(SessionRequest.id == request_id))
    if not ConfirmForm().validate_on_submit():
        abort(400)
    service.deal_with_request(row, by=current_user._get_current_object())
    flash(f"{row.party.name}'s request is marked dealt with.", "success")
    if request.form.get("back") == "home" and current_actor().role == Role.COACH:
        return redirect_to(url_for("home.coach", _anchor="party-requests"))
    return case_updated(case, facts, anchor=f"session-{row.session_id}")
