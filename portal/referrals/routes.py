"""The public referral form, and the coordinators' referral queue and triage."""

from datetime import timedelta

from flask import abort, current_app, flash, render_template, request, session, url_for
from flask_login import current_user

from portal import queries, ratelimit
from portal.access import role_required
from portal.htmx import redirect_to, render
from portal.models import Referral, ReferralPerson
from portal.pagination import paginate
from portal.referrals import bp, service
from portal.referrals.forms import QueueFilterForm, ReferralForm, TriageForm
from portal.vocab import ReferralStatus, Role


@bp.route("/refer", methods=["GET", "POST"])
def refer():
    """The public referral form: no sign-in."""
    form = ReferralForm()
    if form.validate_on_submit():
        limit = current_app.config["REFERRAL_LIMIT_PER_HOUR"]
        if not ratelimit.allow("referral", request.remote_addr, limit, timedelta(hours=1)):
            # The form again with everything typed still in it, so nothing is lost: it can be
            # sent later, or read out on the phone.
            return render_template("referrals/refer.html", form=form, too_many=True), 429
        if form.website.data:
            # Only automated spam fills the hidden field. Say no plainly; save nothing.
            return render_template("referrals/rejected.html"), 400
        referral = service.save_referral(form)
        session["referral_reference"] = referral.reference
        return redirect_to(url_for("referrals.thank_you"))
    status = 422 if form.is_submitted() else 200
    return render_template("referrals/refer.html", form=form), status


@bp.get("/refer/thank-you")
def thank_you():
    """The reference, and nothing of what was submitted. The reference stays in the session
    (nothing else about the referral is there), so reloading the page shows it again."""
    reference = session.get("referral_reference")
    if reference is None:
        abort(404)
    return render_template("referrals/thank_you.html", reference=reference)


@bp.get("/referrals")
@role_required(Role.COORDINATOR)
def queue():
    """Referrals, most urgent and newest first, filtered by status, dispute and source."""
    filters = QueueFilterForm(request.args)
    filters.validate()
    choice = {name: (getattr(filters, name).data if not getattr(filters, name).errors else None)
              for name in ("status", "dispute_type", "source")}
    page = paginate(queries.referral_queue(current_user, **choice), request.args.get("page"))
    return render("referrals/queue.html", "referrals/_queue_list.html",
                  filters=filters, page=page, choice=choice)


def load_referral(reference):
    return queries.get_or_404(queries.referrals_visible_to(current_user)
                              .where(Referral.reference == reference))


@bp.route("/referrals/<reference>", methods=["GET", "POST"])
@role_required(Role.COORDINATOR)
def triage(reference):
    """Read a referral and accept it as mediation or coaching, or decline it with a reason."""
    referral = load_referral(reference)
    form = TriageForm()
    if request.method == "POST" and referral.status != ReferralStatus.NEW:
        flash(f"Referral {referral.reference} has already been {referral.status}.", "error")
        return redirect_to(url_for("referrals.triage", reference=referral.reference))
    if form.validate_on_submit():
        by = current_user._get_current_object()
        if form.decision.data == "decline":
            service.decline(referral, form.reason.data, by, request.remote_addr)
            flash(f"Referral {referral.reference} declined.", "success")
            return redirect_to(url_for("referrals.queue"))
        case = service.accept(referral, form.decision.data, by, form.invite.data, request.remote_addr)
        flash(f"Case {case.reference} opened from referral {referral.reference}.", "success")
        return redirect_to(url_for("cases.show", reference=case.reference))
    status = 422 if form.is_submitted() else 200
    people = list(referral.people.order_by(ReferralPerson.id))
    return render_template("referrals/show.html", referral=referral, people=people, form=form,
                           cases=list(referral.cases)), status


