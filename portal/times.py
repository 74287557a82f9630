"""UTC in the database, the service's own time zone on pages and in forms."""

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from flask import current_app


def service_zone():
    return ZoneInfo(current_app.config["TIMEZONE"])


def to_local(moment):
    """A stored (naive UTC) datetime as an aware datetime in the service's zone."""
    return moment.replace(tzinfo=timezone.utc).astimezone(service_zone())


def local_to_utc(day, time_of_day):
    """A date and time as people enter them (service zone) as naive UTC for storage."""
    local = datetime.combine(day, time_of_day, tzinfo=service_zone())
    return local.astimezone(timezone.utc).replace(tzinfo=None)


def localtime(moment, fmt="%-d %B %Y, %H:%M"):
    """Template filter: a stored UTC datetime shown in the service's zone."""
    if moment is None:
        return ""
    return to_local(moment).strftime(fmt)


def init_app(app):
    app.add_template_filter(localtime, "localtime")
