"""A party's requests about their own sessions (session_request): they cannot come, or want
the session rearranged, with their reason if they give one; open until staff deal with it.

Frozen copies of the tables: the new one in full, the ones it points at by their ids only.
"""

from peewee import CharField, DateTimeField, ForeignKeyField, Model, TextField

NAME = "session requests"


class _Frozen(Model):
    class Meta:
        legacy_table_names = False


class User(_Frozen):
    pass


class CaseSession(_Frozen):
    pass


class CaseParty(_Frozen):
    pass


class SessionRequest(_Frozen):
    session = ForeignKeyField(CaseSession, backref="+", on_delete="CASCADE")
    party = ForeignKeyField(CaseParty, backref="+", on_delete="CASCADE")
    kind = CharField(max_length=20)
    reason = TextField(null=True)
    created_at = DateTimeField()
    dealt_with_at = DateTimeField(null=True)
    dealt_with_by = ForeignKeyField(User, null=True, backref="+")


def upgrade(db, migrator):
    with db.bind_ctx([User, CaseSession, CaseParty, SessionRequest]):
        db.create_tables([SessionRequest])
