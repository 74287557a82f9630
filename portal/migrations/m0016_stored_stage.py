"""The case's stage stored on the case (issue 13's speed target): `case.stage`, filled here from
each case's facts by the rules of `portal.stages` as they stand at this migration (the same SQL
as `queries.case_stage_sql`, frozen), and an index for the case list's stage filter in its
default order (latest activity first). From now on `CaseEvent.save` keeps it. And an index of
the action points not done, by due date: the work queue's overdue ones in its order; and one of
referrals by source, for the case list's referral source filter.
"""

from peewee import SqliteDatabase

NAME = "stage stored on the case, overdue action points in order"

# portal.stages' rules at this migration, first match wins (frozen: a later rule change
# brings its own migration to refill).
FILL = """
UPDATE "case" SET stage = CASE
  WHEN "case".status = 'closed' THEN 'closed'
  WHEN EXISTS (SELECT 1 FROM agreement a WHERE a.case_id = "case".id AND a.state = 'proposed')
    THEN 'agreement_proposed'
  WHEN EXISTS (SELECT 1 FROM agreement a WHERE a.case_id = "case".id AND a.state = 'final')
    THEN 'agreement_final'
  WHEN EXISTS (SELECT 1 FROM case_party p WHERE p.case_id = "case".id AND p.consent_state != 'given')
       OR NOT EXISTS (SELECT 1 FROM case_party p WHERE p.case_id = "case".id)
    THEN 'waiting_for_consent'
  WHEN NOT EXISTS (SELECT 1 FROM coach_allocation c WHERE c.case_id = "case".id AND c.ended_at IS NULL)
    THEN 'waiting_for_coach'
  WHEN EXISTS (SELECT 1 FROM case_session s WHERE s.case_id = "case".id
                AND s.status IN ('scheduled', 'held', 'did_not_attend'))
    THEN 'in_progress'
  ELSE 'ready_to_book'
END
"""

STATEMENTS = (
    # Plain ALTER TABLE with a default: playhouse's SQLite migrator would rebuild the table for
    # a NOT NULL column, which the foreign keys pointing at "case" refuse.
    """ALTER TABLE "case" ADD COLUMN stage VARCHAR(30) NOT NULL DEFAULT 'waiting_for_consent'""",
    FILL,
    'CREATE INDEX case_stage_last_activity_at_id ON "case" (stage, last_activity_at, id)',
    # The work queue's overdue action points in its order (not done, by due date).
    'CREATE INDEX action_point_not_done_due_on_id ON action_point (due_on, id) WHERE done_at IS NULL',
    # The case list's referral source filter: the referrals of one source, not every referral.
    "CREATE INDEX referral_source ON referral (source)",
)


def upgrade(db, migrator):
    for statement in STATEMENTS:
        db.execute_sql(statement)
    # The planner's figures for the new column and indexes, where it keeps any: always on
    # PostgreSQL; on SQLite only in a database analysed before (a bulk one), since ANALYZE
    # adds a table of its own.
    sqlite = isinstance(getattr(db, "obj", db), SqliteDatabase)
    if not sqlite or db.execute_sql("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").fetchone():
        db.execute_sql('ANALYZE "case"')
        db.execute_sql("ANALYZE action_point")
        db.execute_sql("ANALYZE referral")
