"""The first schema, as it was at the first release: every table of PRODUCT.md.

A new database gets the current models at once (see portal/migrations/__init__.py); this
migration is for a database that has no migration stamps yet. The models are frozen copies of
portal/models.py at that time, keeping only what shapes the tables (no defaults, choices or
backrefs), so that later changes to the real models do not change what this migration does.
"""

from peewee import BooleanField, CharField, DateField, DateTimeField, ForeignKeyField, IntegerField, Model, TextField

NAME = "initial schema"


class _Frozen(Model):
    class Meta:
        legacy_table_names = False


class User(_Frozen):
    name = CharField(max_length=200)
    email = CharField(max_length=254, unique=True)
    role = CharField(max_length=20)
    is_safeguarding_lead = BooleanField()
    is_admin = BooleanField()
    active = BooleanField()
    password_hash = CharField(max_length=255, null=True)
    session_token = CharField(max_length=64)
    created_at = DateTimeField()
    last_sign_in_at = DateTimeField(null=True)


class AccountToken(_Frozen):
    user = ForeignKeyField(User, backref="+", on_delete="CASCADE")
    purpose = CharField(max_length=20)
    token_hash = CharField(max_length=64, unique=True)
    created_by = ForeignKeyField(User, null=True, backref="+")
    created_at = DateTimeField()
    expires_at = DateTimeField()
    used_at = DateTimeField(null=True)


class Referral(_Frozen):
    reference = CharField(max_length=20, unique=True)
    source = CharField(max_length=20)
    agency_name = CharField(max_length=200, null=True)
    agency_type = CharField(max_length=50, null=True)
    referrer_name = CharField(max_length=200, null=True)
    referrer_contact = CharField(max_length=254, null=True)
    dispute_type = CharField(max_length=20)
    description = TextField()
    urgency = CharField(max_length=20)
    safety_worry = TextField()
    status = CharField(max_length=20)
    decline_reason = TextField(null=True)
    triaged_by = ForeignKeyField(User, null=True, backref="+")
    triaged_at = DateTimeField(null=True)
    created_at = DateTimeField()


class ReferralPerson(_Frozen):
    referral = ForeignKeyField(Referral, backref="+", on_delete="CASCADE")
    name = CharField(max_length=200)
    email = CharField(max_length=254, null=True)
    phone = CharField(max_length=50, null=True)
    address = TextField(null=True)
    unsafe_routes = CharField(max_length=200)
    contact_notes = TextField()


class Case(_Frozen):
    reference = CharField(max_length=20, unique=True)
    kind = CharField(max_length=20)
    status = CharField(max_length=20)
    dispute_type = CharField(max_length=20)
    session_allowance = IntegerField()
    funding = CharField(max_length=20, null=True)
    funding_scheme = CharField(max_length=100, null=True)
    referral = ForeignKeyField(Referral, null=True, backref="+")
    parent_case = ForeignKeyField("self", null=True, backref="+")
    outcome = CharField(max_length=30, null=True)
    closing_note = TextField(null=True)
    closed_at = DateTimeField(null=True)
    created_at = DateTimeField()


class CaseParty(_Frozen):
    case = ForeignKeyField(Case, backref="+", on_delete="CASCADE")
    user = ForeignKeyField(User, null=True, backref="+")
    name = CharField(max_length=200)
    email = CharField(max_length=254, null=True)
    phone = CharField(max_length=50, null=True)
    address = TextField(null=True)
    unsafe_routes = CharField(max_length=200)
    consent_state = CharField(max_length=20)
    fee_pence = IntegerField(null=True)
    fee_paid = BooleanField()
    created_at = DateTimeField()


class ConsentEvent(_Frozen):
    party = ForeignKeyField(CaseParty, backref="+", on_delete="CASCADE")
    state = CharField(max_length=20)
    method = CharField(max_length=20, null=True)
    occurred_on = DateField()
    reason = TextField(null=True)
    recorded_by = ForeignKeyField(User, null=True, backref="+")
    created_at = DateTimeField()


