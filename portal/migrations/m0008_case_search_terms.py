"""The case list: its search terms, each case's last activity, and the indexes behind its stage,
last activity and next session.

search_term holds, for each party, the words of their name, their phone number's digits, their
email and postcode (`portal.search_terms`), indexed by term; this migration creates the table and
fills it from every party already stored. case.last_activity_at is when the case's latest
timeline entry was written (when it opened, if none was), filled in here for every case. The
indexes make each of a case's facts the list works
out (its latest timeline entry, its agreements, current coaches, parties' consent and sessions by
status) one step into an index, for every case the list sorts or filters.

Frozen copies of the tables, with only the columns this migration reads and writes. The terms are
worked out by `portal.search_terms`, the same function the models use, so that a database
migrated now finds the same cases as one filled afterwards.
"""

from peewee import CharField, DateTimeField, ForeignKeyField, IntegerField, Model, TextField, fn
from playhouse.migrate import migrate

from portal.search_terms import party_terms

NAME = "case search terms"


class _Frozen(Model):
    class Meta:
        legacy_table_names = False


class Case(_Frozen):
    status = CharField(max_length=20)
    created_at = DateTimeField()
    last_activity_at = DateTimeField(null=True)

    class Meta:
        indexes = ((("status", "last_activity_at", "id"), False),)


class CaseParty(_Frozen):
    case_id = IntegerField()
    name = CharField(max_length=200)
    email = CharField(max_length=254, null=True)
    phone = CharField(max_length=50, null=True)
    address = TextField(null=True)


class SearchTerm(_Frozen):
    case = ForeignKeyField(Case, backref="+", on_delete="CASCADE")
    party = ForeignKeyField(CaseParty, backref="+", on_delete="CASCADE")
    term = CharField(max_length=100)

    class Meta:
        indexes = ((("term", "case"), False),)


class CaseEvent(_Frozen):
    case_id = IntegerField()
    created_at = DateTimeField()

    class Meta:
        indexes = ((("case_id", "created_at"), False),)


class CoachAllocation(_Frozen):
    case_id = IntegerField()
    ended_at = DateTimeField(null=True)

    class Meta:
        indexes = ((("case_id", "ended_at"), False),)


class CaseSession(_Frozen):
    case_id = IntegerField()
    status = CharField(max_length=30)
    starts_at = DateTimeField()

    class Meta:
        table_name = "case_session"
        indexes = ((("case_id", "status", "starts_at"), False),)


class Agreement(_Frozen):
    case_id = IntegerField()
    state = CharField(max_length=20)

    class Meta:
        indexes = ((("case_id", "state"), False),)


class PartyConsent(_Frozen):
    case_id = IntegerField()
    consent_state = CharField(max_length=20)

    class Meta:
        table_name = "case_party"
        indexes = ((("case_id", "consent_state"), False),)


INDEXED = [CaseEvent, CoachAllocation, CaseSession, Agreement, PartyConsent]


def _backfill():
    rows = []
    for party in CaseParty.select().order_by(CaseParty.id).iterator():
        rows.extend({"case": party.case_id, "party": party.id, "term": term}
                    for term in sorted(party_terms(party.name, party.email, party.phone, party.address)))
        if len(rows) >= 5000:
            SearchTerm.insert_many(rows).execute()
            rows = []
    if rows:
        SearchTerm.insert_many(rows).execute()


def upgrade(db, migrator):
    with db.bind_ctx([Case, CaseParty, SearchTerm, *INDEXED]):
        db.create_tables([SearchTerm])
        _backfill()
        migrate(migrator.add_column("case", "last_activity_at", DateTimeField(null=True)))
        latest = (CaseEvent.select(fn.MAX(CaseEvent.created_at)).where(CaseEvent.case_id == Case.id))
        Case.update(last_activity_at=fn.COALESCE(latest, Case.created_at)).execute()
        Case._schema.create_indexes(safe=True)
        for model in INDEXED:
            model._schema.create_indexes(safe=True)
