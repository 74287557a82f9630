"""The coordinators' retention page (cases and declined referrals anonymised in the next 30
days, erasure requests), legal holds on a case (set and lifted with a reason), and carrying out
an erasure request early (a confirm step: it anonymises the person's case)."""

from datetime import timedelta

from flask import flash, render_template, request, url_for
from flask_login import current_user

from portal import policy, queries, retention
from portal.access import current_actor, require, role_required
from portal.case_access import load_case
from portal.forms import ConfirmForm
from portal.htmx import redirect_to
from portal.models import ErasureRequest, utcnow
from portal.pagination import paginate
from portal.rights import bp, service
from portal.rights.forms import LegalHoldForm, LiftHoldForm
from portal.vocab import ErasureState, Role

AHEAD_DAYS = 30
PER_PAGE = 20


@bp.get("/retention")
@role_required(Role.COORDINATOR)
def index():
    """Cases and declined referrals to be anonymised in the next 30 days, and erasure requests."""
    require(policy.can_manage_retention(current_actor()))
    days, safeguarding_days = retention.periods()
    by = utcnow() + timedelta(days=AHEAD_DAYS)
    page = paginate(queries.cases_due_for_anonymising(current_user, by, days, safeguarding_days),
                    request.args.get("page"), PER_PAGE)
    referrals = paginate(queries.referrals_due_for_anonymising(current_user, by, days, safeguarding_days),
                         request.args.get("referrals_page"), PER_PAGE)
    requests = paginate(queries.erasure_requests_visible_to(current_user), request.args.get("requests_page"),
                        PER_PAGE)
    # Each list's pager keeps the page the other two are on.
    numbers = {"page": page.number, "referrals_page": referrals.number, "requests_page": requests.number}
    kept = {name: {other: n for other, n in numbers.items() if other != name and n > 1} for name in numbers}
    return render_template("rights/retention.html", page=page, referrals=referrals, requests=requests, kept=kept,
                           days=days, safeguarding_days=safeguarding_days, ahead=AHEAD_DAYS)


@bp.route("/cases/<reference>/legal-hold", methods=["GET", "POST"])
@role_required(Role.COORDINATOR)
def set_hold(reference):
    """Hold a case: it is never anonymised while the hold lasts."""
    case, _ = load_case(reference)
    require(policy.can_set_legal_hold(current_actor(), hold_set=case.legal_hold_reason is not None,
                                      anonymised=case.anonymised_at is not None))
    form = LegalHoldForm()
    if form.validate_on_submit():
        service.set_legal_hold(case, form.reason.data, current_user, remote_addr=request.remote_addr or "")
        flash(f"Case {case.reference} is on legal hold.", "success")
        return redirect_to(url_for("cases.show", reference=case.reference, _anchor="retention"))
    return render_template("rights/hold_form.html", case=case, form=form, lifting=False), \
        422 if form.is_submitted() else 200


@bp.route("/cases/<reference>/legal-hold/lift", methods=["GET", "POST"])
@role_required(Role.COORDINATOR)
def lift_hold(reference):
    """End a legal hold; the case's retention runs again."""
    case, _ = load_case(reference)
    require(policy.can_lift_legal_hold(current_actor(), hold_set=case.legal_hold_reason is not None))
    form = LiftHoldForm()
    if form.validate_on_submit():
        service.lift_legal_hold(case, form.reason.data, current_user, remote_addr=request.remote_addr or "")
        flash(f"The legal hold on case {case.reference} is lifted.", "success")
        return redirect_to(url_for("cases.show", reference=case.reference, _anchor="retention"))
    return render_template("rights/hold_form.html", case=case, form=form, lifting=True), \
        422 if form.is_submitted() else 200


@bp.route("/erasure-requests/<int:request_id>/carry-out", methods=["GET", "POST"])
@role_required(Role.COORDINATOR)
def carry_out(request_id):
    """Carry out an erasure request early: after a confirm step, the person's case is anonymised."""
    erasure = queries.get_or_404(queries.erasure_requests_visible_to(current_user)
                                 .where(ErasureRequest.id == request_id))
    case, facts = load_case(erasure.party.case.reference)
    held = policy.is_on_legal_hold(hold_set=case.legal_hold_reason is not None,
                                   unresolved_concern=facts.has_unresolved_concern)
    require(erasure.state == ErasureState.RECORDED
            and policy.can_carry_out_erasure(current_actor(), facts, held=held,
                                             anonymised=case.anonymised_at is not None))
    form = ConfirmForm()
    if form.validate_on_submit():
        service.carry_out_erasure(erasure, case, current_user, remote_addr=request.remote_addr or "")
        flash(f"Case {case.reference} is anonymised.", "success")
        return redirect_to(url_for("rights.index"))
    return render_template("rights/carry_out.html", erasure=erasure, case=case, form=form)