class CoachAllocation(_Frozen):
    case = ForeignKeyField(Case, backref="+", on_delete="CASCADE")
    coach = ForeignKeyField(User, backref="+")
    allocated_by = ForeignKeyField(User, null=True, backref="+")
    allocated_at = DateTimeField()
    ended_at = DateTimeField(null=True)


class CaseSession(_Frozen):
    case = ForeignKeyField(Case, backref="+", on_delete="CASCADE")
    kind = CharField(max_length=30)
    starts_at = DateTimeField()
    duration_minutes = IntegerField()
    mode = CharField(max_length=30)
    location = CharField(max_length=300)
    online_link = CharField(max_length=500)
    status = CharField(max_length=30)
    cancelled_by = CharField(max_length=50, null=True)
    over_allowance_reason = TextField(null=True)
    created_by = ForeignKeyField(User, null=True, backref="+")
    created_at = DateTimeField()

    class Meta:
        table_name = "case_session"


class SessionCoach(_Frozen):
    session = ForeignKeyField(CaseSession, backref="+", on_delete="CASCADE")
    coach = ForeignKeyField(User, backref="+")


class SessionAttendee(_Frozen):
    session = ForeignKeyField(CaseSession, backref="+", on_delete="CASCADE")
    party = ForeignKeyField(CaseParty, backref="+", on_delete="CASCADE")
    attended = BooleanField(null=True)
    supporter_name = CharField(max_length=200, null=True)
    supporter_relationship = CharField(max_length=100, null=True)
    supporter_coach_told = BooleanField()


class Note(_Frozen):
    case = ForeignKeyField(Case, backref="+", on_delete="CASCADE")
    author = ForeignKeyField(User, backref="+")
    audience = CharField(max_length=20)
    source_party = ForeignKeyField(CaseParty, null=True, backref="+")
    session = ForeignKeyField(CaseSession, null=True, backref="+")
    is_summary = BooleanField()
    body = TextField()
    withdrawn_at = DateTimeField(null=True)
    created_at = DateTimeField()
    updated_at = DateTimeField()


class NoteRevision(_Frozen):
    note = ForeignKeyField(Note, backref="+", on_delete="CASCADE")
    body = TextField()
    author = ForeignKeyField(User, backref="+")
    created_at = DateTimeField()


class NoteShare(_Frozen):
    note = ForeignKeyField(Note, backref="+", on_delete="CASCADE")
    party = ForeignKeyField(CaseParty, backref="+", on_delete="CASCADE")
    state = CharField(max_length=20)
    consent_method = CharField(max_length=20, null=True)
    consent_recorded_by = ForeignKeyField(User, null=True, backref="+")
    consent_at = DateTimeField(null=True)
    created_at = DateTimeField()

    class Meta:
        indexes = ((("note", "party"), True),)


class NoteFile(_Frozen):
    note = ForeignKeyField(Note, backref="+", on_delete="CASCADE")
    original_name = CharField(max_length=255)
    content_type = CharField(max_length=100)
    size_bytes = IntegerField()
    sha256 = CharField(max_length=64)
    storage_key = CharField(max_length=100, unique=True)
    created_at = DateTimeField()


class NoteOverrideRead(_Frozen):
    note = ForeignKeyField(Note, backref="+", on_delete="CASCADE")
    reader = ForeignKeyField(User, backref="+")
    reason = TextField()
    created_at = DateTimeField()


class SafeguardingConcern(_Frozen):
    case = ForeignKeyField(Case, backref="+", on_delete="CASCADE")
    raised_by = ForeignKeyField(User, backref="+")
    about_party = ForeignKeyField(CaseParty, null=True, backref="+")
    about_other_person = CharField(max_length=200)
    category = CharField(max_length=30)
    level = CharField(max_length=20)
    description = TextField()
    occurred_at = CharField(max_length=200)
    state = CharField(max_length=20)
    acknowledged_by = ForeignKeyField(User, null=True, backref="+")
    acknowledged_at = DateTimeField(null=True)
    outcome = CharField(max_length=30, null=True)
    signed_off_by = ForeignKeyField(User, null=True, backref="+")
    closed_at = DateTimeField(null=True)
    created_at = DateTimeField()


