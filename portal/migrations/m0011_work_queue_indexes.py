"""Indexes behind the coordinator's work queue (portal/queries/work_queue.py): parties by consent
state and when they were added (the consent still awaited: a few pending parties among every
party of every case), and action points by whether they are done, their due date, case and
agreement term (the overdue ones, read from the index alone: the few not done and past due
among every action point ever set).

Frozen copies of the indexed tables, holding only the new indexes, for the same reason as in
m0001: a migration must not follow later model changes.
"""

from peewee import CharField, DateField, DateTimeField, ForeignKeyField, Model

NAME = "work queue indexes"


class _Frozen(Model):
    class Meta:
        legacy_table_names = False


class CaseParty(_Frozen):
    consent_state = CharField(max_length=20)
    created_at = DateTimeField()

    class Meta:
        indexes = ((("consent_state", "created_at"), False),)


class Case(_Frozen):
    pass


class AgreementTerm(_Frozen):
    pass


class ActionPoint(_Frozen):
    done_at = DateTimeField(null=True)
    due_on = DateField(null=True)
    # Their ids only, so that the index answers the queue's question alone: is the case open,
    # or is the point a term of an agreement (a final one, looked up once for every row)?
    case = ForeignKeyField(Case, backref="+", index=False)
    agreement_term = ForeignKeyField(AgreementTerm, null=True, backref="+", index=False)

    class Meta:
        indexes = ((("done_at", "due_on", "case", "agreement_term"), False),)


FROZEN = [CaseParty, ActionPoint]  # Case and AgreementTerm: only pointed at


def upgrade(db, migrator):
    with db.bind_ctx(FROZEN):
        for model in FROZEN:
            model._schema.create_indexes(safe=True)
