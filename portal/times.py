"""UTC in the database, the service's own time zone on pages and in forms."""

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from flask import current_app


def service_zone():
    return ZoneInfo(current_app.config["TIMEZONE"])


def to_local(moment):
    """A stored (naive UTC) datetime as an aware datetime in the service's zone."""
    return moment.replace(tzinfo=timezone.utc).astimezone(service_zone())


def local_today():
    """Today's date where the service is (a due date is "by the end of that day" there)."""
    return datetime.now(service_zone()).date()


def local_to_utc(day, time_of_day):
    """A date and time as people enter them (service zone) as naive UTC for storage."""
    local = datetime.combine(day, time_of_day, tzinfo=service_zone())
    return local.astimezone(timezone.utc).replace(tzinfo=None)


def localtime(moment, fmt="%-d %B %Y, %H:%M"):
    """Template filter: a stored UTC datetime shown in the service's zone."""
    if moment is None:
        return ""
    return to_local(moment).strftime(fmt)


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
    app.add_template_filter(localtime, "localtime")
    app.add_template_filter(duration_words, "duration")
    app.add_template_global(local_today, "local_today")