class ConcernEvent(_Frozen):
    concern = ForeignKeyField(SafeguardingConcern, backref="+", on_delete="CASCADE")
    kind = CharField(max_length=20)
    text = TextField()
    agency = CharField(max_length=200, null=True)
    agency_reference = CharField(max_length=100, null=True)
    action_on = DateField(null=True)
    by = ForeignKeyField(User, backref="+")
    created_at = DateTimeField()


class Agreement(_Frozen):
    case = ForeignKeyField(Case, backref="+", on_delete="CASCADE")
    title = CharField(max_length=200)
    version = IntegerField()
    state = CharField(max_length=20)
    review_on = DateField(null=True)
    other_terms = TextField()
    previous = ForeignKeyField("self", null=True, backref="+")
    created_by = ForeignKeyField(User, backref="+")
    created_at = DateTimeField()
    proposed_at = DateTimeField(null=True)
    finalised_at = DateTimeField(null=True)
    pdf_sha256 = CharField(max_length=64, null=True)
    pdf_storage_key = CharField(max_length=100, null=True)


class AgreementIssue(_Frozen):
    agreement = ForeignKeyField(Agreement, backref="+", on_delete="CASCADE")
    position = IntegerField()
    text = TextField()


class AgreementTerm(_Frozen):
    agreement = ForeignKeyField(Agreement, backref="+", on_delete="CASCADE")
    position = IntegerField()
    what = TextField()
    party = ForeignKeyField(CaseParty, null=True, backref="+")
    due_on = DateField(null=True)


class AgreementAcceptance(_Frozen):
    agreement = ForeignKeyField(Agreement, backref="+", on_delete="CASCADE")
    party = ForeignKeyField(CaseParty, backref="+")
    version = IntegerField()
    typed_name = CharField(max_length=200)
    accepted_at = DateTimeField()


class AgreementChangeRequest(_Frozen):
    agreement = ForeignKeyField(Agreement, backref="+", on_delete="CASCADE")
    party = ForeignKeyField(CaseParty, backref="+")
    version = IntegerField()
    comment = TextField()
    created_at = DateTimeField()


class ActionPoint(_Frozen):
    case = ForeignKeyField(Case, backref="+", on_delete="CASCADE")
    party = ForeignKeyField(CaseParty, backref="+", on_delete="CASCADE")
    text = TextField()
    due_on = DateField(null=True)
    detail = TextField()
    done_at = DateTimeField(null=True)
    party_comment = TextField()
    created_by = ForeignKeyField(User, null=True, backref="+")
    agreement_term = ForeignKeyField(AgreementTerm, null=True, backref="+")
    created_at = DateTimeField()


class Goal(_Frozen):
    case = ForeignKeyField(Case, backref="+", on_delete="CASCADE")
    party = ForeignKeyField(CaseParty, backref="+", on_delete="CASCADE")
    kind = CharField(max_length=20)
    text = TextField()
    created_by = ForeignKeyField(User, null=True, backref="+")
    created_at = DateTimeField()


class AuditEvent(_Frozen):
    created_at = DateTimeField()
    actor_id = IntegerField(null=True)
    event = CharField(max_length=60)
    record_type = CharField(max_length=40)
    record_id = IntegerField(null=True)
    case_id = IntegerField(null=True)
    remote_addr = CharField(max_length=64)
    detail = TextField()
    prev_hash = CharField(max_length=64)
    row_hash = CharField(max_length=64)


class SchemaMigration(_Frozen):
    number = IntegerField(unique=True)
    name = CharField(max_length=100)
    applied_at = DateTimeField()


TABLES = [
    User, AccountToken, Referral, ReferralPerson, Case,
    CaseParty, ConsentEvent, CoachAllocation, CaseSession, SessionCoach,
    SessionAttendee, Note, NoteRevision, NoteShare, NoteFile,
    NoteOverrideRead, SafeguardingConcern, ConcernEvent, Agreement, AgreementIssue,
    AgreementTerm, AgreementAcceptance, AgreementChangeRequest, ActionPoint, Goal,
    AuditEvent, SchemaMigration
]


def upgrade(db, migrator):
    with db.bind_ctx(TABLES):
        db.create_tables(TABLES, safe=True)
