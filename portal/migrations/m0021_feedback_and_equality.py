"""Feedback, coaching outcomes and equality monitoring (issue 15): a party's feedback on a closed
case (its single-use link's hash and the answers), a coaching case's outcome, and a party
record's equality monitoring answers. Three new tables; nothing else changes.

Frozen copies of the tables: the new ones in full, the ones they point at by their ids only.
"""

from peewee import CharField, DateTimeField, ForeignKeyField, Model, TextField

NAME = "feedback, coaching outcomes and equality monitoring"


class _Frozen(Model):
    class Meta:
        legacy_table_names = False


class User(_Frozen):
    pass


class Case(_Frozen):
    pass


class CaseParty(_Frozen):
    pass


class FeedbackRequest(_Frozen):
    case = ForeignKeyField(Case, backref="+", on_delete="CASCADE")
    party = ForeignKeyField(CaseParty, unique=True, backref="+", on_delete="CASCADE")
    token_hash = CharField(max_length=64, unique=True)
    created_at = DateTimeField(index=True)
    expires_at = DateTimeField()
    answered_at = DateTimeField(null=True, index=True)
    satisfaction = CharField(max_length=30, null=True)
    helped = CharField(max_length=30, null=True)
    situation = CharField(max_length=30, null=True)
    comment = TextField(default="")


class CoachingOutcome(_Frozen):
    case = ForeignKeyField(Case, unique=True, backref="+", on_delete="CASCADE")
    goals_met = CharField(max_length=20)
    recorded_by = ForeignKeyField(User, null=True, backref="+")
    recorded_at = DateTimeField()


class EqualityAnswers(_Frozen):
    party = ForeignKeyField(CaseParty, unique=True, backref="+", on_delete="CASCADE")
    age_band = CharField(max_length=30, null=True)
    gender = CharField(max_length=30, null=True)
    ethnicity = CharField(max_length=30, null=True)
    disability = CharField(max_length=30, null=True)
    first_language = CharField(max_length=30, null=True)
    source = CharField(max_length=30)
    recorded_by = ForeignKeyField(User, null=True, backref="+")
    recorded_at = DateTimeField()


def upgrade(db, migrator):
    with db.bind_ctx([User, Case, CaseParty, FeedbackRequest, CoachingOutcome, EqualityAnswers]):
        db.create_tables([FeedbackRequest, CoachingOutcome, EqualityAnswers])
