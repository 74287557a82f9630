"""The per-address limit on public forms (submission_attempt) and the case timeline (case_event).

Frozen copies of the two models as they were added, for the same reason as in m0001.
"""

from peewee import CharField, DateTimeField, ForeignKeyField, Model, TextField

NAME = "referral rate limit and case timeline"


class _Frozen(Model):
    class Meta:
        legacy_table_names = False


class User(_Frozen):
    """Only what a foreign key needs: the table's name and its id."""


class Case(_Frozen):
    """Only what a foreign key needs: the table's name and its id."""


class SubmissionAttempt(_Frozen):
    form = CharField(max_length=30)
    key_hash = CharField(max_length=64, index=True)
    created_at = DateTimeField(index=True)


class CaseEvent(_Frozen):
    case = ForeignKeyField(Case, backref="+", on_delete="CASCADE")
    kind = CharField(max_length=40)
    summary = TextField()
    actor = ForeignKeyField(User, null=True, backref="+")
    created_at = DateTimeField()


def upgrade(db, migrator):
    with db.bind_ctx([SubmissionAttempt, CaseEvent]):
        db.create_tables([SubmissionAttempt, CaseEvent], safe=True)
