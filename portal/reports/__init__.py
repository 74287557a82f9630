"""Reports for funders and trustees: the service's numbers for a period, as tables with charts,
a CSV of each table and one PDF of the whole report (coordinators only)."""

from flask import Blueprint

bp = Blueprint("reports", __name__, url_prefix="/reports")

from portal.reports import routes  # noqa: E402,F401  (routes register on bp)

__all__ = ["bp"]
