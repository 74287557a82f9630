"""The audit trail page for administrators: read only, filtered by person, case and event kind."""

from flask import request
from flask_login import current_user

from portal import audit, policy, queries
from portal.access import current_actor, require
from portal.admin import bp
from portal.admin.forms import AuditFilterForm
from portal.htmx import render
from portal.pagination import paginate

FILTERS = ("person", "case", "event")
PER_PAGE = 50


@bp.get("/audit")
def audit_trail():
    """Who did what to which record, when and from where, newest first."""
    require(policy.can_read_audit_trail(current_actor()))
    kinds = [row.event for row in queries.audit_event_kinds_visible_to(current_user)]
    filters = AuditFilterForm(request.args, kinds=kinds)
    filters.validate()
    choice = {name: (filters[name].data or None) if not filters[name].errors else None
              for name in FILTERS}
    events = queries.audit_events_visible_to(current_user, person=choice["person"],
                                             case_reference=choice["case"], event=choice["event"])
    page = paginate(events, request.args.get("page"), per_page=PER_PAGE)
    return render("admin/audit.html", "admin/_audit_list.html", filters=filters, page=page,
                  choice={name: value for name, value in choice.items() if value},
                  event_words=audit.event_words)
