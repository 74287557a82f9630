"""The peewee models: every table of PRODUCT.md, including those whose screens come later.

Times are stored in UTC (`utcnow()`); dates that people choose (a due date, a consent date) are
plain dates. Stored codes are `portal.vocab`'s, the members the rules and the pages use too.
Scopes are classmethods returning unexecuted queries; visibility lives in `portal.queries`, not
here.
"""

import secrets
import zlib
from datetime import UTC, datetime
from typing import Any

from peewee import (
    SQL,
    AutoField,
    BlobField,
    BooleanField,
    CharField,
    DateField,
    DateTimeField,
    EnclosedNodeList,
    Field,
    ForeignKeyField,
    IntegerField,
    Model,
    ModelIndex,
    ModelSelect,
    TextField,
    fn,
)
from peewee import Case as SqlCase

from portal import policy, search_terms
from portal.db import database, serialised_transaction
from portal.vocab import (
    AcceptanceMethod,
    AgeBand,
    AgreementState,
    Audience,
    CancelledBy,
    CaseEventKind,
    CaseKind,
    CaseStatus,
    CoachingOfferAnswer,
    ConcernCategory,
    ConcernEventKind,
    ConcernLevel,
    ConcernOutcome,
    ConcernState,
    ConsentMethod,
    ConsentState,
    Delivery,
    Disability,
    DisputeType,
    EqualitySource,
    ErasureState,
    Ethnicity,
    FeedbackHelped,
    FeedbackSituation,
    FirstLanguage,
    Funding,
    Gender,
    GoalKind,
    GoalsMet,
    MessageKind,
    MessageState,
    NotificationKind,
    ReferralStatus,
    ReviewOutcome,
    Role,
    Satisfaction,
    ServiceList,
    SessionEnd,
    SessionKind,
    SessionMode,
    SessionRequestKind,
    SessionStatus,
    ShareConsentMethod,
    ShareState,
    Stage,
    TokenPurpose,
    Urgency,
)


def utcnow():
    """The current UTC time without tzinfo, the form both SQLite and PostgreSQL store."""
    return datetime.now(UTC).replace(tzinfo=None)


def new_session_token():
    return secrets.token_urlsafe(24)


# The first half of PostgreSQL's two-number advisory lock key for numbering references (the
# rate limits use 7301, the audit trail a single-number key).
_REFERENCE_LOCK_CLASS = 7302


def next_reference(model, prefix):
    """<prefix><number>, numbered from 1 for each prefix. Call it in the transaction that inserts
    the row: it takes a lock there, held until that transaction ends, so that writers numbering
    at the same moment (in any worker, on any server) take the next numbers in turn rather than
    the same one.

    Numbers have at least four digits and grow past them: the longest reference is the highest
    (as text, AC-2026-9999 sorts after AC-2026-10000)."""
    lock = int.from_bytes(zlib.crc32(prefix.encode()).to_bytes(4, "big"), "big", signed=True)
    with serialised_transaction((_REFERENCE_LOCK_CLASS, lock)):
        last = (model.select(model.reference).where(model.reference.startswith(prefix))
                .order_by(fn.LENGTH(model.reference).desc(), model.reference.desc()).first())
    number = int(last.reference.removeprefix(prefix)) + 1 if last else 1
    return f"{prefix}{number:04d}"


def codes(vocabulary):
    """A field's choices: the codes of a `portal.vocab` vocabulary (peewee records, not enforces)."""
    return [(code.value, code.value) for code in vocabulary]


def rank_of(column: "Field[Any]", order: tuple[str, ...]) -> SqlCase:
    """A column's value as its place in `order` (0 first), for ORDER BY; anything else sorts last.

    The codes and ranks are written into the SQL as literals, not parameters, as an index on
    the expression holds them: SQLite uses such an index only for the very same expression (the
    referral queue's order, `Referral.urgency_rank`). They are the vocabulary's own codes."""
    return SqlCase(column, [(_sql_literal(value), SQL(str(rank))) for rank, value in enumerate(order)],
                   SQL(str(len(order))))


def _sql_literal(code: str) -> SQL:
    return SQL("'" + str(code).replace("'", "''") + "'")


class BaseModel(Model):
    # The primary key peewee would add anyway, declared so that type checkers know `Model.id`.
    id = AutoField()

    class Meta:
        database = database
        legacy_table_names = False


# --- people ---------------------------------------------------------------------------------

class User(BaseModel):
    name = CharField(max_length=200)
    email = CharField(max_length=254, unique=True)  # stored lower-cased
    role = CharField(max_length=20, choices=codes(Role))
    is_safeguarding_lead = BooleanField(default=False)
    is_admin = BooleanField(default=False)
    active = BooleanField(default=True)
    # NULL until the invitation is accepted: such an account cannot sign in.
    password_hash = CharField(max_length=255, null=True)
    # The second factor (TOTP, RFC 6238): the base32 secret once set up, and the last time step
    # whose code was accepted, so that no code is accepted twice (migration 22).
    totp_secret = CharField(max_length=64, null=True)
    totp_last_step = IntegerField(null=True)
    created_at = DateTimeField(default=utcnow)
    last_sign_in_at = DateTimeField(null=True)
    # Notification preferences: the kinds (NotificationKind codes, comma-separated) this person
    # does not want by email (they still see them under Notifications), and, for staff, whether
    # they want one email a day instead of one per message.
    email_off = CharField(max_length=1000, default="")
    email_digest = BooleanField(default=False)

    class Meta:
        # The case list's coach filter: active coaches by name (migration 13).
        indexes = ((("role", "name", "id"), False),)

    @classmethod
    def by_email(cls, email):
        return cls.select().where(cls.email == (email or "").strip().lower())

    @classmethod
    def coaches(cls):
        return cls.select().where(cls.role == Role.COACH, cls.active == True)  # noqa: E712

    # What Flask-Login asks of a user. The id names a SignInSession row and carries its token,
    # so ending that row ends the session: see portal/auth/login.py.
    is_authenticated = True
    is_anonymous = False
    session_cookie_id = ""

    @property
    def is_active(self):
        return self.active

    def get_id(self):
        return self.session_cookie_id

    @property
    def is_staff(self):
        return self.role != Role.PARTY

    @property
    def has_second_factor(self):
        return bool(self.totp_secret)

    def actor(self) -> policy.Actor:
        """The facts `portal.policy` needs about this user."""
        return policy.Actor(
            user_id=self.id, role=self.role, active=self.active,
            safeguarding_lead=self.is_safeguarding_lead, admin=self.is_admin,
        )


