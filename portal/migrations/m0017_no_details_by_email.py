"""A party's "no details by email" (issue 14): case_party.no_details_by_email. When set, the
party's session emails say only that a session was booked, moved or cancelled (or is tomorrow)
and carry no calendar file: no date, time or mode reaches their mailbox.

On the party record, like the "ways we must not use": a coordinator records it from the
referral or a phone call before the party has an account, and it is about this case's risk.
"""

from peewee import SqliteDatabase

NAME = "a party's no details by email"


def _boolean_false(db):
    # peewee keeps a BooleanField as an integer on SQLite.
    db = getattr(db, "obj", db)  # the database behind a proxy
    return "INTEGER NOT NULL DEFAULT 0" if isinstance(db, SqliteDatabase) else "BOOLEAN NOT NULL DEFAULT FALSE"


def upgrade(db, migrator):
    # Plain ALTER TABLE with a default, as migration 15: playhouse's SQLite migrator would
    # rebuild the table for a NOT NULL column, which the foreign keys pointing at it refuse.
    db.execute_sql(f"ALTER TABLE case_party ADD COLUMN no_details_by_email {_boolean_false(db)}")
