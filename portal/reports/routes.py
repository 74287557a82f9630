"""The Reports page, a CSV of each section and the PDF of the whole report: coordinators only
(`policy.can_view_reports`; anyone else signed in gets 403, as on the coordinators' other pages)."""

import io

from flask import abort, request, send_file
from flask_login import current_user, login_required

from portal import policy
from portal.access import current_actor, require
from portal.htmx import render
from portal.reports import bp, service
from portal.reports.downloads import csv_name, pdf_name, report_pdf, row_heading, table_csv
from portal.reports.periods import QUICK
from portal.reports.sections import BY_NAME, SECTIONS
from portal.reports.view import build_report, chart, report_form


def _report(sections=SECTIONS):
    """The form from the address and, if it holds, the report; 422 and no report if not."""
    require(policy.can_view_reports(current_actor()))
    form = report_form()
    if not form.validate():
        return form, None
    return form, build_report(form, sections)


@bp.get("")
@login_required
def index():
    """The report for a period (the last full quarter unless asked otherwise)."""
    form, report = _report()
    args = request.args.to_dict()
    kept = {name: value for name, value in args.items() if name not in ("period", "date_from", "date_to")}
    return render("reports/index.html", form=form, report=report, quick=QUICK, chart=chart, args=args,
                  kept_filters=kept, row_heading=row_heading, status=200 if report else 422)


@bp.get("/<name>.csv")
@login_required
def section_csv(name):
    """One section's table as CSV, for the same period and filters as the page."""
    if name not in BY_NAME:
        abort(404)
    form, report = _report([BY_NAME[name]])
    if report is None:
        abort(404)
    _record_download(form, report, name)
    return send_file(io.BytesIO(table_csv(report.tables[0], report.period)), mimetype="text/csv",
                     as_attachment=True, download_name=csv_name(BY_NAME[name], report.period))


@bp.get("/report.pdf")
@login_required
def report_pdf_download():
    """The whole report as one PDF, for trustees."""
    form, report = _report()
    if report is None:
        abort(404)
    data = report_pdf(report, form.chosen_words())
    _record_download(form, report, "pdf")
    return send_file(io.BytesIO(data), mimetype="application/pdf", as_attachment=True,
                     download_name=pdf_name(report.period))


def _record_download(form, report, what):
    service.record_download(current_user, what, report.period, form.chosen_filters(), sharing=report.sharing,
                            remote_addr=request.remote_addr or "")