class AccountToken(BaseModel):
    """A single-use emailed link: an invitation or a password reset. Only the hash is stored."""
    user = ForeignKeyField(User, backref="tokens", on_delete="CASCADE")
    purpose = CharField(max_length=20, choices=codes(TokenPurpose))
    token_hash = CharField(max_length=64, unique=True)
    created_by = ForeignKeyField(User, null=True, backref="+")
    created_at = DateTimeField(default=utcnow)
    expires_at = DateTimeField()
    used_at = DateTimeField(null=True)


class SignInSession(BaseModel):
    """One sign-in: the cookie names the row and carries a token of which only the hash is kept.
    Ended (signed out, ended from another device, idle, password change) when `ended_at` is set."""
    user = ForeignKeyField(User, backref="sign_in_sessions", on_delete="CASCADE")
    token_hash = CharField(max_length=64, unique=True)
    created_at = DateTimeField(default=utcnow)
    last_seen_at = DateTimeField(default=utcnow)
    browser = CharField(max_length=100, default="")
    remote_addr = CharField(max_length=64, default="")
    ended_at = DateTimeField(null=True)
    ended_why = CharField(max_length=20, null=True, choices=codes(SessionEnd))

    class Meta:
        indexes = ((("user", "ended_at"), False),)


class RecoveryCode(BaseModel):
    """A single-use code that stands in for the second factor; only its hash is kept."""
    user = ForeignKeyField(User, backref="recovery_codes", on_delete="CASCADE")
    code_hash = CharField(max_length=64)
    created_at = DateTimeField(default=utcnow)
    used_at = DateTimeField(null=True)

    class Meta:
        indexes = ((("user", "code_hash"), False),)


# --- referrals ------------------------------------------------------------------------------

class Referral(BaseModel):
    reference = CharField(max_length=20, unique=True)
    # Indexed for the case list's referral source filter (migration 16). The source, the agency
    # kind and the dispute type are codes of the service's own lists (`ServiceList`, migration 19).
    source = CharField(max_length=20, index=True)
    agency_name = CharField(max_length=200, null=True)
    agency_type = CharField(max_length=50, null=True)
    referrer_name = CharField(max_length=200, null=True)
    referrer_contact = CharField(max_length=254, null=True)
    dispute_type = CharField(max_length=20)
    description = TextField()
    urgency = CharField(max_length=20, choices=codes(Urgency))
    safety_worry = TextField(default="")
    status = CharField(max_length=20, default=ReferralStatus.NEW, choices=codes(ReferralStatus))
    decline_reason = TextField(null=True)
    triaged_by = ForeignKeyField(User, null=True, backref="+")
    triaged_at = DateTimeField(null=True)
    created_at = DateTimeField(default=utcnow)
    # When retention removed its words and the people's details (with its case, or on its own
    # when declined: portal/retention.py); the codes and dates reports count stay.
    anonymised_at = DateTimeField(null=True)

    @classmethod
    def next_reference(cls, year):
        return next_reference(cls, f"RF-{year}-")

    @classmethod
    def urgency_rank(cls) -> SqlCase:
        """The queue's first key: most urgent 0 (`URGENCY_ORDER`), an unknown urgency last."""
        return rank_of(cls.urgency, URGENCY_ORDER)


# The coordinators' referral queue: most urgent first, then newest first.
URGENCY_ORDER = (Urgency.URGENT, Urgency.SOON, Urgency.ROUTINE)


def _queue_order_index(name: str, *leading: "Field[Any]") -> ModelIndex:
    """An index holding the queue's order (the urgency rank is an expression, so a plain index
    on the column cannot give it), so that a page of the queue is read in order, not sorted."""
    return Referral.index(*leading, EnclosedNodeList([Referral.urgency_rank()]),
                          Referral.created_at.desc(), Referral.id.desc(), name=name)


# Every referral (the queue's default), and those of one status (its filter, and the home
# page's count of new referrals).
Referral.add_index(_queue_order_index("referral_queue_order"))
Referral.add_index(_queue_order_index("referral_status_queue_order", Referral.status))
# The reports count referrals received in a period (migration 20).
Referral.add_index(Referral.index(Referral.created_at, name="referral_created_at"))


class SubmissionAttempt(BaseModel):
    """A public form submission, kept briefly for the per-address rate limit (address hashed)."""
    form = CharField(max_length=30)
    key_hash = CharField(max_length=64, index=True)
    created_at = DateTimeField(default=utcnow, index=True)


class ReferralPerson(BaseModel):
    referral = ForeignKeyField(Referral, backref="people", on_delete="CASCADE")
    name = CharField(max_length=200)
    email = CharField(max_length=254, null=True)
    phone = CharField(max_length=50, null=True)
    address = TextField(null=True)
    # The routes that are not safe ("do not phone", "do not write to the home address").
    unsafe_routes = CharField(max_length=200, default="")  # UnsafeRoute codes, comma-separated
    contact_notes = TextField(default="")


