"""The transactional outbox (outbox_message): every email is a row written with the change that
causes it, delivered by the job queue (portal/outbox.py, portal/jobs.py).

A frozen copy of the new table.
"""

from peewee import CharField, DateTimeField, IntegerField, Model, TextField

NAME = "outbox"


class OutboxMessage(Model):
    kind = CharField(max_length=30)
    recipient = CharField(max_length=254)
    subject = CharField(max_length=200)
    body = TextField()
    about_kind = CharField(max_length=40, null=True)
    about_id = IntegerField(null=True)
    dedupe_key = CharField(max_length=200, null=True, unique=True)
    state = CharField(max_length=20)
    attempts = IntegerField(default=0)
    next_attempt_at = DateTimeField()
    claimed_until = DateTimeField(null=True)
    last_error = CharField(max_length=100, null=True)
    created_at = DateTimeField()
    queued_at = DateTimeField()
    sent_at = DateTimeField(null=True)

    class Meta:
        legacy_table_names = False
        indexes = (
            (("state", "next_attempt_at"), False),
            (("about_kind", "about_id"), False),
        )


def upgrade(db, migrator):
    with db.bind_ctx([OutboxMessage]):
        db.create_tables([OutboxMessage])
