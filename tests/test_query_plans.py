"""The coordinators' hot queries use their indexes (PostgreSQL only, with EXPLAIN).

Every filter and sort a coordinator's list offers has an index (portal/models.py, migration 6).
These tests fill a database of their own with a few thousand believable cases, referrals,
concerns, agreements and audit rows (mostly closed and old, as a service's data is), ANALYZE it,
then ask PostgreSQL's planner how it would run each query exactly as the portal builds it: the
real `portal.queries` function for a coordinator, paged as its page pages it, including the
count the pager runs first. Each plan must read the filtered table through the named index and
never scan it whole.

SQLite has no comparable planner output to hold it to, so these tests run only when
TEST_DATABASE_URL names a PostgreSQL server.
"""

import contextlib
import random
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from portal import queries, search_terms
from portal.cases.listing import COUNT_CAP
from portal.config import TestConfig
from portal.db import database
from portal.migrations import upgrade
from portal.models import (
    ActionPoint,
    Agreement,
    AuditEvent,
    Case,
    CaseParty,
    CoachAllocation,
    Referral,
    SafeguardingConcern,
    SearchTerm,
    User,
    utcnow,
)
from portal.vocab import (
    AgreementState,
    CaseKind,
    CaseStatus,
    ConcernCategory,
    ConcernLevel,
    ConcernState,
    ConsentState,
    DisputeType,
    ReferralSource,
    ReferralStatus,
    Role,
    Stage,
    Urgency,
)
from tests import dbutil
from tests.apps import build_app, new_database_url

pytestmark = pytest.mark.skipif(
    not dbutil.POSTGRES_URL,
    reason="TEST_DATABASE_URL is not set: query plans are checked on PostgreSQL only")

CASES = 4000
TABLES = ("user", "referral", "case", "safeguarding_concern", "agreement", "audit_event", "case_party",
          "search_term", "action_point")
FIRST = ("Ada", "Ben", "Chloe", "Dev", "Ewa", "Finn", "Grace", "Hamza", "Isla", "Jack")
LAST = ("Ahmed", "Brown", "Clarke", "Davies", "Evans", "Khan", "Nowak", "O'Brien", "Smith", "Wong")
# What the trail holds, roughly in proportion: mostly sign-ins and notes, rarely an override.
AUDIT_EVENTS = {"auth.signed_in": 50, "auth.signed_out": 20, "note.written": 15, "note.shared": 8,
                "consent.changed": 5, "case.closed": 2, "note.override_read": 0.2}


def weighted(rng, weights):
    """One key of `weights`, chosen in proportion to its weight."""
    return rng.choices(list(weights), list(weights.values()))[0]


def insert(model, rows):
    for start in range(0, len(rows), 1000):
        model.insert_many(rows[start:start + 1000]).execute()


def ids_of(model):
    return [row.id for row in model.select(model.id).order_by(model.id)]