# --- cases ----------------------------------------------------------------------------------

class Case(BaseModel):
    reference = CharField(max_length=20, unique=True)  # AC-2026-0042
    kind = CharField(max_length=20, choices=codes(CaseKind))
    status = CharField(max_length=20, default=CaseStatus.OPEN, choices=codes(CaseStatus))
    dispute_type = CharField(max_length=20, default=DisputeType.OTHER)
    session_allowance = IntegerField(default=3)
    funding = CharField(max_length=20, null=True, choices=codes(Funding))  # NULL: not yet recorded
    funding_scheme = CharField(max_length=100, null=True)
    office = CharField(max_length=100, null=True)  # where the case is run from; NULL: not chosen
    referral = ForeignKeyField(Referral, null=True, backref="cases")
    parent_case = ForeignKeyField("self", null=True, backref="follow_on_cases")
    parent_case_id: int | None  # peewee's accessor for the column, declared for type checkers
    # A `ServiceList.CASE_OUTCOME` entry's code (`portal/service_lists.py`), as are the dispute
    # type, the funding scheme and the office: the service edits those lists (migration 19).
    outcome = CharField(max_length=30, null=True)
    closing_note = TextField(null=True)
    closed_at = DateTimeField(null=True)
    created_at = DateTimeField(default=utcnow)
    # When its latest timeline entry was written (when it opened, before any): the case list's
    # default order, kept by `CaseEvent.save` (and `portal.bulk`).
    last_activity_at = DateTimeField(null=True)
    # Where the case stands (`portal.stages.case_stage`), stored so that the case list can
    # filter and show it without working it out for every case: kept by `CaseEvent.save`
    # (every change that can move it writes a timeline entry in the same transaction), by
    # `portal.bulk` and the demo, through `Case.refresh_stages` (migration 16).
    stage = CharField(max_length=30, default=Stage.WAITING_FOR_CONSENT, choices=codes(Stage))
    # Retention (portal/retention.py, migration 23): a legal hold set by a coordinator, with
    # their reason (NULL: no hold set; an unresolved concern holds a case as well), and when the
    # case was anonymised (NULL: not yet).
    legal_hold_reason = TextField(null=True)
    legal_hold_by = ForeignKeyField(User, null=True, backref="+")
    legal_hold_at = DateTimeField(null=True)
    anonymised_at = DateTimeField(null=True)

    class Meta:
        # The coordinator's home lists open cases, newest first; the case list, latest activity first.
        # The case list's funding scheme filter offers the schemes named on cases (migration 13);
        # its stage filter, a stage's cases by latest activity (migration 16).
        # The reports, cases opened or closed in a period (migration 20).
        indexes = ((("status", "created_at"), False),
                   (("status", "last_activity_at", "id"), False),
                   (("funding_scheme",), False),
                   (("stage", "last_activity_at", "id"), False),
                   (("created_at",), False),
                   (("closed_at",), False))

    def save(self, *args, **kwargs):
        if self.last_activity_at is None:
            self.last_activity_at = self.created_at
        return super().save(*args, **kwargs)

    @classmethod
    def next_reference(cls, year):
        return next_reference(cls, f"AC-{year}-")

    @classmethod
    def refresh_stages(cls, *where):
        """Work the stored stage out again from the facts (`queries.case_stage_sql`, the rule's
        SQL twin), for the cases `where` picks (every case without it)."""
        from portal.queries.case_list import case_stage_sql  # queries build on the models
        stage = case_stage_sql()
        return cls.update(stage=stage).where(*where).execute() if where else cls.update(stage=stage).execute()

    @classmethod
    def open_cases(cls):
        return cls.select().where(cls.status == CaseStatus.OPEN)

    @property
    def is_closed(self):
        return self.status == CaseStatus.CLOSED


class CaseParty(BaseModel):
    """A person taking part in a case. `user` is set once they have a portal account."""
    case = ForeignKeyField(Case, backref="parties", on_delete="CASCADE")
    user = ForeignKeyField(User, null=True, backref="party_records")
    user_id: int | None  # peewee's accessor for the column, declared for type checkers
    name = CharField(max_length=200)
    email = CharField(max_length=254, null=True)
    phone = CharField(max_length=50, null=True)
    address = TextField(null=True)
    unsafe_routes = CharField(max_length=200, default="")  # UnsafeRoute codes, comma-separated
    # "No details by email": their session emails name no date, time or mode and carry no
    # calendar file (set by the party or a coordinator; portal/notify.py honours it).
    no_details_by_email = BooleanField(default=False)
    # The latest consent event's state, kept here for lists; the history is in ConsentEvent.
    consent_state = CharField(max_length=20, default=ConsentState.PENDING, choices=codes(ConsentState))
    fee_pence = IntegerField(null=True)
    fee_paid = BooleanField(default=False)
    # On a post-mediation coaching case opened as an offer: the party's answer (NULL otherwise).
    coaching_offer = CharField(max_length=20, null=True, choices=codes(CoachingOfferAnswer))
    coaching_offer_answered_at = DateTimeField(null=True)
    # On such an offer's party record: the party record on the mediation it was offered from,
    # so that the mediation's page knows whom it has offered coaching to already.
    offered_from = ForeignKeyField("self", null=True, backref="+")
    offered_from_id: int | None  # peewee's accessor for the column, declared for type checkers
    created_at = DateTimeField(default=utcnow)

    class Meta:
        # Whether every party has consented (the case list's stage); the consents still awaited
        # (the coordinator's work queue).
        indexes = ((("case", "consent_state"), False),
                   (("consent_state", "created_at"), False))

    def save(self, *args, **kwargs):
        """Save, and keep the terms the case list's search finds the case by in step."""
        saved = super().save(*args, **kwargs)
        SearchTerm.keep_for(self)
        return saved


