"""Indexes behind the coordinator's work queue (portal/queries/work_queue.py): parties by consent
state and when they were added (the consent still awaited: a few pending parties among every
party of every case), and action points by whether they are done and their due date (the
overdue ones: the few not done and past due among every action point ever set).

Frozen copies of the indexed tables, holding only the new indexes, for the same reason as in
m0001: a migration must not follow later model changes.
"""

from peewee import CharField, DateField, DateTimeField, Model

NAME = "work queue indexes"


class _Frozen(Model):
    class Meta:
        legacy_table_names = False


class CaseParty(_Frozen):
    consent_state = CharField(max_length=20)
    created_at = DateTimeField()

    class Meta:
        indexes = ((("consent_state", "created_at"), False),)


class ActionPoint(_Frozen):
    done_at = DateTimeField(null=True)
    due_on = DateField(null=True)

    class Meta:
        indexes = ((("done_at", "due_on"), False),)


FROZEN = [CaseParty, ActionPoint]


def upgrade(db, migrator):
    with db.bind_ctx(FROZEN):
        for model in FROZEN:
            model._schema.create_indexes(safe=True)
