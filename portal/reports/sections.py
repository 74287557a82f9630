"""The report's sections, each one table (and its chart): a name, a heading, one query of
`portal.queries.reports`, its columns and where its rows' words come from. A new section is one
more entry in `SECTIONS`. The equality monitoring sections are `always_shared`: the small-number
rule is on for them even in a report kept inside the service, as the issue asks (aggregates only,
nobody identifiable, coordinators alone read answers person by person).

The small-number rule lives here, in `cell_text`, the one place a figure becomes words for the
page, the CSV and the PDF alike. For a report "for sharing outside the service":
- a count of 1 to 4 reads "fewer than 5"; any other count, totals included, is rounded to the
  nearest 5 (0 stays 0). Rounding every published count, not only the totals, is what keeps a
  hidden count from being worked out: by subtracting a table's other cells from its total, or a
  total from another table that counts the same things (referrals by source and by urgency);
- a sum (hours, money) or a median on a row whose count is 1 to 4 reads "not shown", and a
  sum's total is "not shown" when any of its cells is; other sums are rounded to the nearest 5.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from flask import current_app

from portal import queries
from portal.queries import Figures, ReportScope

FEWER_THAN_5 = "fewer than 5"
NOT_SHOWN = "not shown"
COUNT, SUM, STAT = "count", "sum", "stat"


@dataclass(frozen=True)
class Column:
    heading: str
    kind: str = COUNT
    scale: int = 1          # stored units per shown unit: 60 minutes an hour, 100 pence a pound
    places: int = 0         # decimal places shown


@dataclass(frozen=True)
class Section:
    name: str                                   # in addresses and file names: letters and _
    heading: str
    query: Callable[[ReportScope], Figures]
    columns: tuple[Column, ...]
    rows: str                                   # the list its row codes come from (view.choices_for)
    total: bool = True                          # whether a total row adds up
    note: str = ""
    counted_by: int = 0                         # the column each row's small-number rule looks at
    chart: bool = True                          # a bar chart of that column (not of mere counts behind a median)
    always_shared: bool = False                 # the small-number rule even inside the service (equality)


def _volunteer_minutes(scope):
    return queries.volunteer_minutes(scope, current_app.config["PREPARATION_MINUTES_PER_SESSION"])


HOURS = dict(kind=SUM, scale=60, places=1)
POUNDS = dict(kind=SUM, scale=100, places=2)
DAYS = dict(kind=STAT, places=1)
EQUALITY_NOTE = ("The parties on the cases opened in the period; answering is voluntary. The small-number rule "
                 "is always on here, inside the service too: a count from 1 to 4 reads \"fewer than 5\" and "
                 "every other count is rounded to the nearest 5.")
ATTENDANCE = (Column("Held"), Column("Party did not attend"), Column("Cancelled"), Column("Hours held", **HOURS))

SECTIONS = (
    Section("referrals_by_source", "Referrals by source", queries.referrals_by_source,
            (Column("Referrals received"), Column("Became cases")), rows="referral_source",
            note="Counted by the day each referral was received."),
    Section("referrals_by_agency_kind", "Referrals from agencies, by kind of agency",
            queries.referrals_by_agency_kind, (Column("Referrals received"), Column("Became cases")),
            rows="agency_kind"),
    Section("referrals_by_dispute_type", "Referrals by dispute type", queries.referrals_by_dispute_type,
            (Column("Referrals received"), Column("Became cases")), rows="dispute_type"),
    Section("referrals_by_urgency", "Referrals by urgency", queries.referrals_by_urgency,
            (Column("Referrals received"), Column("Became cases")), rows="urgency"),
    Section("cases_by_kind", "Cases opened and closed", queries.cases_by_kind,
            (Column("Opened"), Column("Closed")), rows="kind",
            note="Counted by the day each case opened or closed."),
    Section("case_outcomes", "Outcomes of the cases closed", queries.case_outcomes,
            (Column("Mediation"), Column("One-to-one coaching")), rows="case_outcome"),
    Section("sessions_by_kind", "Sessions by kind", queries.sessions_by_kind, ATTENDANCE, rows="session_kind",
            note="Counted by the day each session was (or was to be) held."),
    Section("sessions_by_mode", "Sessions by mode", queries.sessions_by_mode, ATTENDANCE, rows="session_mode"),
    Section("waiting_times", "Waiting times", queries.waiting_times,
            (Column("Referrals counted"), Column("Median (days)", **DAYS), Column("90th percentile (days)", **DAYS)),
            rows="wait", total=False, chart=False,
            note="For the referrals received in the period. First contact is the referral's triage (accepted "
                 "or declined); consent is the first consent given by a party of the case it became; the "
                 "first session is the first one held."),
    Section("funding", "Funding", queries.cases_by_funding,
            (Column("Cases opened"), Column("Fees charged (£)", **POUNDS), Column("Fees paid (£)", **POUNDS)),
            rows="funding"),
    Section("coaching_allowance", "Coaching allowance use", queries.coaching_allowance_use,
            (Column("Coaching cases opened"), Column("Sessions held"), Column("Sessions allowed")),
            rows="allowance_use", note="Sessions held on the coaching cases opened in the period, so far."),
    Section("volunteer_hours", "Volunteer coach hours", _volunteer_minutes,
            (Column("Coaches at held sessions"), Column("Session hours", **HOURS),
             Column("Preparation hours", **HOURS), Column("Total hours", **HOURS)),
            rows="session_kind"),
    Section("safeguarding", "Safeguarding concerns by category and level", queries.concerns_by_category,
            (Column("Immediate"), Column("High"), Column("Medium"), Column("Low")), rows="concern_category",
            note="Counts only."),
    Section("agreements", "Agreements", queries.agreements_made_and_reviewed, (Column("Agreements"),),
            rows="agreement_row", total=False,
            note="Made: made final in the period (each version). Reviewed: reviewed in the period, and how "
                 "the review found the agreement."),
    Section("feedback", "Feedback", queries.feedback_invited_and_answered, (Column("Forms"),),
            rows="feedback_row", total=False,
            note="Invitations made in the period (each party is invited once, when their case closes), and "
                 "forms answered in the period. What parties write in their own words is read by staff on the "
                 "case alone, never in a report."),
    Section("feedback_satisfaction", "Feedback: satisfaction with the service", queries.feedback_satisfaction,
            (Column("Answers"),), rows="satisfaction", note="Counted by the day each answer was given."),
    Section("feedback_helped", "Feedback: whether the service helped them deal with the conflict",
            queries.feedback_helped, (Column("Answers"),), rows="feedback_helped",
            note="Counted by the day each answer was given."),
    Section("feedback_situation", "Feedback: whether their situation is better", queries.feedback_situation,
            (Column("Answers"),), rows="feedback_situation", note="Counted by the day each answer was given."),
    Section("coaching_outcomes", "Outcomes of the coaching cases closed", queries.coaching_outcomes,
            (Column("Coaching cases closed"),), rows="goals_met",
            note="The party's goals met, as recorded by their coach or a coordinator."),
    *(Section(f"equality_{question}", f"Equality monitoring: {heading}", query, (Column("Parties"),),
              rows=question, always_shared=True, note=EQUALITY_NOTE)
      for question, heading, query in (
          ("age_band", "age band", queries.equality_age_band), ("gender", "gender", queries.equality_gender),
          ("ethnicity", "ethnicity", queries.equality_ethnicity),
          ("disability", "disability", queries.equality_disability),
          ("first_language", "first language", queries.equality_first_language))),
)
BY_NAME = {section.name: section for section in SECTIONS}


def _round_to(value, step):
    return int((Decimal(value) / step).quantize(Decimal(1), rounding=ROUND_HALF_UP) * step)


def _plain(value, column):
    shown = Decimal(str(value)) / column.scale
    return f"{shown:.{column.places}f}"


def is_small(count):
    return count is not None and 0 < count < 5


def cell_text(value, column, *, sharing, row_count=None):
    """A figure as the page, the CSV and the PDF show it (see the module's docstring)."""
    if value is None:
        return ""
    if not sharing:
        return _plain(value, column)
    if column.kind == COUNT:
        return FEWER_THAN_5 if is_small(value) else str(_round_to(value, 5))
    if is_small(row_count):
        return NOT_SHOWN
    if column.kind == STAT:
        return _plain(value, column)
    return _plain(_round_to(Decimal(str(value)) / column.scale, 5) * column.scale, column)


@dataclass
class Table:
    section: Section
    columns: tuple[Column, ...]
    rows: list = field(default_factory=list)        # (label, [cell text], [exact number])
    total: list | None = None                       # [cell text], or None

    @property
    def headings(self):
        return [column.heading for column in self.columns]


def build_table(section, figures, rows, *, sharing):
    """The section's table: `rows` [(code, label)] in order, each with its figures (zeros where
    the query found none), and a total row if the section adds up."""
    width = len(section.columns)
    sharing = sharing or section.always_shared
    table = Table(section, section.columns)
    hidden = [False] * width
    for code, label in rows:
        numbers = figures.get(code) or (0,) * width
        count = numbers[section.counted_by]
        texts = [cell_text(value, column, sharing=sharing, row_count=count)
                 for value, column in zip(numbers, section.columns, strict=True)]
        hidden = [was or text == NOT_SHOWN for was, text in zip(hidden, texts, strict=True)]
        table.rows.append((label, texts, numbers))
    if section.total:
        sums = [sum((numbers[i] or 0) for _, _, numbers in table.rows) for i in range(width)]
        table.total = [NOT_SHOWN if hidden[i] and column.kind != COUNT
                       else cell_text(sums[i], column, sharing=sharing, row_count=sums[section.counted_by])
                       for i, column in enumerate(section.columns)]
    return table