class SearchTerm(BaseModel):
    """A term the case list's search finds a case by: a word of a party's name, their phone
    number's digits, their email or postcode (`portal.search_terms`), kept by `CaseParty.save`
    (and `portal.bulk`). Indexed by term, so that a search is a range of the index."""
    case = ForeignKeyField(Case, backref="+", on_delete="CASCADE")
    party = ForeignKeyField(CaseParty, backref="+", on_delete="CASCADE")
    term = CharField(max_length=100)

    class Meta:
        indexes = ((("term", "case"), False),)

    @classmethod
    def keep_for(cls, party):
        """Replace a party's terms with those its name and contact details give now."""
        terms = search_terms.party_terms(party.name, party.email, party.phone, party.address)
        cls.delete().where(cls.party == party.id).execute()
        if terms:
            cls.insert_many([{"case": party.case_id, "party": party.id, "term": term} for term in sorted(terms)]
                            ).execute()


class ConsentEvent(BaseModel):
    """Consent to take part: given, declined or withdrawn. Appended, never overwritten."""
    party = ForeignKeyField(CaseParty, backref="consent_events", on_delete="CASCADE")
    state = CharField(max_length=20, choices=codes(ConsentState))
    method = CharField(max_length=20, null=True, choices=codes(ConsentMethod))
    occurred_on = DateField()
    reason = TextField(null=True)
    recorded_by = ForeignKeyField(User, null=True, backref="+")
    created_at = DateTimeField(default=utcnow)


class CoachAllocation(BaseModel):
    """A coach on a case; `ended_at` is set when they are taken off it."""
    case = ForeignKeyField(Case, backref="allocations", on_delete="CASCADE")
    coach = ForeignKeyField(User, backref="allocations")
    coach_id: int  # peewee's accessor for the column, declared for type checkers
    allocated_by = ForeignKeyField(User, null=True, backref="+")
    allocated_at = DateTimeField(default=utcnow)
    ended_at = DateTimeField(null=True)

    class Meta:
        # A case's current coaches (the case list's stage).
        indexes = ((("case", "ended_at"), False),)

    @classmethod
    def current(cls) -> "ModelSelect[CoachAllocation]":
        return cls.select().where(cls.ended_at.is_null())


class CaseSeen(BaseModel):
    """How far a coach has seen what the parties said on a case: moved on to the moment they
    open the case page, where every party comment and answer is shown in its place. The coach's
    home lists what came in after it ("not yet seen")."""
    coach = ForeignKeyField(User, backref="+", on_delete="CASCADE")
    case = ForeignKeyField(Case, backref="+", on_delete="CASCADE")
    seen_at = DateTimeField()

    class Meta:
        table_name = "case_seen"
        indexes = ((("coach", "case"), True),)


class CaseEvent(BaseModel):
    """The case timeline: what happened, in words safe for every staff member on the case."""
    case = ForeignKeyField(Case, backref="events", on_delete="CASCADE")
    kind = CharField(max_length=40, choices=codes(CaseEventKind))
    summary = TextField()
    actor = ForeignKeyField(User, null=True, backref="+")
    created_at = DateTimeField(default=utcnow)

    def save(self, *args, **kwargs):
        """Save, move the case's last activity on to this entry's time if it is later, and
        work its stage out again: every change that can move a stage (consent, coaches,
        sessions, agreements, closing and reopening, parties) writes an entry after making
        the change, in the same transaction, so this one statement keeps `Case.stage` true."""
        from portal.queries.case_list import case_stage_sql  # queries build on the models
        saved = super().save(*args, **kwargs)
        later = Case.last_activity_at.is_null() | (Case.last_activity_at < self.created_at)
        (Case.update(last_activity_at=SqlCase(None, [(later, self.created_at)], Case.last_activity_at),
                     stage=case_stage_sql())
         .where(Case.id == self.case_id)
         .execute())
        return saved

    class Meta:
        # The case list's last activity: the latest entry of a case is one step of this index.
        indexes = ((("case", "created_at"), False),)


# --- sessions -------------------------------------------------------------------------------

class CaseSession(BaseModel):
    """A meeting: pre-mediation, joint mediation, coaching or post-mediation coaching."""
    case = ForeignKeyField(Case, backref="sessions", on_delete="CASCADE")
    kind = CharField(max_length=30, choices=codes(SessionKind))
    starts_at = DateTimeField()  # UTC
    duration_minutes = IntegerField(default=60)
    mode = CharField(max_length=30, choices=codes(SessionMode))
    location = CharField(max_length=300, default="")
    online_link = CharField(max_length=500, default="")
    status = CharField(max_length=30, default=SessionStatus.SCHEDULED, choices=codes(SessionStatus))
    cancelled_by = CharField(max_length=50, null=True, choices=codes(CancelledBy))
    over_allowance_reason = TextField(null=True)
    # The calendar file's SEQUENCE: one more each time the session moves or is cancelled, so
    # that a file sent later updates the event a party already has (same UID).
    sequence = IntegerField(default=0)
    created_by = ForeignKeyField(User, null=True, backref="+")
    created_at = DateTimeField(default=utcnow)

    class Meta:
        table_name = "case_session"
        # The case list: a case's sessions by status (its stage), its next booked one. The
        # reports: a period's sessions, counted from the index alone (migration 20).
        indexes = ((("case", "status", "starts_at"), False),
                   (("starts_at", "status", "kind", "mode", "duration_minutes"), False))

    def facts(self, attendees=None):
        """The session's facts for the policy; `attendees`, its SessionAttendee rows when the
        caller has loaded them already (else they are loaded here)."""
        rows = self.attendees if attendees is None else attendees
        return policy.SessionFacts(session_id=self.id, case_id=self.case_id, mode=self.mode,
                                   party_ids=frozenset(row.party_id for row in rows))


