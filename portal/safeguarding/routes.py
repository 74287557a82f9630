"""Raising a concern on a case, the coordinators' Safeguarding page, and the concern page."""

from datetime import time, timedelta

from flask import flash, request
from flask_login import current_user, login_required

from portal import policy, queries
from portal.access import role_required
from portal.case_access import load_managed_case
from portal.cases.view import case_updated, failed_status, form_page
from portal.db import database
from portal.htmx import is_htmx_request, render
from portal.models import utcnow
from portal.pagination import paginate
from portal.safeguarding import bp, email_alert_cutoff, service
from portal.safeguarding.forms import DashboardFilterForm, RaiseConcernForm
from portal.safeguarding.view import ack_limits, concern_context, limit_words, load_concern, urgency
from portal.times import local_to_utc
from portal.vocab import Role


@bp.route("/cases/<reference>/concerns/new", methods=["GET", "POST"])
@login_required
def raise_concern(reference):
    """Raise a concern on a case; every safeguarding lead is emailed at once (no names, no content)."""
    case, facts = load_managed_case(reference, policy.can_raise_concern)
    form = RaiseConcernForm(parties=list(queries.parties_with_contact_visible_to(current_user, case)))
    if form.validate_on_submit():
        by = current_user._get_current_object()
        with database.atomic():  # the concern and its emails to the leads: both or neither
            concern = service.raise_concern(
                case, by=by, category=form.category.data, level=form.level.data,
                description=form.description.data.strip(), about_party=form.about_party(),
                about_other_person=form.other_person(), occurred_at=(form.occurred_at.data or "").strip(),
                remote_addr=request.remote_addr)
            leads = service.email_leads(concern, case, by=by)
        _say_who_was_told(leads)
        return case_updated(case, anchor="safeguarding")
    return form_page(case, form, "safeguarding/_raise_form.html", "Raise a safeguarding concern",
                     form_id="raise-concern-form", status=failed_status(form))


def _say_who_was_told(leads):
    if not leads:
        flash("The concern is saved, but there is no safeguarding lead to email. "
              "Tell a coordinator now.", "error")
    else:
        # Queued, not yet delivered: one that is not delivered in minutes is flagged to the leads.
        flash("Safeguarding concern raised. The safeguarding leads are being emailed now.", "success")


@bp.get("/safeguarding")
@role_required(Role.COORDINATOR)
def dashboard():
    """Concerns not yet closed, most urgent and oldest first, with filters; the list refreshes
    itself every minute."""
    filters = DashboardFilterForm(request.args, raisers=list(queries.concern_raisers(current_user)))
    filters.validate()
    choice = filters.chosen()
    page = paginate(queries.concern_dashboard(current_user, **_query_filters(choice)),
                    request.args.get("page"))
    now, limits = utcnow(), ack_limits()
    return render("safeguarding/dashboard.html", "safeguarding/_dashboard_list.html",
                  filters=filters, page=page, problems=filters.problems(),
                  undelivered=list(queries.concerns_with_undelivered_email(current_user, email_alert_cutoff())),
                  limits={level: limit_words(limit) for level, limit in limits.items()},
                  rows=[(concern, urgency(concern, now, limits)) for concern in page.rows],
                  choice={name: str(value) for name, value in choice.items()},
                  refresh_nav=is_htmx_request())


def _query_filters(choice):
    """The filter form's choices as `queries.concern_dashboard` takes them: days in the
    service's time zone become UTC bounds."""
    midnight = time(0, 0)
    return {
        "status": choice.get("status", ""),
        "level": choice.get("level"),
        "category": choice.get("category"),
        "raised_by": int(choice["raised_by"]) if "raised_by" in choice else None,
        "raised_from": local_to_utc(choice["raised_from"], midnight) if "raised_from" in choice else None,
        "raised_before": (local_to_utc(choice["raised_to"] + timedelta(days=1), midnight)
                          if "raised_to" in choice else None),
    }


@bp.get("/safeguarding/concerns/<int:concern_id>")
@login_required
def show(concern_id):
    """The concern in full and its chronology: coordinators, the raiser and the case's coaches."""
    concern, facts = load_concern(concern_id)
    return render("safeguarding/show.html", "safeguarding/_concern.html",
                  **concern_context(concern, facts))
