"""The coordinators' Safeguarding page: order, overdue marking, filters and paging with and without
htmx, the list refreshing itself, and the count of open concerns in the navigation."""

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine

from portal.models import SafeguardingConcern
from portal.vocab import ConcernLevel, ConcernState, Role
from tests.conftest import enter_as
from tests.factories import allocate, make_case, make_concern, make_user

HTMX = {"HX-Request": "true"}
ROW_RE = re.compile(r'<tr id="concern-row-(\d+)"')


def now_utc():
    """Now as the database stores it (naive UTC), to the second."""
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


@pytest.fixture
def coordinator(app):
    return make_user(Role.COORDINATOR, name="Cass Coordinator")


@pytest.fixture
def staff(make_browser, coordinator):
    browser = make_browser()
    enter_as(browser.client, coordinator)
    return browser


@pytest.fixture
def raiser(app):
    return make_user(Role.COACH, name="Ray Raiser")


def concern(raiser, level="high", age=timedelta(hours=1), now=None, **fields):
    case = fields.pop("case", None) or make_case()
    return make_concern(case, raiser, level=level, created_at=(now or now_utc()) - age, **fields)


def row_ids(html):
    return [int(i) for i in ROW_RE.findall(html)]


def rows_by_id(html):
    """{concern id: the html of its row}."""
    parts = re.split(r'(?=<tr id="concern-row-)', html)
    return {int(ROW_RE.match(p).group(1)): p.split("</tr>")[0] for p in parts if ROW_RE.match(p)}


def dashboard(browser, query="", **kwargs):
    response = browser.get("/safeguarding" + (f"?{query}" if query else ""), **kwargs)
    assert response.status_code == 200
    return response.get_data(as_text=True)


# --- order ---------------------------------------------------------------------------------

def test_most_urgent_first_then_oldest_first_and_closed_ones_left_out(staff, raiser):
    low_old = concern(raiser, "low", timedelta(days=30))
    medium = concern(raiser, "medium", timedelta(days=5))
    high_new = concern(raiser, "high", timedelta(minutes=5))
    high_old = concern(raiser, "high", timedelta(days=3))
    immediate_new = concern(raiser, "immediate", timedelta(minutes=1))
    immediate_old = concern(raiser, "immediate", timedelta(hours=2), state=ConcernState.ACKNOWLEDGED)
    concern(raiser, "immediate", timedelta(days=1), state=ConcernState.CLOSED)
    assert row_ids(dashboard(staff)) == [c.id for c in (
        immediate_old, immediate_new, high_old, high_new, medium, low_old)]


def test_each_row_shows_level_category_case_raiser_age_and_acknowledgement(staff, raiser):
    case = make_case(reference="AC-2026-0777")
    waiting = concern(raiser, "medium", timedelta(hours=3, minutes=10), case=case,
                      category="adult_at_risk")
    seen = concern(raiser, "low", timedelta(days=2), state=ConcernState.ACKNOWLEDGED,
                   acknowledged_at=now_utc() - timedelta(days=1))
    rows = rows_by_id(dashboard(staff))
    for words in ("Medium", "Adult at risk", "AC-2026-0777", "Ray Raiser", "3 hours 10 minutes ago",
                  "Not yet"):
        assert words in rows[waiting.id], words
    assert "2 days ago" in rows[seen.id] and "Yes, " in rows[seen.id]
    assert f'href="/safeguarding/concerns/{waiting.id}"' in rows[waiting.id]


# --- overdue -------------------------------------------------------------------------------

