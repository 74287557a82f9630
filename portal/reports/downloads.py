"""The report as files: a CSV of one section's table, and a PDF of the whole report for trustees
(tagged PDF/UA-1, rendered by the agreement PDF's engine: `agreements/pdf.py`). Both hold the
same words as the page (`sections.cell_text`), and both are named from the section and the
period only: never anything anyone typed."""

import csv
import io

from flask import current_app

from portal.agreements.pdf import render_pdf_from_html
from portal.times import local_today

ROW_HEADINGS = {
    "referral_source": "Source", "agency_kind": "Kind of agency", "dispute_type": "Dispute type",
    "urgency": "Urgency", "kind": "Kind", "case_outcome": "Outcome", "session_kind": "Kind of session",
    "session_mode": "Mode", "wait": "Wait", "funding": "Funding", "allowance_use": "Allowance",
    "concern_category": "Category", "agreement_row": "Agreements", "feedback_row": "Feedback",
    "satisfaction": "Answer", "feedback_helped": "Answer", "feedback_situation": "Answer", "goals_met": "Goals met",
    "age_band": "Answer", "gender": "Answer", "ethnicity": "Answer", "disability": "Answer",
    "first_language": "Answer",
}


def row_heading(section):
    return ROW_HEADINGS[section.rows]


def table_csv(table, period):
    """One table as CSV (UTF-8, a header row, the period's days in ISO 8601 on every row)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["From", "To", row_heading(table.section), *table.headings])
    days = [period.first_day.isoformat(), period.last_day.isoformat()]
    for words, texts, _ in table.rows:
        writer.writerow([*days, words, *texts])
    if table.total is not None:
        writer.writerow([*days, "Total", *table.total])
    return out.getvalue().encode("utf-8")


def csv_name(section, period):
    return f"accord-report-{section.name}-{period.first_day.isoformat()}-to-{period.last_day.isoformat()}.csv"


def pdf_name(period):
    return f"accord-report-{period.first_day.isoformat()}-to-{period.last_day.isoformat()}.pdf"


def report_pdf(report, filters):
    """The whole report as a tagged PDF: every table (its chart's numbers are the table's)."""
    # The app's Jinja environment, not render_template: as for an agreement, the PDF reads the
    # same whoever renders it, and needs nothing of the request's context processors.
    template = current_app.jinja_env.get_template("reports/pdf.html")
    html = template.render(report=report, filters=filters, row_heading=row_heading,
                           service_name=current_app.config["SERVICE_NAME"], made_on=local_today())
    return render_pdf_from_html(html)