class SessionCoach(BaseModel):
    session = ForeignKeyField(CaseSession, backref="coaches", on_delete="CASCADE")
    session_id: int  # peewee's accessor for the column, declared for type checkers
    coach = ForeignKeyField(User, backref="session_seats")


class SessionAttendee(BaseModel):
    session = ForeignKeyField(CaseSession, backref="attendees", on_delete="CASCADE")
    party = ForeignKeyField(CaseParty, backref="session_seats", on_delete="CASCADE")
    attended = BooleanField(null=True)
    supporter_name = CharField(max_length=200, null=True)
    supporter_relationship = CharField(max_length=100, null=True)
    supporter_coach_told = BooleanField(default=False)


class SessionRequest(BaseModel):
    """A party's word to their coaches about one of their own upcoming sessions: they cannot
    come, or want it rearranged, with their reason in their own words if they give one. The
    coaches and coordinators on the case read it, and that party; never another party
    (policy.can_view_session_request). Open until a member of staff marks it dealt with."""
    session = ForeignKeyField(CaseSession, backref="requests", on_delete="CASCADE")
    party = ForeignKeyField(CaseParty, backref="session_requests", on_delete="CASCADE")
    kind = CharField(max_length=20, choices=codes(SessionRequestKind))
    reason = TextField(null=True)
    created_at = DateTimeField(default=utcnow)
    dealt_with_at = DateTimeField(null=True)
    dealt_with_by = ForeignKeyField(User, null=True, backref="+")

    def is_open(self) -> bool:
        return self.dealt_with_at is None


# --- files ----------------------------------------------------------------------------------

class StoredFile(BaseModel):
    """The bytes of a file (a note's file, an agreement's PDF), kept in the database so that every
    app server reads the same ones and a backup holds them. Written and deleted in the same
    transaction as the row that names it (`portal/storage.py`), which records the hash it must
    have; a row naming it keeps it from being deleted first."""
    data = BlobField()
    size_bytes = IntegerField()
    sha256 = CharField(max_length=64)
    created_at = DateTimeField(default=utcnow)


# --- notes ----------------------------------------------------------------------------------

class Note(BaseModel):
    case = ForeignKeyField(Case, backref="notes", on_delete="CASCADE")
    author = ForeignKeyField(User, backref="notes")
    audience = CharField(max_length=20, choices=codes(Audience))
    source_party = ForeignKeyField(CaseParty, null=True, backref="+")
    session = ForeignKeyField(CaseSession, null=True, backref="notes")
    is_summary = BooleanField(default=False)
    body = TextField()  # the latest revision's text
    withdrawn_at = DateTimeField(null=True)
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)

    def facts(self, shares=None):
        """The note's facts for the policy; `shares`, this note's NoteShare rows when already
        loaded (the case page loads them for every note at once), saves a query."""
        shares = {s.party_id: s.state for s in (self.shares if shares is None else shares)}
        return policy.NoteFacts(
            note_id=self.id, case_id=self.case_id, author_id=self.author_id,
            audience=self.audience, shares=shares, source_party_id=self.source_party_id,
            withdrawn=self.withdrawn_at is not None,
        )


class NoteRevision(BaseModel):
    note = ForeignKeyField(Note, backref="revisions", on_delete="CASCADE")
    body = TextField()
    author = ForeignKeyField(User, backref="+")
    created_at = DateTimeField(default=utcnow)


class NoteShare(BaseModel):
    """A note shared with one party, with the source party's consent where it is needed."""
    note = ForeignKeyField(Note, backref="shares", on_delete="CASCADE")
    party = ForeignKeyField(CaseParty, backref="note_shares", on_delete="CASCADE")
    state = CharField(max_length=20, choices=codes(ShareState))
    consent_method = CharField(max_length=20, null=True, choices=codes(ShareConsentMethod))
    consent_recorded_by = ForeignKeyField(User, null=True, backref="+")
    consent_at = DateTimeField(null=True)
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("note", "party"), True),)


class NoteFile(BaseModel):
    """An uploaded file; it has exactly its note's audience. Its bytes are its `content`."""
    note = ForeignKeyField(Note, backref="files", on_delete="CASCADE")
    original_name = CharField(max_length=255)
    content_type = CharField(max_length=100)
    size_bytes = IntegerField()
    sha256 = CharField(max_length=64)
    content = ForeignKeyField(StoredFile, unique=True, backref="+")
    created_at = DateTimeField(default=utcnow)


class NoteOverrideRead(BaseModel):
    """A safeguarding lead opened a note outside its audience (also in the audit trail)."""
    note = ForeignKeyField(Note, backref="override_reads", on_delete="CASCADE")
    reader = ForeignKeyField(User, backref="+")
    reason = TextField()
    created_at = DateTimeField(default=utcnow)


# --- safeguarding ---------------------------------------------------------------------------

