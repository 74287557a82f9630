"""Retention, legal holds and erasure requests (issue 16): a case's legal hold (reason, who,
when) and when it was anonymised (case.legal_hold_*, case.anonymised_at), and the erasure
requests recorded against a party record (erasure_request).

Frozen copies of the tables: the new one in full, the ones it points at by their ids only.
"""

from peewee import CharField, DateField, DateTimeField, ForeignKeyField, Model, TextField
from playhouse.migrate import migrate

NAME = "retention, legal holds and erasure requests"


class _Frozen(Model):
    class Meta:
        legacy_table_names = False


class User(_Frozen):
    pass


class CaseParty(_Frozen):
    pass


class ErasureRequest(_Frozen):
    party = ForeignKeyField(CaseParty, backref="+", on_delete="CASCADE")
    received_on = DateField()
    method = CharField(max_length=20)
    state = CharField(max_length=20)
    recorded_by = ForeignKeyField(User, backref="+")
    created_at = DateTimeField()
    carried_out_by = ForeignKeyField(User, null=True, backref="+")
    carried_out_at = DateTimeField(null=True)


def upgrade(db, migrator):
    with db.bind_ctx([User, CaseParty, ErasureRequest]):
        db.create_tables([ErasureRequest])
        migrate(
            migrator.add_column("case", "legal_hold_reason", TextField(null=True)),
            migrator.add_column("case", "legal_hold_by_id",
                                ForeignKeyField(User, null=True, field=User.id, backref="+")),
            migrator.add_column("case", "legal_hold_at", DateTimeField(null=True)),
            migrator.add_column("case", "anonymised_at", DateTimeField(null=True)),
        )
