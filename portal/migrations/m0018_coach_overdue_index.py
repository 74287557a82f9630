"""An index behind the coach's home's overdue action points: a coach's cases, each case's
points not done and past due. Without it SQLite read every overdue point in the service (13,000
at 10,000 cases: 2 ms, twice with the list's count) and kept those on the coach's cases.

A frozen copy of the table, with only the columns the index names.
"""

from peewee import DateField, DateTimeField, IntegerField, Model

NAME = "coach's overdue action points index"


class ActionPoint(Model):
    case_id = IntegerField()
    done_at = DateTimeField(null=True)
    due_on = DateField(null=True)

    class Meta:
        legacy_table_names = False  # action_point, and the index named as the model's
        indexes = ((("case_id", "done_at", "due_on"), False),)


def upgrade(db, migrator):
    with db.bind_ctx([ActionPoint]):
        ActionPoint._schema.create_indexes(safe=True)