@pytest.mark.parametrize("level, age, acknowledged, overdue", [
    ("immediate", timedelta(minutes=59), False, False),
    ("immediate", timedelta(minutes=61), False, True),
    ("high", timedelta(hours=23, minutes=59), False, False),
    ("high", timedelta(hours=24, minutes=1), False, True),
    ("immediate", timedelta(hours=5), True, False),
    ("high", timedelta(days=9), True, False),
    ("medium", timedelta(days=60), False, False),
    ("low", timedelta(days=60), False, False),
])
def test_overdue_marking_at_the_boundaries_with_time_frozen(staff, raiser, level, age, acknowledged, overdue):
    frozen = now_utc()
    item = concern(raiser, level, age, now=frozen,
                   state=ConcernState.ACKNOWLEDGED if acknowledged else ConcernState.OPEN)
    # Time stands still: the page sees exactly `age`, however slow the machine.
    with time_machine.travel(frozen.replace(tzinfo=UTC), tick=False):
        row = rows_by_id(dashboard(staff))[item.id]
        page = staff.get(f"/safeguarding/concerns/{item.id}").get_data(as_text=True)
    assert ("Overdue: not acknowledged within" in row) is overdue
    assert ('class="row-overdue"' in row) is overdue
    assert ("Overdue: not acknowledged within" in page) is overdue


def test_a_concern_becomes_overdue_as_time_passes_and_says_the_limit_in_words(staff, raiser):
    frozen = now_utc()
    item = concern(raiser, "immediate", timedelta(minutes=30), now=frozen)
    with time_machine.travel(frozen.replace(tzinfo=UTC), tick=False) as clock:
        assert "Overdue" not in rows_by_id(dashboard(staff))[item.id]
        # Two steps, each within a staff session's 30 idle minutes: the page is asked at each.
        clock.shift(timedelta(minutes=20))
        assert "Overdue" not in rows_by_id(dashboard(staff))[item.id]
        clock.shift(timedelta(minutes=11))
        assert "Overdue: not acknowledged within 1 hour" in rows_by_id(dashboard(staff))[item.id]


def test_the_limits_are_configurable(app, staff, raiser):
    app.config.update(SAFEGUARDING_IMMEDIATE_ACK_MINUTES=30, SAFEGUARDING_HIGH_ACK_HOURS=2)
    immediate = concern(raiser, "immediate", timedelta(minutes=45))
    high = concern(raiser, "high", timedelta(hours=3))
    rows = rows_by_id(dashboard(staff))
    assert "Overdue: not acknowledged within 30 minutes" in rows[immediate.id]
    assert "Overdue: not acknowledged within 2 hours" in rows[high.id]


def test_the_default_limits_are_an_hour_and_a_day():
    from portal.config import Config
    assert (Config.SAFEGUARDING_IMMEDIATE_ACK_MINUTES, Config.SAFEGUARDING_HIGH_ACK_HOURS) == (60, 24)


# --- filters and paging --------------------------------------------------------------------

@pytest.fixture
def spread(raiser):
    """One concern of each kind worth filtering on."""
    other = make_user(Role.COORDINATOR, name="Olga Otherraiser")
    return {
        "open_high": concern(raiser, "high", timedelta(hours=2), category="risk_to_self"),
        "ack_low": concern(raiser, "low", timedelta(days=2), category="child_protection",
                           state=ConcernState.ACKNOWLEDGED),
        "closed_medium": concern(raiser, "medium", timedelta(days=3), category="risk_to_self",
                                 state=ConcernState.CLOSED),
        "by_other": concern(other, "immediate", timedelta(minutes=3), category="domestic_abuse"),
        "other": other,
    }


FILTERS = [
    ("", ["by_other", "open_high", "ack_low"]),
    ("status=open", ["by_other", "open_high"]),
    ("status=acknowledged", ["ack_low"]),
    ("status=closed", ["closed_medium"]),
    ("level=high", ["open_high"]),
    ("category=risk_to_self", ["open_high"]),
    ("category=risk_to_self&status=closed", ["closed_medium"]),
    ("raised_by={other}", ["by_other"]),
]


@pytest.mark.parametrize("query, expected", FILTERS)
def test_filters_without_javascript_give_the_whole_page(staff, spread, query, expected):
    html = dashboard(staff, query.format(other=spread["other"].id))
    assert "<html" in html and "<h1>Safeguarding concerns</h1>" in html
    assert row_ids(html) == [spread[name].id for name in expected]


