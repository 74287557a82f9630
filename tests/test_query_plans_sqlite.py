"""Hot queries whose plans on SQLite depended on how their SQL is written or an index
(tests/test_query_plans.py holds PostgreSQL's plans): the referral queue's order is read from its
expression index, which SQLite uses only when the query writes the very same expression (the
urgency codes as literals, not parameters); and a party's action points look up whether each
is a final agreement's term by its own term's key, not through a list of every final
agreement's terms in the service; a coach's to-do reads their own sessions' notes and their own
cases' overdue action points, not every one in the service."""

from datetime import date

import pytest

from portal import queries
from portal.db import database
from portal.models import User
from portal.vocab import Role
from tests import dbutil
from tests.factories import make_user

pytestmark = pytest.mark.skipif(bool(dbutil.POSTGRES_URL), reason="SQLite's planner (PostgreSQL: test_query_plans)")


def plan(query):
    sql, params = query.sql()
    return [row[3] for row in database.execute_sql("EXPLAIN QUERY PLAN " + sql, params).fetchall()]


def test_the_referral_queue_is_read_in_order_from_its_index(app):
    coordinator = make_user(Role.COORDINATOR)
    assert plan(queries.referral_queue(coordinator).paginate(1, 25)) == ["SCAN t1 USING INDEX referral_queue_order"]
    assert plan(queries.referral_queue(coordinator, status="new").paginate(1, 25)) == [
        "SEARCH t1 USING INDEX referral_status_queue_order (status=?)"]


def test_a_party_s_action_points_look_up_their_own_term_only(app):
    party = make_user(Role.PARTY)
    steps = plan(queries.party_action_points(User.get_by_id(party.id)))
    assert "CORRELATED SCALAR SUBQUERY 1" in steps
    # The one list built is the party's own records, read from their index; no table is scanned.
    assert [step for step in steps if "LIST SUBQUERY" in step] == ["LIST SUBQUERY 2"], steps
    assert steps[steps.index("LIST SUBQUERY 2") + 1] == "SEARCH t5 USING COVERING INDEX case_party_user_id (user_id=?)"
    assert not [step for step in steps if step.startswith("SCAN")], steps
    assert "SEARCH t3 USING INTEGER PRIMARY KEY (rowid=?)" in steps


def test_a_coach_s_to_do_reads_only_their_own_cases_sessions_and_action_points(app):
    """Notes still to write ask each held session's own notes (not a list of every note in the
    service), and overdue action points are searched case by case of the coach's (not every
    overdue point in the service, then kept if on their cases)."""
    coach = User.get_by_id(make_user(Role.COACH).id)
    notes = plan(queries.notes_to_write(coach))
    assert "SEARCH t5 USING INDEX note_session_id (session_id=?)" in notes
    assert not [step for step in notes if step.startswith("SCAN")], notes
    overdue = plan(queries.overdue_action_points(coach, date(2026, 7, 15)))
    assert "SEARCH t1 USING INDEX action_point_case_id_done_at_due_on (case_id=? AND done_at=? AND due_on<?)" \
        in overdue, overdue
    assert not [step for step in overdue if step.startswith("SCAN")], overdue
