"""What people are told (issue 14): notifications (in the portal, and emailed unless the
person's preferences or safe contact say no), each person's preferences (user.email_off,
user.email_digest), and a session's calendar SEQUENCE (case_session.sequence), so a calendar
file sent after a move or a cancellation updates the event already in a party's calendar.

Frozen copies of the tables: the new one in full, the ones it points at by their ids only.
"""

from peewee import CharField, DateTimeField, ForeignKeyField, Model, SqliteDatabase

NAME = "notifications, notification preferences and calendar sequence"


class _Frozen(Model):
    class Meta:
        legacy_table_names = False


class User(_Frozen):
    pass


class Case(_Frozen):
    pass


class CaseParty(_Frozen):
    pass


class Notification(_Frozen):
    recipient = ForeignKeyField(User, backref="+", on_delete="CASCADE")
    kind = CharField(max_length=40)
    link = CharField(max_length=500)
    key = CharField(max_length=200, unique=True)
    delivery = CharField(max_length=20)
    case = ForeignKeyField(Case, null=True, backref="+", on_delete="CASCADE")
    party = ForeignKeyField(CaseParty, null=True, backref="+", on_delete="CASCADE")
    created_at = DateTimeField()
    read_at = DateTimeField(null=True)

    class Meta:
        indexes = ((("recipient", "created_at", "id"), False),
                   (("recipient", "read_at"), False))


def _boolean_false(db):
    # peewee keeps a BooleanField as an integer on SQLite.
    db = getattr(db, "obj", db)  # the database behind a proxy
    return "INTEGER NOT NULL DEFAULT 0" if isinstance(db, SqliteDatabase) else "BOOLEAN NOT NULL DEFAULT FALSE"


def upgrade(db, migrator):
    with db.bind_ctx([User, Case, CaseParty, Notification]):
        db.create_tables([Notification])
    # Plain ALTER TABLE with a default: playhouse's SQLite migrator would rebuild these tables
    # for a NOT NULL column, which the foreign keys pointing at "user" refuse.
    for statement in ("""ALTER TABLE "user" ADD COLUMN email_off VARCHAR(1000) NOT NULL DEFAULT ''""",
                      f'ALTER TABLE "user" ADD COLUMN email_digest {_boolean_false(db)}',
                      "ALTER TABLE case_session ADD COLUMN sequence INTEGER NOT NULL DEFAULT 0"):
        db.execute_sql(statement)
