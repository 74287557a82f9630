"""The case list (`/cases`): staff's cases, searched, filtered and sorted, a page at a time.

Coordinators see every case, coaches the cases they are allocated to now; anyone else is told
there is no such page (404). The filters are a GET form: without JavaScript it reloads the page;
with htmx it swaps the list in place and keeps the address, so a filtered list can be bookmarked
and Back works."""

from datetime import time, timedelta
from math import ceil

from flask import abort, request
from flask_login import current_user, login_required

from portal import policy, queries
from portal.cases import bp
from portal.cases.forms import CaseListForm
from portal.htmx import render
from portal.models import utcnow
from portal.pagination import Page, page_number
from portal.times import local_to_utc
from portal.vocab import Role

PER_PAGE = 25
# The list's total is counted up to this many past the page shown: at 100,000 cases counting
# 70,000 closed ones cost more than the rest of the page.
COUNT_CAP = 1000


@bp.get("")
@login_required
def index():
    """Cases with their parties, stage, coaches, next session and last activity."""
    actor = current_user.actor()
    if not (policy.can_use_role_area(actor, Role.COORDINATOR) or policy.can_use_role_area(actor, Role.COACH)):
        abort(404)
    form = CaseListForm(request.args, coaches=list(queries.case_list_coach_choices(current_user)),
                        funding_schemes=queries.case_list_funding_schemes(current_user))
    form.validate()
    choice = form.chosen()
    filters = _filters(choice)
    page = _page(filters, choice.get("sort", "activity"), request.args.get("page"))
    ids = [case.id for case in page.rows]
    parties, coaches = {}, {}
    if ids:  # the page's parties and coaches, in one statement
        batch = queries.Batch()
        party_rows = batch.rows(queries.case_list_parties(current_user, ids))
        coach_rows = batch.rows(queries.case_list_coaches(current_user, ids))
        batch.run()
        for party in party_rows.rows:
            parties.setdefault(party.case_id, []).append(party.name)
        for allocation in coach_rows.rows:
            coaches.setdefault(allocation.case_id, []).append(allocation.coach.name)
    return render("cases/list.html", "cases/_list.html", form=form, page=page, parties=parties,
                  coaches=coaches, problems=form.problems(),
                  choice={name: str(value) for name, value in choice.items()})


def _filters(choice):
    midnight = time(0, 0)
    return queries.CaseListFilters(
        status=choice.get("status", "open"),
        kind=choice.get("kind"),
        stage=choice.get("stage"),
        coach=int(choice["coach"]) if "coach" in choice else None,
        funding_scheme=choice.get("funding_scheme"),
        referral_source=choice.get("referral_source"),
        opened_from=local_to_utc(choice["opened_from"], midnight) if "opened_from" in choice else None,
        opened_before=(local_to_utc(choice["opened_to"] + timedelta(days=1), midnight)
                       if "opened_to" in choice else None),
        q=choice.get("q", ""))


def _page(filters, sort, page_arg):
    """One page of the list: its ids with the list's total (one statement), then what is shown
    of those cases. A page past the end is the last. The total is counted only up to
    `COUNT_CAP` past the page ("More than 1,000 cases" beyond)."""
    number, now = page_number(page_arg), utcnow()
    limit = number * PER_PAGE + COUNT_CAP
    picked = list(queries.case_list_page(current_user, filters, sort=sort, number=number, per_page=PER_PAGE,
                                         now=now, limit=limit))
    if picked:
        total = picked[0].total
    else:
        total = queries.case_list_ids(current_user, filters).count()
        last = max(1, ceil(total / PER_PAGE))
        if total and number > last:
            number = last
            picked = list(queries.case_list_page(current_user, filters, sort=sort, number=number,
                                                 per_page=PER_PAGE, now=now))
    ids = [case.id for case in picked]
    rows = list(queries.case_list_rows(current_user, ids, sort=sort, now=now)) if ids else []
    return Page(rows=rows, number=number, per_page=PER_PAGE, total=total, limit=limit, cap=COUNT_CAP)
