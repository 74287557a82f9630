"""Calendar files (.ics, RFC 5545) for sessions, built with the `icalendar` package.

An event carries the time (in UTC), the kind of session, the place or the online link, and
nothing confidential: no other party's name, no notes, no supporter, and never the address of a
home visit (`policy.calendar_carries_session_address`: a calendar file travels to other
services; a party's sessions are not even loaded with it).
"""

from datetime import UTC, timedelta

from icalendar import Calendar, Event

from portal import labels, policy
from portal.models import utcnow
from portal.vocab import SessionMode, SessionStatus

PRODID = "-//Accord//Accord sessions//EN"
MEDIA_TYPE = "text/calendar; charset=utf-8"


def _utc(moment):
    return moment.replace(tzinfo=UTC)


def _place(session):
    """(LOCATION, DESCRIPTION) words for the session's mode."""
    if session.mode == SessionMode.ONLINE:
        return "Online", f"Join online: {session.online_link}"
    if session.mode == SessionMode.TELEPHONE:
        return "Telephone", "This session is by telephone."
    # Whether a file carries an address depends on the mode alone: no attendees are loaded.
    if not policy.calendar_carries_session_address(session.facts(attendees=())):
        return labels.label(session.mode), f"This session is a {labels.label(session.mode).lower()}."
    # A party's sessions come without a home visit's address (`queries`); staff's with it, and
    # the policy keeps it out of the file either way.
    return session.location or labels.label(session.mode), ""


def session_event(session, *, service_name, domain, staff_link=None):
    """One VEVENT. `staff_link` (a coach's own file) adds the case reference and its page."""
    location, description = _place(session)
    summary = f"{service_name}: {labels.label(session.kind, 'session_kind')}"
    if staff_link:
        summary += f" ({session.case.reference})"
        description = "\n".join(filter(None, [description, f"Case page: {staff_link}"]))
    event = Event()
    event.add("uid", f"session-{session.id}@{domain}")
    # One more at each move or cancellation, so a later file updates the event it made.
    event.add("sequence", session.sequence or 0)
    event.add("dtstamp", _utc(utcnow().replace(microsecond=0)))
    event.add("dtstart", _utc(session.starts_at))
    event.add("dtend", _utc(session.starts_at + timedelta(minutes=session.duration_minutes)))
    event.add("summary", summary)
    event.add("location", location)
    if description:
        event.add("description", description)
    if session.mode == SessionMode.ONLINE and session.online_link:
        event.add("url", session.online_link)
    event.add("status", "CANCELLED" if session.status == SessionStatus.CANCELLED else "CONFIRMED")
    return event


def calendar_file(sessions, *, service_name, domain, staff_links=None, method=None, organizer=None):
    """A whole .ics file (bytes) with one event per session. `method` (REQUEST or CANCEL) and
    `organizer` (the service's address) make it an invitation that updates or removes the event
    in the calendar it was added to (RFC 5546), as emailed to a party."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    if method:
        calendar.add("method", method)
    for session in sessions:
        link = staff_links.get(session.id) if staff_links else None
        event = session_event(session, service_name=service_name, domain=domain, staff_link=link)
        if organizer:
            event.add("organizer", f"mailto:{organizer}", parameters={"CN": service_name})
        calendar.add_component(event)
    return calendar.to_ical()


def emailed_file(session, *, config, domain):
    """The attachment for a party's email about `session` (booked, moved or cancelled): the
    same UID as every other file of it, its current SEQUENCE, METHOD:CANCEL once cancelled."""
    method = "CANCEL" if session.status == SessionStatus.CANCELLED else "REQUEST"
    data = calendar_file([session], service_name=config["SERVICE_NAME"], domain=domain, method=method,
                         organizer=config["SERVICE_EMAIL"])
    return (f"accord-session-{session.id}.ics", f"text/calendar; method={method}; charset=utf-8", data)
