"""A case's life after it closes: an agreement's review (agreement.reviewed_on, .review_outcome,
.review_note_id, .reviewed_by_id) and a party's answer to post-mediation coaching offered to
them (case_party.coaching_offer, .coaching_offer_answered_at).

Existing follow-on coaching cases were opened before the offer could be answered; their party
records are marked as waiting for an answer, so the party is asked.
"""

from peewee import CharField, DateField, DateTimeField, ForeignKeyField, Model
from playhouse.migrate import migrate

NAME = "agreement review and coaching offer answer"


class User(Model):
    """Only what a foreign key needs: the table's name and its id."""

    class Meta:
        legacy_table_names = False


class Note(Model):
    class Meta:
        legacy_table_names = False


def upgrade(db, migrator):
    with db.bind_ctx([User, Note]):
        migrate(
            migrator.add_column("agreement", "reviewed_on", DateField(null=True)),
            migrator.add_column("agreement", "review_outcome", CharField(max_length=20, null=True)),
            migrator.add_column("agreement", "review_note_id",
                                ForeignKeyField(Note, null=True, field=Note.id)),
            migrator.add_column("agreement", "reviewed_by_id",
                                ForeignKeyField(User, null=True, field=User.id)),
            migrator.add_column("case_party", "coaching_offer", CharField(max_length=20, null=True)),
            migrator.add_column("case_party", "coaching_offer_answered_at", DateTimeField(null=True)),
        )
    db.execute_sql("UPDATE case_party SET coaching_offer = 'waiting' WHERE case_id IN "
                   "(SELECT id FROM \"case\" WHERE parent_case_id IS NOT NULL)")
