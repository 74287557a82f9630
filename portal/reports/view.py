"""What the report shows: the words of every row and filter choice (`choices_for`, the one
place they come from: the lists the service edits itself, `portal.service_lists`, and the
vocabularies), the period asked for, and every section's table and chart."""

from dataclasses import dataclass

from flask import abort, request

from portal import queries, service_lists
from portal.labels import label
from portal.queries.reports import (
    AGREEMENT_ROWS,
    ALLOWANCE_ROWS,
    FEEDBACK_ROWS,
    NO_OUTCOME,
    NOT_ANSWERED,
    NOT_RECORDED,
    SCHEME_PREFIX,
    SELF_FUNDED,
    WAITS,
)
from portal.reports.forms import ReportForm
from portal.reports.periods import DEFAULT, QUICK, Period, quick_period
from portal.reports.sections import COUNT, FEWER_THAN_5, SECTIONS, build_table
from portal.times import local_today
from portal.vocab import (
    AgeBand,
    CaseKind,
    ConcernCategory,
    Disability,
    Ethnicity,
    FeedbackHelped,
    FeedbackSituation,
    FirstLanguage,
    Gender,
    GoalsMet,
    ReviewOutcome,
    Satisfaction,
    ServiceList,
    SessionKind,
    SessionMode,
    Urgency,
)

WORDS = {
    NO_OUTCOME: "No outcome recorded", SELF_FUNDED: "Self-funded", NOT_RECORDED: "Funding not yet recorded",
    SCHEME_PREFIX: "Funded, no scheme named",
    WAITS[0]: "Referral to first contact", WAITS[1]: "Referral to consent", WAITS[2]: "Referral to first session",
    ALLOWANCE_ROWS[0]: "No session held yet", ALLOWANCE_ROWS[1]: "Some of the allowance used",
    ALLOWANCE_ROWS[2]: "All of the allowance used", ALLOWANCE_ROWS[3]: "More than the allowance",
    FEEDBACK_ROWS[0]: "Invited to give feedback", FEEDBACK_ROWS[1]: "Feedback forms answered",
    NOT_ANSWERED: "Not answered",
    AGREEMENT_ROWS[0]: "Agreements made", AGREEMENT_ROWS[1]: "Agreements reviewed",
    **{f"review_{outcome}": f"Review found: {outcome.replace('_', ' ')}" for outcome in ReviewOutcome},
}
# Rows and filters whose codes are entries of a list the service edits (`portal.service_lists`):
# every entry, retired ones too, so that an old period's report still names what it counted.
SERVICE_LISTS = {
    "referral_source": ServiceList.REFERRAL_SOURCE, "agency_kind": ServiceList.AGENCY_KIND,
    "dispute_type": ServiceList.DISPUTE_TYPE, "case_outcome": ServiceList.CASE_OUTCOME,
    "funding_scheme": ServiceList.FUNDING_SCHEME,
}
VOCABULARIES = {
    "urgency": Urgency, "kind": CaseKind, "session_kind": SessionKind, "session_mode": SessionMode,
    "concern_category": ConcernCategory, "wait": WAITS, "allowance_use": ALLOWANCE_ROWS,
    "agreement_row": AGREEMENT_ROWS, "feedback_row": FEEDBACK_ROWS,
}
# Rows from a vocabulary whose codes mean different things in different places ("partly",
# "yes", "other"): each member's words from its own group of `portal.labels`, then the rows
# that are no answer of the vocabulary's (a closed coaching case with no outcome recorded, a
# party who did not answer).
GROUPED = {
    "satisfaction": (Satisfaction, "satisfaction", ()), "feedback_helped": (FeedbackHelped, "feedback_helped", ()),
    "feedback_situation": (FeedbackSituation, "feedback_situation", ()),
    "goals_met": (GoalsMet, "goals_met", (NO_OUTCOME,)),
    "age_band": (AgeBand, "age_band", (NOT_ANSWERED,)), "gender": (Gender, "gender", (NOT_ANSWERED,)),
    "ethnicity": (Ethnicity, "ethnicity", (NOT_ANSWERED,)), "disability": (Disability, "disability", (NOT_ANSWERED,)),
    "first_language": (FirstLanguage, "first_language", (NOT_ANSWERED,)),
}


def words(code):
    return WORDS.get(code) or label(code)


def choices_for(field):
    """[(code, words)] of a filter or of a section's rows, in order."""
    if field in SERVICE_LISTS:
        found = [(entry.code, entry.label) for entry in service_lists.entries(SERVICE_LISTS[field])]
        return found + [(NO_OUTCOME, words(NO_OUTCOME))] if field == "case_outcome" else found
    if field == "funding":
        return [(SCHEME_PREFIX + code, scheme) for code, scheme in choices_for("funding_scheme")] + [
            (SELF_FUNDED, words(SELF_FUNDED)), (NOT_RECORDED, words(NOT_RECORDED))]
    if field in GROUPED:
        vocabulary, group, others = GROUPED[field]
        return [(code, label(code, group)) for code in vocabulary] + [(code, words(code)) for code in others]
    return [(code, words(code)) for code in VOCABULARIES[field]]


def _rows(section, figures):
    """The section's rows: its list in order, then any code found that the list lacks (a code
    no entry has), so that nothing counted goes missing."""
    rows = choices_for(section.rows)
    known = {code for code, _ in rows}
    extra = sorted(code for code in figures if code not in known)
    return rows + [(code, code.removeprefix(SCHEME_PREFIX) if code.startswith(SCHEME_PREFIX) and code != SCHEME_PREFIX
                    else words(code)) for code in extra]


def requested_period(form):
    """The period asked for: a quick choice (`?period=`), else From and To, else the default."""
    name = request.args.get("period")
    if name and name not in QUICK:
        abort(404)
    if not name and form.date_from.data and form.date_to.data:
        return None, Period(form.date_from.data, form.date_to.data)
    period = quick_period(name or DEFAULT, local_today())
    form.date_from.data, form.date_to.data = period.first_day, period.last_day
    return name or DEFAULT, period


@dataclass
class Report:
    period: Period
    quick: str | None
    sharing: bool
    tables: list


def chart(table):
    """The bars of a table's first column: (words, number shown, share of the longest bar)."""
    column = table.section.counted_by
    if not table.section.chart or table.columns[column].kind != COUNT:
        return []
    shown = [(row_words, texts[column], 0 if texts[column] == FEWER_THAN_5 else int(texts[column]))
             for row_words, texts, _ in table.rows]
    longest = max((value for _, _, value in shown), default=0) or 1
    return [(row_words, text, value / longest) for row_words, text, value in shown]


def build_report(form, sections=SECTIONS):
    """Every section's table for the form's period and filters."""
    quick, period = requested_period(form)
    scope = queries.ReportScope(start=period.start, end=period.end, first_day=period.first_day,
                                last_day=period.last_day, **form.chosen_filters())
    sharing = bool(form.sharing.data)
    tables = []
    for section in sections:
        figures = section.query(scope)
        tables.append(build_table(section, figures, _rows(section, figures), sharing=sharing))
    return Report(period, quick, sharing, tables)


def report_form():
    filters = {name: choices_for(name) for name in ReportForm.FILTERS}
    return ReportForm(request.args, filter_choices=filters)