@pytest.mark.parametrize("query, expected", FILTERS)
def test_filters_with_htmx_give_the_list_only(staff, spread, query, expected):
    response = staff.get("/safeguarding?" + query.format(other=spread["other"].id), headers=HTMX)
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<div id="concern-list"') and "<html" not in html
    assert "HX-Request" in response.headers["Vary"]
    assert row_ids(html) == [spread[name].id for name in expected]


def test_the_date_range_is_in_the_services_time_zone(staff, raiser):
    # 23:30 UTC on 30 June is 00:30 on 1 July in London (summer time).
    late_june = concern(raiser, "low", timedelta(0), now=datetime(2026, 6, 30, 23, 30))
    early_june = concern(raiser, "low", timedelta(0), now=datetime(2026, 6, 30, 22, 30))
    july_day = concern(raiser, "low", timedelta(0), now=datetime(2026, 7, 2, 12, 0))
    assert row_ids(dashboard(staff, "raised_from=2026-07-01")) == [late_june.id, july_day.id]
    assert row_ids(dashboard(staff, "raised_to=2026-06-30")) == [early_june.id]
    assert row_ids(dashboard(staff, "raised_from=2026-07-01&raised_to=2026-07-01")) == [late_june.id]
    # Typed the UK way, where there is no date picker.
    assert row_ids(dashboard(staff, "raised_from=01/07/2026&raised_to=01/07/2026")) == [late_june.id]


@pytest.mark.parametrize("query, message", [
    ("level=urgent", "Level: Not a valid choice"),
    ("raised_from=2026-02-31", "Raised from: Enter the date as day/month/year, for example 21/11/2026."),
    ("raised_from=31/02/2026", "Raised from: Enter the date as day/month/year, for example 21/11/2026."),
    ("raised_from=2026-07-02&raised_to=2026-07-01", "The end of the date range is before its start."),
    ("raised_by=999999", "Raised by: Not a valid choice"),
])
def test_a_filter_that_is_not_understood_is_said_and_not_applied(staff, spread, query, message):
    for headers in ({}, HTMX):
        html = staff.get(f"/safeguarding?{query}", headers=headers).get_data(as_text=True)
        assert message in html
        assert len(row_ids(html)) == 3


def test_paging_keeps_the_filters(staff, raiser):
    made = [concern(raiser, "high", timedelta(hours=30 - i)) for i in range(23)]
    concern(raiser, "low", timedelta(hours=1))
    first = dashboard(staff, "level=high")
    assert row_ids(first) == [c.id for c in made[:20]]
    assert 'href="/safeguarding?page=2&amp;level=high"' in first
    second = dashboard(staff, "level=high&page=2")
    assert row_ids(second) == [c.id for c in made[20:]]
    fragment = staff.get("/safeguarding?level=high&page=2", headers=HTMX).get_data(as_text=True)
    assert row_ids(fragment) == [c.id for c in made[20:]]


# --- refreshing itself ---------------------------------------------------------------------

def test_the_list_fetches_itself_every_minute_with_its_filters_and_page(staff, spread):
    html = dashboard(staff, "level=high&status=open")
    root = re.search(r'<div id="concern-list"[^>]*>', html).group(0)
    assert 'hx-trigger="every 60s"' in root and 'hx-swap="outerHTML"' in root
    poll = re.search(r'hx-get="([^"]+)"', root).group(1).replace("&amp;", "&")
    assert poll.startswith("/safeguarding?")
    assert set(poll.split("?")[1].split("&")) == {"page=1", "status=open", "level=high"}
    refreshed = staff.get(poll, headers=HTMX).get_data(as_text=True)
    assert refreshed.lstrip().startswith('<div id="concern-list"')
    assert row_ids(refreshed) == [spread["open_high"].id]


def test_a_refresh_picks_up_a_new_concern_and_updates_the_navigation_count(staff, raiser):
    concern(raiser, "high")
    assert "(1 open)" in dashboard(staff)
    newer = concern(raiser, "immediate", timedelta(seconds=5))
    refreshed = staff.get("/safeguarding?page=1", headers=HTMX).get_data(as_text=True)
    assert row_ids(refreshed)[0] == newer.id
    assert re.search(r'<span id="nav-concern-count"[^>]*hx-swap-oob="true"[^>]*>\(2 open\)</span>', refreshed)
    # The whole page has the count once, in the navigation, and no out-of-band copy.
    page = dashboard(staff)
    assert page.count('id="nav-concern-count"') == 1 and "hx-swap-oob" not in page


