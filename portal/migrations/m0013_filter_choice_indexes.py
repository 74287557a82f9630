"""Indexes behind the case list's filter choices, which read the whole of two tables at 100,000
cases on PostgreSQL: the coach filter's active coaches by name (every user was read to find
them: 90 ms) and the funding schemes named on cases (every case: 40 ms).

Frozen copies of the tables, with only the columns the indexes name.
"""

from peewee import BooleanField, CharField, Model

NAME = "filter choice indexes"


class _Frozen(Model):
    class Meta:
        legacy_table_names = False


class User(_Frozen):
    name = CharField(max_length=200)
    role = CharField(max_length=20)
    active = BooleanField()

    class Meta:
        indexes = ((("role", "name", "id"), False),)


class Case(_Frozen):
    funding_scheme = CharField(max_length=100, null=True)

    class Meta:
        indexes = ((("funding_scheme",), False),)


FROZEN = [User, Case]


def upgrade(db, migrator):
    with db.bind_ctx(FROZEN):
        for model in FROZEN:
            model._schema.create_indexes(safe=True)