def fill(cases=CASES, seed=12):
    """A service `cases` cases big, in bulk: the coordinator who reads it, and their rows."""
    rng = random.Random(seed)
    now = utcnow()

    def some_time_ago():
        return now - timedelta(minutes=rng.randrange(3 * 365 * 24 * 60))

    coordinator = User.create(name="Cora Ordinator", email="cora@plans.test", role=Role.COORDINATOR,
                              is_admin=True, is_safeguarding_lead=True)
    insert(User, [{"name": f"Coach {n}", "email": f"coach{n}@plans.test", "role": Role.COACH}
                  for n in range(cases // 50)]
           + [{"name": f"Party {n}", "email": f"party{n}@plans.test", "role": Role.PARTY}
              for n in range(cases // 5)])
    coaches = [u.id for u in User.select(User.id).where(User.role == Role.COACH)]
    staff, people = [coordinator.id, *coaches], ids_of(User)

    referred = [some_time_ago() for _ in range(cases)]
    insert(Referral, [{
        "reference": f"RF-P-{n:06d}", "source": rng.choice(list(ReferralSource)),
        "dispute_type": rng.choice(list(DisputeType)), "description": "Plan data.",
        "urgency": weighted(rng, {Urgency.ROUTINE: 70, Urgency.SOON: 20, Urgency.URGENT: 10}),
        "status": weighted(rng, {ReferralStatus.NEW: 3, ReferralStatus.ACCEPTED: 87, ReferralStatus.DECLINED: 10}),
        "created_at": when,
    } for n, when in enumerate(referred)])
    insert(Case, [{
        "reference": f"AC-P-{n:06d}", "kind": rng.choice(list(CaseKind)), "referral": referral,
        "status": weighted(rng, {CaseStatus.OPEN: 15, CaseStatus.CLOSED: 85}),
        "created_at": referred[n] + timedelta(days=2),
        "last_activity_at": referred[n] + timedelta(days=2 + rng.randrange(200)),
    } for n, referral in enumerate(ids_of(Referral))])
    case_ids = ids_of(Case)
    # A party on each case, with the terms the case list's search finds it by.
    # Most have answered long ago; a few wait for their consent.
    insert(CaseParty, [{"case": case, "name": f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                        "phone": f"07700 9{rng.randrange(100000):05d}", "created_at": some_time_ago(),
                        "consent_state": weighted(rng, {ConsentState.GIVEN: 90, ConsentState.PENDING: 3,
                                                        ConsentState.DECLINED: 7})}
                       for case in case_ids])
    insert(SearchTerm, [{"case": party.case_id, "party": party.id, "term": term}
                        for party in CaseParty.select()
                        for term in search_terms.party_terms(party.name, phone=party.phone)])

    # Far more concerns than a service has (a few per hundred cases), so that the table is big
    # enough for the planner to prefer an index where it should; mostly closed, as in life.
    insert(SafeguardingConcern, [{
        "case": rng.choice(case_ids), "raised_by": rng.choice(coaches),
        "category": rng.choice(list(ConcernCategory)), "level": rng.choice(list(ConcernLevel)),
        "description": "Plan data.", "created_at": some_time_ago(),
        "state": weighted(rng, {ConcernState.OPEN: 2, ConcernState.ACKNOWLEDGED: 3, ConcernState.CLOSED: 95}),
    } for _ in range(cases)])
    insert(Agreement, [{
        "case": case, "title": "Agreement", "created_by": rng.choice(coaches),
        "state": weighted(rng, {AgreementState.DRAFT: 10, AgreementState.PROPOSED: 10,
                                AgreementState.FINAL: 60, AgreementState.SUPERSEDED: 20}),
        "review_on": (now + timedelta(days=rng.randrange(-400, 400))).date() if rng.random() < 0.4 else None,
    } for case in rng.sample(case_ids, cases // 2)])
    # Each case's stage from those facts, as the services' timeline entries keep it.
    Case.refresh_stages()
    # Action points, a few a case, nearly all done long ago; some not done are past due.
    insert(ActionPoint, [{
        "case": party.case_id, "party": party.id, "text": "Plan data.",
        "due_on": (now + timedelta(days=rng.randrange(-700, 60))).date(),
        "done_at": some_time_ago() if rng.random() < 0.95 else None,
    } for party in CaseParty.select(CaseParty.id, CaseParty.case) for _ in range(3)])
    # Staff do most of what is audited; parties sign in.
    insert(AuditEvent, [{
        "actor_id": rng.choice(staff if rng.random() < 0.8 else people), "event": weighted(rng, AUDIT_EVENTS),
        "case_id": rng.choice(case_ids),
        "created_at": some_time_ago(), "prev_hash": "0" * 64, "row_hash": "0" * 64,
    } for _ in range(cases * 5)])
    return coordinator


@pytest.fixture(scope="module")
def coordinator(tmp_path_factory):
    """A schema of its own, filled once for the module, and its coordinator (an administrator)."""
    tmp_path = tmp_path_factory.mktemp("plans")
    with new_database_url(tmp_path, "plans") as url:
        build_app(TestConfig, tmp_path, DATABASE_URL=url)
        with database.connection_context():
            upgrade(database.obj)
            user = fill()
            # The statistics the planner would have once autovacuum had seen the tables; VACUUM
            # sets the visibility map as well, so that index-only scans are costed as they run.
            database.execute_sql("VACUUM ANALYZE " + ", ".join(f'"{table}"' for table in TABLES))
            yield user


@contextlib.contextmanager
def statements_run():
    """Every statement the database is sent inside the block, with its parameters."""
    seen = []
    db = database.obj
    real = db.execute_sql

    def recording(sql, params=None, *args, **kwargs):
        seen.append((sql, params))
        return real(sql, params, *args, **kwargs)

    db.execute_sql = recording
    try:
        yield seen
    finally:
        del db.execute_sql


def run_as_page(query, per_page=20):
    """What a list page runs for `query` (portal/pagination.py): the count, then the first page."""
    with statements_run() as seen:
        query.count()
        list(query.paginate(1, per_page))
    return seen


def plan_nodes(sql, params):
    """Each node of the plan PostgreSQL would run for the statement: (type, table, index)."""
    (plan,), = database.execute_sql("EXPLAIN (FORMAT JSON) " + sql, params).fetchone()
    nodes, todo = [], [plan["Plan"]]
    while todo:
        node = todo.pop()
        nodes.append((node["Node Type"], node.get("Relation Name"), node.get("Index Name")))
        todo.extend(node.get("Plans", []))
    return nodes


def rows_read(sql, params, table):
    """How many rows of `table` running the statement reads (EXPLAIN ANALYZE runs it)."""
    (plan,), = database.execute_sql("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, params).fetchone()
    total, todo = 0, [plan["Plan"]]
    while todo:
        node = todo.pop()
        if node.get("Relation Name") == table:
            total += (node["Actual Rows"] + node.get("Rows Removed by Filter", 0)) * node["Actual Loops"]
        todo.extend(node.get("Plans", []))
    return total


def explained(sql, params):
    """The plan as PostgreSQL prints it, for a failing test's message."""
    return "\n".join(line for line, in database.execute_sql("EXPLAIN " + sql, params).fetchall())


def assert_read_through(statements, table, *indexes):
    """Every statement reads `table` through one of `indexes` (a plain, index-only or bitmap
    scan of it), and none reads the whole table."""
    for sql, params in statements:
        nodes = plan_nodes(sql, params)
        assert ("Seq Scan", table) not in {(kind, relation) for kind, relation, _ in nodes}, explained(sql, params)
        assert set(indexes) & {name for _, _, name in nodes}, explained(sql, params)


# A filter on the state alone may use either index that starts with it.
CONCERN_STATE_INDEXES = ("safeguarding_concern_state_created_at",
                         "safeguarding_concern_state_level_created_at")


def test_the_home_page_counts_new_referrals_through_the_status_index(coordinator):
    query = queries.referrals_visible_to(coordinator).where(Referral.status == ReferralStatus.NEW)
    with statements_run() as seen:
        query.count()
    assert_read_through(seen, "referral", "referral_status_queue_order")


def test_the_referral_queue_is_read_in_its_order(coordinator):
    """The default queue (every status): the first page straight off the order's index."""
    count, page = run_as_page(queries.referral_queue(coordinator))
    assert_read_through([page], "referral", "referral_queue_order")
    assert "Sort" not in {kind for kind, _, _ in plan_nodes(*page)}, explained(*page)


@pytest.mark.parametrize("status", [ReferralStatus.NEW, ReferralStatus.DECLINED])
def test_the_referral_queue_of_one_status_is_read_in_its_order(coordinator, status):
    statements = run_as_page(queries.referral_queue(coordinator, status=status))
    assert_read_through(statements, "referral", "referral_status_queue_order")
    assert "Sort" not in {kind for kind, _, _ in plan_nodes(*statements[1])}, explained(*statements[1])


# The coordinator's work queue (its home page), asked now with the default waits.
QUEUE_RULES = queries.QueueRules.of(utcnow(), ZoneInfo("Europe/London"), referral_working_days=5,
                                    urgent_working_days=2, consent_days=14, quiet_days=28, note_days=2,
                                    proposal_days=14)


@pytest.mark.parametrize(("query", "table", "indexes"), [
    # The open cases, counted along either index that starts with the status.
    (queries.cases_without_coach, "case", ("case_status_created_at", "case_status_last_activity_at_id")),
    (queries.consent_waiting, "case_party", ("case_party_consent_state_created_at",)),
    # Either index of the ones not done (migration 16's holds the list's order).
    (queries.action_points_overdue, "action_point", ("action_point_done_at_due_on_case_id_agreement_term_id",
                                                     "action_point_not_done_due_on_id")),
    (queries.referrals_overdue, "referral", ("referral_status_queue_order",)),
    (queries.proposals_waiting, "agreement", ("agreement_state_review_on_id",)),
    (queries.concerns_unacknowledged, "safeguarding_concern", CONCERN_STATE_INDEXES),
], ids=["no coach", "consent", "action points", "referrals", "proposals", "concerns"])
def test_the_work_queue_reads_each_list_through_its_index(coordinator, query, table, indexes):
    """Each list of the queue is a few rows among many: its count and first page are found
    through an index (migration 11 added the consent's and the action points'), never by
    reading the table."""
    assert_read_through(run_as_page(query(coordinator, QUEUE_RULES), per_page=10), table, *indexes)


def test_the_open_concern_count_uses_the_state_index(coordinator):
    with statements_run() as seen:
        queries.open_concern_count_for(coordinator)
    assert_read_through(seen, "safeguarding_concern", *CONCERN_STATE_INDEXES)


@pytest.mark.parametrize(("filters", "indexes"), [
    ({}, CONCERN_STATE_INDEXES),
    ({"level": ConcernLevel.HIGH}, ["safeguarding_concern_state_level_created_at"]),
    ({"category": ConcernCategory.CHILD_PROTECTION}, CONCERN_STATE_INDEXES),
    ({"status": ConcernState.CLOSED, "raised_from": utcnow() - timedelta(days=7)},
     ["safeguarding_concern_state_created_at"]),
], ids=["unresolved", "unresolved-level", "unresolved-category", "closed-last-week"])
def test_the_safeguarding_dashboard_uses_its_indexes(coordinator, filters, indexes):
    statements = run_as_page(queries.concern_dashboard(coordinator, **filters))
    assert_read_through(statements, "safeguarding_concern", *indexes)


def test_the_dashboard_filtered_by_raiser_uses_the_raisers_index(coordinator):
    coach = User.select().where(User.role == Role.COACH).order_by(User.id).first()
    statements = run_as_page(queries.concern_dashboard(coordinator, status=ConcernState.CLOSED,
                                                       raised_by=coach.id))
    assert_read_through(statements, "safeguarding_concern", "safeguarding_concern_raised_by_id")


def test_agreement_reviews_are_read_in_review_date_order(coordinator):
    with statements_run() as seen:
        list(queries.agreement_reviews(coordinator).limit(20))
    assert_read_through(seen, "agreement", "agreement_state_review_on_id")
    assert "Sort" not in {kind for kind, _, _ in plan_nodes(*seen[0])}, explained(*seen[0])


def test_the_audit_trail_is_read_newest_first_by_its_key(coordinator):
    count, page = run_as_page(queries.audit_events_visible_to(coordinator), per_page=50)
    assert_read_through([page], "audit_event", "audit_event_pkey")


def test_the_audit_trail_by_a_rare_event_uses_its_index(coordinator):
    statements = run_as_page(queries.audit_events_visible_to(coordinator, event="note.override_read"),
                             per_page=50)
    assert_read_through(statements, "audit_event", "audit_event_event_id")


def test_the_audit_trail_by_a_common_event_is_counted_through_its_index(coordinator):
    """The first page of a common event is found soonest newest first, along the key; counting
    them needs the event's index."""
    count, page = run_as_page(queries.audit_events_visible_to(coordinator, event="note.shared"),
                              per_page=50)
    assert_read_through([count], "audit_event", "audit_event_event_id")
    assert_read_through([page], "audit_event", "audit_event_event_id", "audit_event_pkey")


def test_the_audit_trail_by_case_uses_its_index(coordinator):
    reference = Case.select(Case.reference).order_by(Case.id).first().reference
    statements = run_as_page(queries.audit_events_visible_to(coordinator, case_reference=reference),
                             per_page=50)
    assert_read_through(statements, "audit_event", "audit_event_case_id_id")


def test_the_audit_trail_by_person_uses_their_index(coordinator):
    """Counting one person's rows needs their index; their first page may be found as soon newest
    first along the key (a busy coach's rows are everywhere), but never by reading the table."""
    count, page = run_as_page(queries.audit_events_visible_to(coordinator, person="Coach 17"), per_page=50)
    assert_read_through([count], "audit_event", "audit_event_actor_id_id")
    assert_read_through([page], "audit_event", "audit_event_actor_id_id", "audit_event_pkey")


def test_the_audit_trails_event_filter_lists_the_kinds_from_the_index(coordinator):
    """The filter's choices come from a few steps down the event index, not from reading every
    row of the trail (as SELECT DISTINCT would)."""
    with statements_run() as seen:
        kinds = [row.event for row in queries.audit_event_kinds_visible_to(coordinator)]
    assert kinds == sorted(AUDIT_EVENTS)
    assert_read_through(seen, "audit_event", "audit_event_event_id")
    (sql, params), = seen
    assert rows_read(sql, params, "audit_event") < 10 * len(AUDIT_EVENTS), explained(sql, params)


def run_case_list(coordinator, **filters):
    """What /cases runs for its list: the first page's ids with the total (counted up to its
    cap), then its rows."""
    chosen = queries.CaseListFilters(**filters)
    with statements_run() as seen:
        page = queries.case_list_page(coordinator, chosen, sort="activity", number=1, per_page=25,
                                      limit=25 + COUNT_CAP)
        ids = [row.id for row in page]
        list(queries.case_list_rows(coordinator, ids))
    return seen


def test_the_case_list_reads_open_cases_in_last_activity_order_through_its_index(coordinator):
    """The page's ids off the order's index, then its rows by their ids. (How the 25 cases'
    facts are looked up is the planner's choice by the tables' sizes: at this size, hashing a
    small table whole is cheaper than 25 index steps.)"""
    picked, rows = run_case_list(coordinator)
    assert_read_through([picked], "case", "case_status_last_activity_at_id")
    assert_read_through([rows], "case", "case_pkey")


@pytest.mark.parametrize("stage", [Stage.AGREEMENT_PROPOSED, Stage.WAITING_FOR_CONSENT])
def test_the_case_list_s_stage_filter_reads_the_stored_stage_through_its_index(coordinator, stage):
    """The stage is stored on the case (migration 16): a stage's cases are read off its index in
    the list's order, not worked out for every case."""
    picked, _ = run_case_list(coordinator, stage=stage)
    assert_read_through([picked], "case", "case_stage_last_activity_at_id")


def test_the_work_queue_s_overdue_action_points_are_read_in_order_and_stop(coordinator):
    """A page of overdue action points walks the ones not done in the list's order (migration
    16) and stops after its page, rather than sorting every overdue one."""
    query = queries.action_points_overdue(coordinator, QUEUE_RULES).paginate(1, 10)
    sql, params = query.sql()
    assert "action_point_not_done_due_on_id" in {name for _, _, name in plan_nodes(sql, params)}, \
        explained(sql, params)
    overdue = queries.action_points_overdue(coordinator, QUEUE_RULES).count()
    assert rows_read(sql, params, "action_point") < overdue, explained(sql, params)


@pytest.mark.parametrize("q", ["smith", "o'bri", "07700 91"])
def test_the_case_list_search_reads_search_terms_through_their_index(coordinator, q):
    picked, _ = run_case_list(coordinator, q=q, status="all")
    assert_read_through([picked], "search_term", "search_term_term_case_id")


def test_the_case_page_finds_note_authors_by_key_not_by_reading_every_user(coordinator):
    """The authors of a case's notes (the case page's notes panel): one IN over both lists of
    authors, which PostgreSQL answers by key; `IN (a) OR IN (b)` read every user (100 ms at
    100k cases)."""
    case = Case.select().order_by(Case.id).first()
    sql, params = queries.note_authors_visible_to(coordinator, case).sql()
    assert User.select().count() > 500
    assert rows_read(sql, params, "user") <= 10, explained(sql, params)


def test_the_case_list_s_coach_choices_come_from_their_index(coordinator):
    """The coach filter's active coaches by name (migration 13): every user was read before."""
    with statements_run() as seen:
        list(queries.case_list_coach_choices(coordinator))
    assert_read_through(seen, "user", "user_role_name_id")


def test_the_case_list_s_funding_schemes_come_from_their_index(coordinator):
    """The schemes named on cases (migration 13): every case was read before."""
    with statements_run() as seen:
        queries.case_list_funding_schemes(coordinator)
    assert_read_through(seen, "case", "case_funding_scheme")


def test_a_coach_s_overdue_action_points_are_searched_case_by_case(coordinator):
    """The coach's home: the overdue action points on a coach's 50 cases are found case by
    case of theirs (through either index that starts with the case: PostgreSQL merges them in
    case order), never by reading every overdue point in the service and keeping theirs."""
    coach = User.create(name="Cai Oach", email="cai@plans.test", role=Role.COACH)
    cases = [c.id for c in Case.select(Case.id).order_by(Case.id).limit(50)]
    insert(CoachAllocation, [{"case": case, "coach": coach.id} for case in cases])
    database.execute_sql('ANALYZE "coach_allocation"')
    today = utcnow().date()
    everywhere = ActionPoint.select().where(ActionPoint.done_at.is_null(), ActionPoint.due_on < today).count()
    on_theirs = ActionPoint.select().where(ActionPoint.case.in_(cases)).count()
    assert everywhere > 3 * on_theirs
    sql, params = queries.overdue_action_points(coach, today).sql()
    # Their cases' points (and, where a merge stops, a few of the next case's), far fewer than
    # every overdue point in the service.
    assert on_theirs <= rows_read(sql, params, "action_point") < everywhere / 2, explained(sql, params)
    assert_read_through([(sql, params)], "action_point",
                        "action_point_case_id_done_at_due_on", "action_point_case_id")