# --- the navigation count -----------------------------------------------------------------

def test_the_coordinators_navigation_counts_concerns_not_yet_closed(staff, raiser):
    for state in (ConcernState.OPEN, ConcernState.OPEN, ConcernState.ACKNOWLEDGED,
                  ConcernState.CLOSED):
        concern(raiser, state=state)
    home = staff.get("/coordinator").get_data(as_text=True)
    assert re.search(r'<a href="/safeguarding">Safeguarding <span[^>]*>\(3 open\)</span></a>', home)
    SafeguardingConcern.update(state=ConcernState.CLOSED).execute()
    assert "(0 open)" in staff.get("/coordinator").get_data(as_text=True)


@pytest.mark.parametrize("role", [Role.COACH, Role.PARTY])
def test_nobody_else_has_the_link_or_the_count(make_browser, raiser, role):
    user = make_user(role)
    item = concern(raiser)
    if role == Role.COACH:
        allocate(item.case, user)
    browser = make_browser()
    enter_as(browser.client, user)
    home = browser.get("/").headers["Location"]
    html = browser.get(home).get_data(as_text=True)
    assert 'href="/safeguarding"' not in html and "open)" not in html


# --- who may see the page ------------------------------------------------------------------

@pytest.mark.parametrize("role, status", [(Role.COACH, 403), (Role.PARTY, 403)])
def test_the_page_is_for_coordinators_only(make_browser, raiser, role, status):
    concern(raiser, description="Dashboard-marker-3391")
    browser = make_browser()
    enter_as(browser.client, make_user(role))
    for headers in ({}, HTMX):
        response = browser.get("/safeguarding?status=closed", headers=headers)
        assert response.status_code == status
        assert "Dashboard-marker-3391" not in response.get_data(as_text=True)


def test_a_signed_out_refresh_is_sent_to_sign_in_as_a_whole_page(client):
    response = client.get("/safeguarding?page=1", headers=HTMX)
    assert response.headers["HX-Redirect"].startswith("/sign-in")


def test_each_level_is_shown_in_words_and_its_own_colour(app, staff, raiser):
    made = {level: concern(raiser, level) for level in ConcernLevel}
    html = dashboard(staff)
    rows = rows_by_id(html)
    assert row_ids(html) == [made[level].id for level in ConcernLevel]  # most urgent first
    for level, c in made.items():
        assert f'class="level level-{level}">{level.capitalize()}<span' in rows[c.id], level
    # Each level's colour is a rule of its own in the stylesheet (contrast: tests/browser).
    css = (Path(app.static_folder) / "css" / "accord.css").read_text(encoding="utf-8")
    backgrounds = {level: re.search(rf"a\.level-{level} \{{ background: ([^;]+);", css).group(1)
                   for level in ConcernLevel}
    assert len(set(backgrounds.values())) == len(ConcernLevel), backgrounds


def test_the_open_count_is_counted_once_in_a_get_and_afresh_in_any_other_request(app, coordinator):
    """The coordinator's home and its navigation share one count (a GET changes nothing); a
    request that may change a concern counts again each time it asks."""
    from portal import queries
    case = make_case()
    make_concern(case, coordinator)
    with app.test_request_context("/coordinator"):
        assert queries.open_concern_count_for(coordinator) == 1
        make_concern(case, coordinator)
        assert queries.open_concern_count_for(coordinator) == 1
    with app.test_request_context("/coordinator", method="POST"):
        assert queries.open_concern_count_for(coordinator) == 2
        make_concern(case, coordinator)
        assert queries.open_concern_count_for(coordinator) == 3
    assert queries.open_concern_count_for(coordinator) == 3  # outside a request: counted
