"""UTC in the database, the service's own time zone on pages and in forms."""

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app


def service_zone():
    return ZoneInfo(current_app.config["TIMEZONE"])


def to_local(moment):
    """A stored (naive UTC) datetime as an aware datetime in the service's zone."""
    return moment.replace(tzinfo=UTC).astimezone(service_zone())


def local_today():
    """Today's date where the service is (a due date is "by the end of that day" there)."""
    return datetime.now(service_zone()).date()


def local_to_utc(day, time_of_day):
    """A date and time as people enter them (service zone) as naive UTC for storage."""
    local = datetime.combine(day, time_of_day, tzinfo=service_zone())
    return local.astimezone(UTC).replace(tzinfo=None)


@dataclass(frozen=True)
class DiaryDays:
    """Where a diary's days begin, as naive UTC: today's midnight, tomorrow's, and next Monday's
    (the end of this week), all in the service's zone, so that a session at 00:30 there is
    tomorrow's even while it is still today in UTC."""
    today: datetime
    tomorrow: datetime
    next_week: datetime

    def group(self, sessions):
        """Sessions (from today on, soonest first) as [("today" | "this_week" | "later", rows)],
        every heading kept, in that order."""
        groups = {"today": [], "this_week": [], "later": []}
        for session in sessions:
            when = session.starts_at
            key = "today" if when < self.tomorrow else "this_week" if when < self.next_week else "later"
            groups[key].append(session)
        return list(groups.items())


def diary_days(today):
    """The diary's day boundaries for `today` (the service's date)."""
    midnight = time(0)
    return DiaryDays(today=local_to_utc(today, midnight),
                     tomorrow=local_to_utc(today + timedelta(days=1), midnight),
                     next_week=local_to_utc(today + timedelta(days=7 - today.weekday()), midnight))


# How dates and times read on pages, in emails and in files, each named for what it shows.
# A stored datetime (naive UTC) is shown in the service's zone; a date is a day already.
FORMATS = {
    "long_date": "%-d %B %Y",                 # 21 November 2026
    "short_date": "%-d %b %Y",                # 21 Nov 2026
    "date_time": "%-d %B %Y, %H:%M",          # 21 November 2026, 10:30
    "short_date_time": "%-d %b %Y, %H:%M",    # 21 Nov 2026, 10:30
    "short_date_time_seconds": "%-d %b %Y, %H:%M:%S",  # 21 Nov 2026, 10:30:05 (audit log)
    "day_date_time": "%A %-d %B %Y, %H:%M",   # Saturday 21 November 2026, 10:30
}


def _shown(moment, fmt):
    if moment is None:
        return ""
    if isinstance(moment, datetime):
        moment = to_local(moment)
    return moment.strftime(fmt)


def long_date(moment):
    return _shown(moment, FORMATS["long_date"])


def short_date(moment):
    return _shown(moment, FORMATS["short_date"])


def date_time(moment):
    return _shown(moment, FORMATS["date_time"])


def short_date_time(moment):
    return _shown(moment, FORMATS["short_date_time"])


def short_date_time_seconds(moment):
    return _shown(moment, FORMATS["short_date_time_seconds"])


def day_date_time(moment):
    return _shown(moment, FORMATS["day_date_time"])


DATE_FILTERS = (long_date, short_date, date_time, short_date_time, short_date_time_seconds,
                day_date_time)


def _count(number, unit):
    return f"{number} {unit}{'' if number == 1 else 's'}"


def duration_words(delta):
    """A length of time in words, as exact as a person needs: "45 minutes", "2 hours 5 minutes",
    "3 days 4 hours", "12 days"."""
    minutes = max(0, int(delta.total_seconds() // 60))
    if minutes < 1:
        return "less than a minute"
    hours, minutes = divmod(minutes, 60)
    if not hours:
        return _count(minutes, "minute")
    days, hours = divmod(hours, 24)
    if not days:
        return _count(hours, "hour") + (f" {_count(minutes, 'minute')}" if minutes else "")
    if days < 7 and hours:
        return f"{_count(days, 'day')} {_count(hours, 'hour')}"
    return _count(days, "day")


def init_app(app):
    for date_filter in DATE_FILTERS:
        app.add_template_filter(date_filter, date_filter.__name__)
    app.add_template_filter(duration_words, "duration")
    app.add_template_global(local_today, "local_today")
