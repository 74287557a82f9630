"""Indexes behind the reports (issue 15): each section counts the rows of a period by their own
moment (a referral received, a case opened or closed, a session, a concern raised, an agreement
made final or reviewed). Without them a quarter's report read every row of the service; the
sessions' and concerns' indexes hold every column their sections count, so those are read
from the index alone.

Frozen copies of the tables, with only the columns the indexes name.
"""

from peewee import CharField, DateField, DateTimeField, IntegerField, Model

NAME = "report indexes"


class Referral(Model):
    created_at = DateTimeField()

    class Meta:
        table_name = "referral"
        indexes = ((("created_at",), False),)


class Case(Model):
    created_at = DateTimeField()
    closed_at = DateTimeField(null=True)

    class Meta:
        table_name = "case"
        indexes = ((("created_at",), False), (("closed_at",), False))


class CaseSession(Model):
    starts_at = DateTimeField()
    status = CharField()
    kind = CharField()
    mode = CharField()
    duration_minutes = IntegerField()

    class Meta:
        table_name = "case_session"
        indexes = ((("starts_at", "status", "kind", "mode", "duration_minutes"), False),)


class SafeguardingConcern(Model):
    created_at = DateTimeField()
    category = CharField()
    level = CharField()

    class Meta:
        table_name = "safeguarding_concern"
        indexes = ((("created_at", "category", "level"), False),)


class Agreement(Model):
    finalised_at = DateTimeField(null=True)
    reviewed_on = DateField(null=True)

    class Meta:
        table_name = "agreement"
        indexes = ((("finalised_at",), False), (("reviewed_on",), False))


def upgrade(db, migrator):
    with db.bind_ctx([Referral, Case, CaseSession, SafeguardingConcern, Agreement]):
        for model in (Referral, Case, CaseSession, SafeguardingConcern, Agreement):
            model._schema.create_indexes(safe=True)
