"""The coach's home (issue 13): how far each coach has seen what the parties said on each case
(case_seen), when a party last wrote their comment on an action point
(action_point.party_comment_at), and, on a party record opened as an offer of post-mediation
coaching, the party record on the mediation it was offered from (case_party.offered_from_id).

Existing offers are linked to the mediation's party of the same name (how they were copied);
existing comments have no time and count as seen.

Frozen copies of the tables: the new one in full, the ones it points at by their ids only.
"""

from peewee import DateTimeField, ForeignKeyField, Model
from playhouse.migrate import migrate

NAME = "coach's home: what a coach has seen, and offers linked to their party"


class _Frozen(Model):
    class Meta:
        legacy_table_names = False


class User(_Frozen):
    pass


class Case(_Frozen):
    pass


class CaseParty(_Frozen):
    pass


class CaseSeen(_Frozen):
    coach = ForeignKeyField(User, backref="+", on_delete="CASCADE")
    case = ForeignKeyField(Case, backref="+", on_delete="CASCADE")
    seen_at = DateTimeField()

    class Meta:
        table_name = "case_seen"
        indexes = ((("coach", "case"), True),)


def upgrade(db, migrator):
    with db.bind_ctx([User, Case, CaseParty, CaseSeen]):
        db.create_tables([CaseSeen])
        migrate(
            migrator.add_column("action_point", "party_comment_at", DateTimeField(null=True)),
            migrator.add_column("case_party", "offered_from_id",
                                ForeignKeyField(CaseParty, null=True, field=CaseParty.id)),
        )
    db.execute_sql(
        'UPDATE case_party SET offered_from_id = ('
        ' SELECT MIN(p.id) FROM case_party p JOIN "case" c ON c.parent_case_id = p.case_id'
        ' WHERE c.id = case_party.case_id AND p.name = case_party.name)'
        " WHERE coaching_offer IS NOT NULL")