class SafeguardingConcern(BaseModel):
    """Never deleted or edited in place: corrections and actions are ConcernEvents."""
    case = ForeignKeyField(Case, backref="concerns", on_delete="CASCADE")
    raised_by = ForeignKeyField(User, backref="raised_concerns")
    about_party = ForeignKeyField(CaseParty, null=True, backref="+")
    about_other_person = CharField(max_length=200, default="")
    category = CharField(max_length=30, choices=codes(ConcernCategory))
    level = CharField(max_length=20, choices=codes(ConcernLevel))
    description = TextField()
    occurred_at = CharField(max_length=200, default="")  # when and where, in the raiser's words
    state = CharField(max_length=20, default=ConcernState.OPEN,
                      choices=codes(ConcernState))
    acknowledged_by = ForeignKeyField(User, null=True, backref="+")
    acknowledged_at = DateTimeField(null=True)
    outcome = CharField(max_length=30, null=True, choices=codes(ConcernOutcome))
    signed_off_by = ForeignKeyField(User, null=True, backref="+")
    closed_at = DateTimeField(null=True)
    created_at = DateTimeField(default=utcnow)

    class Meta:
        # The dashboard and the coordinators' count: concerns in some states (not yet closed,
        # unless asked), raised in a date range, of one level. A category is never selective
        # enough for an index of its own to beat reading a state's rows; `raised_by` has its
        # foreign key's index.
        indexes = (
            (("state", "created_at"), False),
            (("state", "level", "created_at"), False),
            (("created_at", "category", "level"), False),  # the reports (migration 20)
        )

    @classmethod
    def unresolved(cls) -> "ModelSelect[SafeguardingConcern]":
        return cls.select().where(cls.state.in_(policy.UNRESOLVED_CONCERN_STATES))

    def facts(self):
        return policy.ConcernFacts(
            concern_id=self.id, case_id=self.case_id, raised_by_id=self.raised_by_id,
            state=self.state,
        )


class ConcernEvent(BaseModel):
    """The concern's chronology: acknowledged, action, addendum, closed, reopened."""
    concern = ForeignKeyField(SafeguardingConcern, backref="events", on_delete="CASCADE")
    kind = CharField(max_length=20, choices=codes(ConcernEventKind))
    text = TextField(default="")
    agency = CharField(max_length=200, null=True)
    agency_reference = CharField(max_length=100, null=True)
    action_on = DateField(null=True)
    # A "closed" event's outcome, kept with the event so that a concern closed, reopened and
    # closed again keeps both outcomes in its chronology. `by` is who signed it off.
    outcome = CharField(max_length=30, null=True, choices=codes(ConcernOutcome))
    by = ForeignKeyField(User, backref="+")
    created_at = DateTimeField(default=utcnow)


# --- agreements -----------------------------------------------------------------------------

class Agreement(BaseModel):
    case = ForeignKeyField(Case, backref="agreements", on_delete="CASCADE")
    title = CharField(max_length=200)
    version = IntegerField(default=1)
    state = CharField(max_length=20, default=AgreementState.DRAFT,
                      choices=codes(AgreementState))
    review_on = DateField(null=True)
    other_terms = TextField(default="")
    previous = ForeignKeyField("self", null=True, backref="+")
    previous_id: int | None  # peewee's accessor for the column, declared for type checkers
    created_by = ForeignKeyField(User, backref="+")
    created_at = DateTimeField(default=utcnow)
    proposed_at = DateTimeField(null=True)
    finalised_at = DateTimeField(null=True)
    # The final PDF, exactly as every party accepted it (null until final).
    pdf_sha256 = CharField(max_length=64, null=True)
    pdf_content = ForeignKeyField(StoredFile, null=True, unique=True, backref="+")
    # The review of a final agreement, once recorded: when it was held, how the terms were kept,
    # and a note (with an audience, like any note) of what was said.
    reviewed_on = DateField(null=True)
    review_outcome = CharField(max_length=20, null=True, choices=codes(ReviewOutcome))
    review_note = ForeignKeyField(Note, null=True, backref="+")
    reviewed_by = ForeignKeyField(User, null=True, backref="+")

    class Meta:
        # The review list: final agreements by review date, soonest first.
        indexes = ((("state", "review_on", "id"), False),
                   (("case", "state"), False),  # the case list's stage
                   (("finalised_at",), False), (("reviewed_on",), False))  # the reports (migration 20)

    def facts(self):
        return policy.AgreementFacts(agreement_id=self.id, case_id=self.case_id, state=self.state)


class AgreementIssue(BaseModel):
    agreement = ForeignKeyField(Agreement, backref="issues", on_delete="CASCADE")
    position = IntegerField()
    text = TextField()


class AgreementTerm(BaseModel):
    agreement = ForeignKeyField(Agreement, backref="terms", on_delete="CASCADE")
    position = IntegerField()
    what = TextField()
    party = ForeignKeyField(CaseParty, null=True, backref="+")  # NULL: both parties
    due_on = DateField(null=True)


class AgreementAcceptance(BaseModel):
    """A party's acceptance of one exact version: the name they typed, and when. A party
    without a portal account accepts in person, recorded by a coach (`recorded_by`)."""
    agreement = ForeignKeyField(Agreement, backref="acceptances", on_delete="CASCADE")
    party = ForeignKeyField(CaseParty, backref="+")
    version = IntegerField()
    typed_name = CharField(max_length=200)
    accepted_at = DateTimeField(default=utcnow)
    method = CharField(max_length=20, default=AcceptanceMethod.PORTAL, choices=codes(AcceptanceMethod))
    recorded_by = ForeignKeyField(User, null=True, backref="+")


class AgreementChangeRequest(BaseModel):
    agreement = ForeignKeyField(Agreement, backref="change_requests", on_delete="CASCADE")
    party = ForeignKeyField(CaseParty, backref="+")
    version = IntegerField()
    comment = TextField()
    created_at = DateTimeField(default=utcnow)


# --- things that belong to one party -------------------------------------------------------

class PartyItem:
    """Something that belongs to one party on a case (an action point, a goal)."""

    def facts(self):
        return policy.PartyItemFacts(case_id=self.case_id, party_id=self.party_id)


