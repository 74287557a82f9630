"""Indexes behind the coordinators' filters and sorts (referral queue, open cases, the
safeguarding dashboard, agreement reviews, the audit trail).

Without them, at 100k cases on PostgreSQL every one of these pages read and sorted whole tables.
Every foreign key already has an index of its own (peewee makes one for each), so the
visibility subqueries needed nothing new.

Frozen copies of the indexed tables, holding only the new indexes (no fields that have an index
of their own), for the same reason as in m0001: a migration must not follow later model changes.
The referral queue's order is an expression (the urgency's rank), frozen here as the models
declared it when this migration was written.
"""

from peewee import Case as SqlCase
from peewee import CharField, DateField, DateTimeField, EnclosedNodeList, IntegerField, Model

NAME = "filter and sort indexes"

URGENCY_ORDER = ("urgent", "soon", "routine")


class _Frozen(Model):
    class Meta:
        legacy_table_names = False


class Referral(_Frozen):
    status = CharField(max_length=20)
    urgency = CharField(max_length=20)
    created_at = DateTimeField()


def _queue_order_index(name, *leading):
    rank = SqlCase(Referral.urgency, [(value, rank) for rank, value in enumerate(URGENCY_ORDER)],
                   len(URGENCY_ORDER))
    return Referral.index(*leading, EnclosedNodeList([rank]), Referral.created_at.desc(),
                          Referral.id.desc(), name=name)


Referral.add_index(_queue_order_index("referral_queue_order"))
Referral.add_index(_queue_order_index("referral_status_queue_order", Referral.status))


class Case(_Frozen):
    status = CharField(max_length=20)
    created_at = DateTimeField()

    class Meta:
        indexes = ((("status", "created_at"), False),)


class SafeguardingConcern(_Frozen):
    state = CharField(max_length=20)
    level = CharField(max_length=20)
    created_at = DateTimeField()

    class Meta:
        indexes = (
            (("state", "created_at"), False),
            (("state", "level", "created_at"), False),
        )


class Agreement(_Frozen):
    state = CharField(max_length=20)
    review_on = DateField(null=True)

    class Meta:
        indexes = ((("state", "review_on", "id"), False),)


class AuditEvent(_Frozen):
    actor_id = IntegerField(null=True)
    case_id = IntegerField(null=True)
    event = CharField(max_length=60)

    class Meta:
        indexes = (
            (("actor_id", "id"), False),
            (("case_id", "id"), False),
            (("event", "id"), False),
        )


FROZEN = [Referral, Case, SafeguardingConcern, Agreement, AuditEvent]


def upgrade(db, migrator):
    with db.bind_ctx(FROZEN):
        for model in FROZEN:
            model._schema.create_indexes(safe=True)
