"""Dates and times on pages go through named filters (portal/times.py), never a strftime
string spelt out in a template; and codes turned into words go through labels."""

import re
from datetime import date, datetime
from pathlib import Path

import pytest

from portal import labels
from portal.models import Case
from portal.vocab import Role
from tests.factories import make_case, make_user

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"

# Stored datetimes are naive UTC. 23:30 UTC on 30 June is already 1 July, 00:30, in London.
LATE_IN_JUNE = datetime(2026, 6, 30, 23, 30, 5)
# In winter London is on UTC.
IN_NOVEMBER = datetime(2026, 11, 21, 10, 30, 5)


def test_no_template_spells_out_a_date_format():
    offenders = [f"{path.relative_to(TEMPLATES)}:{number}"
                 for path in sorted(TEMPLATES.rglob("*.html"))
                 for number, line in enumerate(path.read_text().splitlines(), 1)
                 if re.search(r"strftime|\|\s*localtime|%-d|%[aAbBYHMS]", line)]
    assert offenders == []


@pytest.mark.parametrize(("name", "winter", "summer_near_midnight"), [
    ("long_date", "21 November 2026", "1 July 2026"),
    ("short_date", "21 Nov 2026", "1 Jul 2026"),
    ("date_time", "21 November 2026, 10:30", "1 July 2026, 00:30"),
    ("short_date_time", "21 Nov 2026, 10:30", "1 Jul 2026, 00:30"),
    ("short_date_time_seconds", "21 Nov 2026, 10:30:05", "1 Jul 2026, 00:30:05"),
    ("day_date_time", "Saturday 21 November 2026, 10:30", "Wednesday 1 July 2026, 00:30"),
])
def test_each_filter_shows_a_stored_utc_moment_in_the_service_s_zone(
        app, name, winter, summer_near_midnight):
    with app.app_context():
        shown = app.jinja_env.filters[name]
        assert shown(IN_NOVEMBER) == winter
        assert shown(LATE_IN_JUNE) == summer_near_midnight
        assert shown(None) == ""


@pytest.mark.parametrize(("name", "expected"), [
    ("long_date", "30 June 2026"), ("short_date", "30 Jun 2026")])
def test_a_date_is_a_day_already_and_is_not_moved(app, name, expected):
    with app.app_context():
        assert app.jinja_env.filters[name](date(2026, 6, 30)) == expected


def test_the_service_s_zone_is_the_configured_one(app):
    app.config["TIMEZONE"] = "America/New_York"
    with app.app_context():
        assert app.jinja_env.filters["date_time"](LATE_IN_JUNE) == "30 June 2026, 19:30"


@pytest.mark.parametrize(("group", "code", "words"), [
    ("agreement_standing", "your_answer", "waiting for your answer"),
    ("agreement_standing", "accepted", "you have accepted it; waiting for another party's answer"),
    ("agreement_standing", "proposed", "proposed"),
    ("agreement_standing", "final", "final"),
    ("agreement_standing", "superseded", "replaced by a later version"),
    ("my_consent", "given", "You have agreed to take part."),
    ("my_consent", "withdrawn", "You have withdrawn."),
    ("my_consent", "declined", "You said you did not want to take part."),
    ("my_consent", "pending", "You have not told us yet whether you want to take part."),
    ("my_session_mode", "online", "Online"),
    ("my_session_mode", "telephone", "By telephone"),
    ("my_session_mode", "home_visit", "A home visit"),
    ("my_session_mode", "face_to_face", "Face to face"),
    ("my_session_mode", "community_venue", "Community venue"),
    ("not_accepted", "draft", "will be asked once it is proposed."),
    ("not_accepted", "proposed", "has not accepted yet."),
    ("not_accepted", "final", "did not accept this version."),
    ("not_accepted", "superseded", "did not accept this version."),
])
def test_states_once_written_out_in_templates_are_labels(group, code, words):
    assert labels.label(code, group) == words


def test_the_coordinator_s_work_queue_shows_the_day_a_case_opened_where_the_service_is(
        make_browser):
    # The coordinator's list of cases used to show the stored UTC day: a case opened at 00:30
    # in London on 1 July read "30 Jun 2026". The work queue's cases with no coach say it now.
    case = make_case()
    Case.update(created_at=LATE_IN_JUNE).where(Case.id == case.id).execute()
    staff = make_browser()
    staff.enter_as(make_user(Role.COORDINATOR))
    page = staff.get("/coordinator").get_data(as_text=True)
    assert f"{case.reference}</a>, mediation, opened 1 Jul 2026" in page
    assert "30 Jun 2026" not in page