class ActionPoint(PartyItem, BaseModel):
    case = ForeignKeyField(Case, backref="action_points", on_delete="CASCADE")
    party = ForeignKeyField(CaseParty, backref="action_points", on_delete="CASCADE")
    text = TextField()
    due_on = DateField(null=True)
    detail = TextField(default="")
    done_at = DateTimeField(null=True)
    party_comment = TextField(default="")
    # When the party last wrote or changed their comment (the coach's "not yet seen").
    party_comment_at = DateTimeField(null=True)
    created_by = ForeignKeyField(User, null=True, backref="+")
    agreement_term = ForeignKeyField(AgreementTerm, null=True, backref="action_points")
    created_at = DateTimeField(default=utcnow)

    class Meta:
        # The overdue ones, not done and past due, with what decides whether they are on the
        # coordinator's work queue (the case, a term of an agreement): read from the index alone.
        # And a coach's overdue ones, on their own cases (m0018: their home page).
        indexes = ((("done_at", "due_on", "case", "agreement_term"), False),
                   (("case", "done_at", "due_on"), False))


# The work queue's overdue action points, longest overdue first: the ones not done, in the
# list's order, so that a page (and a capped count) walks them in order and stops, rather than
# sorting every overdue one (tens of thousands at 100,000 cases; migration 16).
ActionPoint.add_index(ActionPoint.index(ActionPoint.due_on, ActionPoint.id, where=ActionPoint.done_at.is_null(),
                                        name="action_point_not_done_due_on_id"))


class Goal(PartyItem, BaseModel):
    case = ForeignKeyField(Case, backref="goals", on_delete="CASCADE")
    party = ForeignKeyField(CaseParty, backref="goals", on_delete="CASCADE")
    kind = CharField(max_length=20, default=GoalKind.GOAL, choices=codes(GoalKind))
    text = TextField()
    created_by = ForeignKeyField(User, null=True, backref="+")
    created_at = DateTimeField(default=utcnow)


# --- feedback, coaching outcomes and equality monitoring ------------------------------------

class FeedbackRequest(BaseModel):
    """A party's feedback on a closed case: the invitation (a single-use link that needs no
    sign-in; only its hash is kept, as an account token's) and, once given, the answers. One per
    party record, ever. `comment` is the party's own words: staff on the case read it, nobody
    else, and no report or email carries it."""
    case = ForeignKeyField(Case, backref="+", on_delete="CASCADE")
    party = ForeignKeyField(CaseParty, unique=True, backref="+", on_delete="CASCADE")
    token_hash = CharField(max_length=64, unique=True)
    created_at = DateTimeField(default=utcnow, index=True)
    expires_at = DateTimeField()
    answered_at = DateTimeField(null=True, index=True)
    satisfaction = CharField(max_length=30, null=True, choices=codes(Satisfaction))
    helped = CharField(max_length=30, null=True, choices=codes(FeedbackHelped))
    situation = CharField(max_length=30, null=True, choices=codes(FeedbackSituation))
    comment = TextField(default="")


class CoachingOutcome(BaseModel):
    """A coaching case's outcome (the party's goals met fully, partly or not), recorded by a coach
    on the case or a coordinator; one per case, changed in place (the timeline keeps each)."""
    case = ForeignKeyField(Case, unique=True, backref="+", on_delete="CASCADE")
    goals_met = CharField(max_length=20, choices=codes(GoalsMet))
    recorded_by = ForeignKeyField(User, null=True, backref="+")
    recorded_at = DateTimeField(default=utcnow)


class EqualityAnswers(BaseModel):
    """A party record's equality monitoring answers: voluntary, every question optional (NULL:
    not answered) and with "prefer not to say". Coordinators alone read them per person;
    reports count them."""
    party = ForeignKeyField(CaseParty, unique=True, backref="+", on_delete="CASCADE")
    age_band = CharField(max_length=30, null=True, choices=codes(AgeBand))
    gender = CharField(max_length=30, null=True, choices=codes(Gender))
    ethnicity = CharField(max_length=30, null=True, choices=codes(Ethnicity))
    disability = CharField(max_length=30, null=True, choices=codes(Disability))
    first_language = CharField(max_length=30, null=True, choices=codes(FirstLanguage))
    source = CharField(max_length=30, choices=codes(EqualitySource))
    recorded_by = ForeignKeyField(User, null=True, backref="+")
    recorded_at = DateTimeField(default=utcnow)


# --- data rights ----------------------------------------------------------------------------

class ErasureRequest(BaseModel):
    """A person's request that their data be erased, recorded by a coordinator against their
    party record, and carried out early (the case anonymised, portal/retention.py) where the
    service decides to. No free text: what they said stays out of a table that outlives it."""
    party = ForeignKeyField(CaseParty, backref="erasure_requests", on_delete="CASCADE")
    received_on = DateField()
    method = CharField(max_length=20, choices=codes(ConsentMethod))
    state = CharField(max_length=20, default=ErasureState.RECORDED, choices=codes(ErasureState))
    recorded_by = ForeignKeyField(User, backref="+")
    created_at = DateTimeField(default=utcnow)
    carried_out_by = ForeignKeyField(User, null=True, backref="+")
    carried_out_at = DateTimeField(null=True)


# --- audit ----------------------------------------------------------------------------------

