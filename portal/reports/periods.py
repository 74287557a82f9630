"""The periods a report can cover: the quick choices (the last full quarter of the financial year, this and last month,
this and last financial year) as the service's dates, and any period as UTC bounds."""

from dataclasses import dataclass
from datetime import date, time, timedelta

from flask import current_app

from portal.times import local_to_utc

# The quick choices, in the order offered; the first is the default.
QUICK = {
    "last_quarter": "Last full quarter",
    "this_month": "This month",
    "last_month": "Last month",
    "this_financial_year": "This financial year",
    "last_financial_year": "Last financial year",
}
DEFAULT = "last_quarter"


@dataclass(frozen=True)
class Period:
    first_day: date  # the service's dates, both included
    last_day: date

    @property
    def start(self):
        """The first day's local midnight, as naive UTC."""
        return local_to_utc(self.first_day, time(0))

    @property
    def end(self):
        """The local midnight after the last day, as naive UTC (excluded)."""
        return local_to_utc(self.last_day + timedelta(days=1), time(0))


def _month_start(year, month):
    """The first of a month counted from January of `year` (month 13 is next January)."""
    year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
    return date(year, month, 1)


def _months(first, count):
    return Period(first, _month_start(first.year, first.month + count) - timedelta(days=1))


def quick_period(name, today, year_start_month=None):
    """The period a quick choice names, on `today` (the service's date)."""
    start_month = year_start_month or current_app.config["FINANCIAL_YEAR_START_MONTH"]
    this_month = date(today.year, today.month, 1)
    if name == "this_month":
        return _months(this_month, 1)
    if name == "last_month":
        return _months(_month_start(today.year, today.month - 1), 1)
    if name == "last_quarter":
        # Quarters of the financial year (with April, the calendar's quarters too).
        into_quarter = (today.month - start_month) % 3
        return _months(_month_start(today.year, today.month - into_quarter - 3), 3)
    year = today.year if today.month >= start_month else today.year - 1
    if name == "this_financial_year":
        return _months(date(year, start_month, 1), 12)
    if name == "last_financial_year":
        return _months(date(year - 1, start_month, 1), 12)
    raise KeyError(name)
