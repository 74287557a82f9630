"""Query budgets (issue 12): every hot page runs a fixed number of SQL statements whatever the
size of the data, with no statement per row. Each page is loaded on a small service and on one
ten times larger; the count is the same on both, exactly the count written here, and within the
page's budget: 8 for a list page, 12 for the case page. Everything the request runs is counted,
loading the signed-in user and the navigation's count included.

A page that needs more does not get a larger budget: it runs fewer statements (`queries.Batch`
sends many lists as one)."""

import contextlib

import pytest

from portal.db import database
from tests.conftest import enter_as
from tests.factories import make_busy_service

LIST_PAGE = 8
CASE_PAGE = 12
# The reports page (issue 15) sums over every case: a statement per section, three for the
# waiting times (each measure's sorted column), and the funding schemes for the filter; the
# feedback (4), coaching outcome (1) and equality (5, one per question) sections one each.
REPORT_PAGE = 30

# (page, who, address, budget, statements it runs)
PAGES = [
    # The work queue (issue 13): its nine lists, their counts and the new referrals' count travel
    # as one statement; then the navigation's count of open concerns; and a safeguarding lead's
    # pages ask for urgent concerns whose email has not gone (issue 14).
    # A page that shows an entry of the service's own lists (a dispute type, an outcome, a
    # referral source; issue 15) reads every list once, in one statement: one more (here, and on
    # the referral queue, the case list, the case page and the coach's home).
    ("coordinator's home", "admin", "/coordinator", LIST_PAGE, 5),
    ("referral queue", "admin", "/referrals", LIST_PAGE, 5),
    ("safeguarding dashboard", "admin", "/safeguarding", LIST_PAGE, 6),
    ("people", "admin", "/admin/people", LIST_PAGE, 4),
    ("case list", "admin", "/cases", LIST_PAGE, 8),
    ("case list, searched and filtered", "admin", "/cases?q=AC&status=all&kind=mediation&sort=next_session",
     LIST_PAGE, 8),
    ("case list, coach", "coach", "/cases", LIST_PAGE, 6),
    ("audit trail", "admin", "/admin/audit", LIST_PAGE, 5),
    ("messages", "admin", "/admin/messages", LIST_PAGE, 4),
    # The signed-in user, the navigation's count of open concerns, and every list in one.
    ("a list of the service's", "admin", "/admin/lists/dispute_type", LIST_PAGE, 3),
    # Retention (issue 16): the signed-in user, the navigation's count, then each of its three
    # paged lists (cases due, declined referrals due, erasure requests) as a count and a page.
    ("retention", "admin", "/retention", LIST_PAGE, 8),
    ("case page, coordinator", "admin", "/cases/{big}", CASE_PAGE, 6),
    ("case page, second pages", "admin", "/cases/{big}?notes_page=2&events_page=2", CASE_PAGE, 6),
    # The coach's home: their diary, to-do lists, requests and the page of the table of their
    # cases with its count travel as one statement (issue 13), after the signed-in user.
    ("coach's home", "coach", "/coach", LIST_PAGE, 3),
    # A coach opening the case page moves on what they have seen there: one statement more.
    ("case page, coach", "coach", "/cases/{big}", CASE_PAGE, 6),
    # A party's every page names their coaches in the layout: one statement more (issue 13).
    # Their home page's lists (sessions, records, agreements, their seats and requests, their
    # action points) travel as one statement, and so do their action points and goals.
    ("party's home", "party", "/party", LIST_PAGE, 5),
    ("your action points", "party", "/action-points", LIST_PAGE, 4),
    ("shared with you", "party", "/shared", LIST_PAGE, 3),
    ("reports", "admin", "/reports?period=this_financial_year", REPORT_PAGE, 29),
]


@contextlib.contextmanager
def counting_statements():
    """Every SQL statement run inside the block, in order."""
    seen = []
    real = database.obj  # the proxy's database: the proxy itself takes no attributes
    execute_sql = real.execute_sql

    def counting(sql, *args, **kwargs):
        seen.append(sql)
        return execute_sql(sql, *args, **kwargs)

    real.execute_sql = counting
    try:
        yield seen
    finally:
        del real.execute_sql


def statements_of_every_page(app, size):
    """{page: the statements its request ran}, on a service of `size` (added to the database)."""
    with database.atomic():
        people, big = make_busy_service(app, size)
    found = {}
    for name, who, address, _, _ in PAGES:
        client = enter_as(app.test_client(), people[who])
        with counting_statements() as seen:
            response = client.get(address.format(big=big.reference))
        assert response.status_code == 200, (name, response.status_code)
        found[name] = seen
    return found


@pytest.fixture
def small_and_large(app):
    return statements_of_every_page(app, 1), statements_of_every_page(app, 10)


def test_every_hot_page_runs_the_same_statements_at_ten_times_the_size(small_and_large):
    small, large = small_and_large
    for name, _, _, budget, expected in PAGES:
        assert len(small[name]) == len(large[name]), (name, large[name])
        assert len(large[name]) <= budget, (name, large[name])
        assert len(large[name]) == expected, (name, large[name])
