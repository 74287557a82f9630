"""Schema migrations, numbered, applied in order with peewee's playhouse.migrate.

A new database gets every table from the models at once and is stamped with every migration
(the models are the current schema). An existing database gets only the migrations it has not
had yet, so it upgrades in place. Each migration module has NAME and `upgrade(db, migrator)`.

To change the schema: change the model, then add `mNNNN_<what>.py` that brings an existing
database to the same shape (add_column, add_index, or create_tables on frozen copies of new
models, never on portal.models itself), and append it to MIGRATIONS. tests/test_migrations.py
fails while a model change has no migration.

What the models cannot describe (triggers) goes in the migration's `create_after_tables(db)`,
which its `upgrade` calls and which a new database also runs after create_tables(), so that both
paths make it with the same function.
"""

from playhouse.migrate import SchemaMigrator

from portal.migrations import (
    m0001_initial,
    m0002_referral_limits_and_case_timeline,
    m0003_audit_append_only,
    m0004_concern_event_outcome,
    m0005_agreement_acceptance_method,
    m0006_filter_and_sort_indexes,
    m0007_files_in_the_database,
    m0008_case_search_terms,
    m0009_after_closing,
    m0010_session_requests,
    m0011_work_queue_indexes,
    m0012_coach_home,
    m0013_filter_choice_indexes,
    m0014_outbox,
    m0015_notifications,
    m0016_stored_stage,
    m0017_no_details_by_email,
    m0018_coach_overdue_index,
    m0019_service_lists,
    m0020_report_indexes,
    m0021_feedback_and_equality,
    m0022_sign_in_sessions,
    m0023_retention,
    m0024_referral_retention,
)
from portal.models import MODELS, SchemaMigration

MIGRATIONS = [
    (1, m0001_initial),
    (2, m0002_referral_limits_and_case_timeline),
    (3, m0003_audit_append_only),
    (4, m0004_concern_event_outcome),
    (5, m0005_agreement_acceptance_method),
    (6, m0006_filter_and_sort_indexes),
    (7, m0007_files_in_the_database),
    (8, m0008_case_search_terms),
    (9, m0009_after_closing),
    (10, m0010_session_requests),
    (11, m0011_work_queue_indexes),
    (12, m0012_coach_home),
    (13, m0013_filter_choice_indexes),
    (14, m0014_outbox),
    (15, m0015_notifications),
    (16, m0016_stored_stage),
    (17, m0017_no_details_by_email),
    (18, m0018_coach_overdue_index),
    (19, m0019_service_lists),
    (20, m0020_report_indexes),
    (21, m0021_feedback_and_equality),
    (22, m0022_sign_in_sessions),
    (23, m0023_retention),
    (24, m0024_referral_retention),
]


def migrator_for(db):
    return SchemaMigrator.from_database(db)


def applied_numbers(db):
    if not db.table_exists(SchemaMigration._meta.table_name):
        return set()
    return {m.number for m in SchemaMigration.select(SchemaMigration.number)}


def is_new_database(db):
    return not any(db.table_exists(m._meta.table_name) for m in MODELS)


def upgrade(db, migrations=None):
    """Bring the database to the current schema. Returns the names of what was applied."""
    migrations = MIGRATIONS if migrations is None else migrations
    applied = []
    with db.atomic():
        if is_new_database(db):
            db.create_tables(MODELS)
            for number, module in migrations:
                if hasattr(module, "create_after_tables"):
                    module.create_after_tables(db)
                SchemaMigration.create(number=number, name=module.NAME)
                applied.append(module.NAME)
            return applied
        done = applied_numbers(db)
        migrator = migrator_for(db)
        for number, module in migrations:
            if number in done:
                continue
            module.upgrade(db, migrator)
            SchemaMigration.create(number=number, name=module.NAME)
            applied.append(module.NAME)
    return applied