class AuditEvent(BaseModel):
    """Append-only record of security-relevant events. Never note contents.

    `actor_id` and `record_id` are plain integers, not foreign keys, so that the trail outlives
    anything it mentions. `row_hash` chains each row to the one before it.
    """
    created_at = DateTimeField(default=utcnow)
    actor_id = IntegerField(null=True)
    event = CharField(max_length=60)
    record_type = CharField(max_length=40, default="")
    record_id = IntegerField(null=True)
    case_id = IntegerField(null=True)
    remote_addr = CharField(max_length=64, default="")
    detail = TextField(default="")
    prev_hash = CharField(max_length=64)
    row_hash = CharField(max_length=64)

    class Meta:
        # The trail is read newest first (the primary key), filtered by person, case or event.
        indexes = (
            (("actor_id", "id"), False),
            (("case_id", "id"), False),
            (("event", "id"), False),
        )


# --- the outbox -------------------------------------------------------------------------------

class OutboxMessage(BaseModel):
    """An email to send, written in the transaction of the change that causes it (portal/outbox.py):
    a change that rolls back leaves no message, a committed one always has its row, which the
    queue delivers (at least once), retries and, after the delivery window, marks failed.

    Bodies never carry confidential content (they say something is waiting and link to it), and
    `last_error` holds an error's type only, never what the server said about whom."""
    kind = CharField(max_length=30, choices=codes(MessageKind))
    recipient = CharField(max_length=254)
    subject = CharField(max_length=200)
    body = TextField()
    # Where answers go (NULL: the service's own, MAIL_REPLY_TO), and any attachments (a calendar
    # file for a session), as JSON with base64 content (portal/outbox.py).
    reply_to = CharField(max_length=254, null=True)
    attachments = TextField(null=True)
    # What the message is about (`about_kind` a table name, `about_id` its row), so a page can
    # ask whether the email about a thing has gone: the safeguarding leads' one, for example.
    about_kind = CharField(max_length=40, null=True)
    about_id = IntegerField(null=True)
    # One message per key, ever: a reminder's (kind, thing, recipient, due date), so a second
    # run of the periodic jobs or a restarted worker cannot send it twice. NULL for the rest.
    dedupe_key = CharField(max_length=200, null=True, unique=True)
    state = CharField(max_length=20, default=MessageState.WAITING, choices=codes(MessageState))
    attempts = IntegerField(default=0)
    next_attempt_at = DateTimeField(default=utcnow)
    # A delivery's lease: while it is in the future one worker is sending the message and no
    # other may; a worker that dies leaves it to run out.
    claimed_until = DateTimeField(null=True)
    last_error = CharField(max_length=100, null=True)
    created_at = DateTimeField(default=utcnow)
    # When delivery began (creation, or "Send again"): the delivery window runs from here.
    queued_at = DateTimeField(default=utcnow)
    sent_at = DateTimeField(null=True)

    class Meta:
        indexes = (
            # The sweep: waiting messages whose time has come; the Messages page by state.
            (("state", "next_attempt_at"), False),
            (("about_kind", "about_id"), False),
        )
# --- what people are told -------------------------------------------------------------------

class Notification(BaseModel):
    """A message to one person: something is waiting or has changed, and where (`link`, a path
    in the portal). Never any content. `key` (kind, thing, recipient, due date) is unique, so
    a reminder written twice is refused the second time: every reminder goes out once.
    `party` and `case` say whom it was for and on what, for the coordinators' list of parties
    who must be phoned instead (`delivery` MUST_NOT_EMAIL)."""
    recipient = ForeignKeyField(User, backref="+", on_delete="CASCADE")
    recipient_id: int  # peewee's accessor for the column, declared for type checkers
    kind = CharField(max_length=40, choices=codes(NotificationKind))
    link = CharField(max_length=500)
    key = CharField(max_length=200, unique=True)
    delivery = CharField(max_length=20, choices=codes(Delivery))
    case = ForeignKeyField(Case, null=True, backref="+", on_delete="CASCADE")
    party = ForeignKeyField(CaseParty, null=True, backref="+", on_delete="CASCADE")
    created_at = DateTimeField(default=utcnow)
    read_at = DateTimeField(null=True)

    class Meta:
        # A person's notifications, newest first, and their unread count.
        indexes = ((("recipient", "created_at", "id"), False),
                   (("recipient", "read_at"), False))


class ListEntry(BaseModel):
    """An entry of one of the lists the service edits itself (`ServiceList`; `portal/service_lists.py`).
    Records store its `code`, made once from the first label and never changed, so a rename
    shows on every record at once; retiring it (`retired_at`) keeps it on old records and takes
    it off the forms for new ones. `position` orders a list (gaps allowed)."""
    list = CharField(max_length=30, choices=codes(ServiceList))
    code = CharField(max_length=100)
    label = CharField(max_length=100)
    position = IntegerField()
    retired_at = DateTimeField(null=True)

    class Meta:
        table_name = "list_entry"
        indexes = ((("list", "code"), True),
                   (("list", "position"), False))


class SchemaMigration(BaseModel):
    """Which migrations this database has had."""
    number = IntegerField(unique=True)
    name = CharField(max_length=100)
    applied_at = DateTimeField(default=utcnow)


MODELS = [
    User, AccountToken, SignInSession, RecoveryCode, Referral, SubmissionAttempt, ReferralPerson, Case, CaseParty,
    SearchTerm, CaseEvent,
    ConsentEvent, CoachAllocation, CaseSeen,
    CaseSession, SessionCoach, SessionAttendee, SessionRequest, StoredFile, Note, NoteRevision, NoteShare, NoteFile,
    NoteOverrideRead, AgreementTerm, ActionPoint, Goal, SafeguardingConcern, ConcernEvent,
    Agreement, AgreementIssue, AgreementAcceptance, AgreementChangeRequest, AuditEvent, OutboxMessage,
    Notification, ListEntry, FeedbackRequest, CoachingOutcome, EqualityAnswers, ErasureRequest,
    SchemaMigration,
]
