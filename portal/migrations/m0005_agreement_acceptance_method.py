"""How an agreement was accepted (agreement_acceptance.method, .recorded_by_id).

A party accepts in the portal; a party without a portal account accepts in person, and the
coach who was there records it. Existing rows were all accepted in the portal.
"""

from peewee import CharField, ForeignKeyField, Model
from playhouse.migrate import migrate

NAME = "agreement acceptance method"


class User(Model):
    """Only what a foreign key needs: the table's name and its id."""

    class Meta:
        legacy_table_names = False


def upgrade(db, migrator):
    with db.bind_ctx([User]):
        migrate(
            migrator.add_column("agreement_acceptance", "method",
                                CharField(max_length=20, default="portal")),
            migrator.add_column("agreement_acceptance", "recorded_by_id",
                                ForeignKeyField(User, null=True, field=User.id)),
        )
