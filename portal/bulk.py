"""Bulk data: many believable cases added to the database, to measure Accord at the size of a
busy service (`flask --app wsgi demo bulk --cases N`). Everything here is invented.

Each case goes through what the service's own pages would have done to it, and keeps the same
rules: it comes from a referral (or, for post-mediation coaching, from a closed mediation);
coaches are allocated, the parties give, decline or withdraw consent; sessions are booked only
with parties who consented, only of the kinds the case allows, never two at once for one coach
or party, and past ones have an outcome; only allocated coaches write notes; a share of one
party's words with another party starts `waiting` and only some become `given` (the others are
still waiting, refused or withdrawn); agreements are proposed only with every party's consent
and become final only when every party accepted, their terms then becoming action points; a
safeguarding concern is acknowledged and closed by a safeguarding lead. Every step leaves the
timeline entry and the audit row the service writes for it, in the same words.

When the demo is loaded its coach (coach@example.org) gets about 50 of the cases and its two
parties two or three each, so that their pages show what a busy service looks like; its other
people are left as the demo describes them. Bulk accounts sign in with the demo's password.

How it writes. Rows are made in Python, a chunk of cases at a time, each with an id chosen here
so that rows made later can point at it (a note's shares name the note), and written table by
table in one statement each (COPY on PostgreSQL), in one transaction per chunk. That
transaction first takes what every other writer would wait for: the audit chain's lock and, on
PostgreSQL, an EXCLUSIVE lock on each table it writes (others may still read), or SQLite's one
write lock. So the ids read at its start stay free, the audit rows chain onto the trail's last
row, and PostgreSQL's id sequences are moved past the new rows before it commits. A writer
elsewhere waits for the chunk (a second or two); a run stopped half way keeps the chunks it
finished.

The same --seed makes the same cases (on the same database and day).
"""

import csv
import io
import math
import random
from bisect import bisect
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from itertools import accumulate
from operator import itemgetter
from zoneinfo import ZoneInfo

from flask import current_app
from peewee import fn

from portal import audit, labels, passwords, policy, search_terms, service_lists, times
from portal.agreements import wording
from portal.db import database, is_sqlite
from portal.demo import DEMO_PASSWORD
from portal.models import (
    ActionPoint,
    Agreement,
    AgreementAcceptance,
    AgreementChangeRequest,
    AgreementIssue,
    AgreementTerm,
    AuditEvent,
    Case,
    CaseEvent,
    CaseParty,
    CaseSession,
    CoachAllocation,
    ConcernEvent,
    ConsentEvent,
    Goal,
    Note,
    NoteOverrideRead,
    NoteRevision,
    NoteShare,
    Referral,
    ReferralPerson,
    SafeguardingConcern,
    SearchTerm,
    SessionAttendee,
    SessionCoach,
    User,
    utcnow,
)
from portal.queries.sessions import ALLOWANCE_KINDS
from portal.vocab import (
    AcceptanceMethod,
    AgencyType,
    AgreementState,
    Audience,
    CancelledBy,
    CaseEventKind,
    CaseKind,
    CaseOutcome,
    CaseStatus,
    ConcernCategory,
    ConcernEventKind,
    ConcernLevel,
    ConcernOutcome,
    ConcernState,
    ConsentMethod,
    ConsentState,
    DisputeType,
    Funding,
    GoalKind,
    ReferralSource,
    ReferralStatus,
    Role,
    ServiceList,
    SessionKind,
    SessionMode,
    SessionStatus,
    ShareConsentMethod,
    ShareState,
    UnsafeRoute,
    Urgency,
)

CHUNK_CASES = 250  # cases per transaction: about 20,000 rows
CASES_PER_COACH = 50
CASES_PER_COORDINATOR = 2500
DEMO_COACH_CASES = 50
HISTORY_DAYS = 730  # how far back the oldest case was opened

# Where a case has got to. Not stored: the case's rows say it (status, consent, sessions).
WAITING, BOOKED, UNDER_WAY, CLOSED = "waiting for consent", "booked", "under way", "closed"
STAGES = {WAITING: 7, BOOKED: 7, UNDER_WAY: 14, CLOSED: 72}
# How many days before today a case at each stage was opened.
STAGE_AGE = {WAITING: (1, 30), BOOKED: (5, 60), UNDER_WAY: (20, 240), CLOSED: (30, HISTORY_DAYS)}
OUTCOMES = {CaseOutcome.RESOLVED: 40, CaseOutcome.PARTLY_RESOLVED: 20, CaseOutcome.NOT_RESOLVED: 15,
            CaseOutcome.WITHDRAWN: 13, CaseOutcome.NOT_SUITABLE: 12}
# Where a mediation's agreement stands: none yet, a draft, proposed, proposed again after a
# change (the first version superseded), final, or final at the second version.
# A final agreement on an open case waits for its review.
AGREEMENTS_UNDER_WAY = {"draft": 25, "proposed": 25, "proposed again": 12, "final": 18, None: 20}
AGREEMENTS_RESOLVED = {"final": 60, "final again": 40}
AUDIENCES = {Audience.PRIVATE: 12, Audience.CASE_TEAM: 20, Audience.STAFF: 33, Audience.PARTIES: 35}
# What became of a request to share one party's words with another party.
SHARE_ANSWERS = {ShareState.WAITING: 30, ShareState.GIVEN: 45, ShareState.REFUSED: 15,
                 ShareState.WITHDRAWN: 10}
MODES = {SessionMode.FACE_TO_FACE: 45, SessionMode.ONLINE: 25, SessionMode.TELEPHONE: 12,
         SessionMode.COMMUNITY_VENUE: 12, SessionMode.HOME_VISIT: 6}
HELD = {SessionStatus.HELD: 82, SessionStatus.DID_NOT_ATTEND: 8, SessionStatus.CANCELLED: 10}
CONCERN_SHARE = 0.03  # cases with a safeguarding concern
CONCERN_STATES = {ConcernState.OPEN: 25, ConcernState.ACKNOWLEDGED: 35, ConcernState.CLOSED: 40}
# Sessions start on these hours (service time) and last at most two hours, so two sessions in
# different slots never overlap: a person is free at a time when their slot is free.
SLOT_HOURS = (9, 11, 13, 15, 17)

FIRST_NAMES = (
    "Aaliyah", "Aaron", "Abdul", "Ada", "Adam", "Aisha", "Alan", "Alice", "Amara", "Amir", "Amy",
    "Andrew", "Angela", "Anna", "Arjun", "Ayesha", "Barbara", "Ben", "Bilal", "Bogdan", "Callum",
    "Carol", "Catherine", "Chen", "Chloe", "Chris", "Claire", "Connor", "Daniel", "David",
    "Deborah", "Dylan", "Eleanor", "Elif", "Ella", "Emeka", "Emily", "Emma", "Ewa", "Faisal",
    "Fatima", "Fiona", "Gareth", "Grace", "Hamza", "Hannah", "Harry", "Helen", "Ian", "Imran",
    "Isla", "Jack", "Jacob", "Jade", "James", "Jane", "Jasmine", "Jessica", "Joanne", "John",
    "Joseph", "Julie", "Karen", "Kate", "Keith", "Kwame", "Laura", "Leah", "Liam", "Lily",
    "Lucy", "Luke", "Maria", "Mark", "Marta", "Matthew", "Megan", "Mei", "Michael", "Mohammed",
    "Molly", "Nadia", "Naomi", "Nathan", "Niamh", "Nicola", "Noah", "Oliver", "Olivia", "Omar",
    "Oscar", "Paul", "Peter", "Piotr", "Rachel", "Rebecca", "Rhys", "Richard", "Rosa", "Ruth",
    "Ryan", "Sadia", "Samuel", "Sarah", "Sean", "Shona", "Simon", "Sophie", "Stephen", "Susan",
    "Tariq", "Thomas", "Tomasz", "Victoria", "Wei", "William", "Yusuf", "Zainab", "Zoe",
)
LAST_NAMES = (
    "Adams", "Ahmed", "Ali", "Allen", "Anderson", "Armstrong", "Bailey", "Baker", "Banks",
    "Begum", "Bell", "Bennett", "Brown", "Campbell", "Carter", "Chan", "Chapman", "Clarke",
    "Cole", "Collins", "Cook", "Cooper", "Davies", "Dixon", "Doherty", "Edwards", "Ellis",
    "Evans", "Fisher", "Fletcher", "Foster", "Gill", "Graham", "Gray", "Green", "Hall",
    "Harris", "Hayes", "Hill", "Hughes", "Hussain", "Jackson", "James", "Jenkins", "Johnson",
    "Jones", "Kaur", "Kelly", "Khan", "King", "Kowalski", "Lee", "Lewis", "Lloyd", "Malik",
    "Marshall", "Martin", "Mason", "Mensah", "Mills", "Mitchell", "Moore", "Morgan", "Morris",
    "Murphy", "Murray", "Nowak", "Obi", "O'Brien", "Okafor", "Owen", "Palmer", "Parker",
    "Patel", "Pearson", "Phillips", "Powell", "Price", "Rahman", "Reid", "Richards", "Roberts",
    "Robinson", "Rogers", "Rose", "Ross", "Russell", "Scott", "Shaw", "Simpson", "Singh",
    "Smith", "Stewart", "Taylor", "Thomas", "Thompson", "Turner", "Walker", "Walsh", "Ward",
    "Watson", "White", "Williams", "Wilson", "Wong", "Wood", "Wright", "Young",
)
STREETS = ("Albert Road", "Ash Grove", "Beech Close", "Bridge Street", "Castle View",
           "Church Lane", "Elm Road", "Forge Way", "Granby Street", "High Street", "Hollow Lane",
           "Kings Avenue", "Larch Drive", "Mill Lane", "Orchard Way", "Park Road", "Queens Walk",
           "Riverside", "Station Road", "Victoria Terrace", "Willow Court")
VENUES = ("Elm Road Community Centre", "St Anne's Church Hall", "Riverside Library meeting room",
          "Northside Family Hub")
AGENCIES = {AgencyType.HOUSING: "Elm Housing Trust", AgencyType.EMPLOYER: "Northgate Council HR",
            AgencyType.POLICE: "Neighbourhood Policing Team", AgencyType.HEALTH: "Riverside GP Practice",
            AgencyType.SOCIAL_CARE: "Adult Social Care", AgencyType.SCHOOL: "Park Road Primary School",
            AgencyType.COUNCIL: "Environmental Health", AgencyType.OTHER: "Citizens Advice"}

# What a dispute is about, by type: the words referrals, notes and agreements use.
TOPICS = {
    DisputeType.NEIGHBOUR: ("music and noise late at night", "parking in front of the houses",
                            "the hedge on the shared boundary", "the bins and the shared path",
                            "a dog barking while its owner is at work", "building work next door"),
    DisputeType.WORKPLACE: ("the rota and who covers weekends", "credit for shared work",
                            "the tone of emails between them", "how the workload is shared"),
    DisputeType.FAMILY: ("arrangements for the children at weekends", "caring for their mother",
                         "money lent and not paid back", "what happens to the family home"),
    DisputeType.OTHER: ("how the allotment society is run", "a joint business that has ended",
                        "the running of the residents' association"),
}
DISPUTES = {DisputeType.NEIGHBOUR: 45, DisputeType.WORKPLACE: 20, DisputeType.FAMILY: 25, DisputeType.OTHER: 10}
URGENCIES = {Urgency.ROUTINE: 70, Urgency.SOON: 22, Urgency.URGENT: 8}
# The way of contacting a party that is not safe for them ("": any way is).
UNSAFE_ROUTES = {"": 80, UnsafeRoute.PHONE: 8, UnsafeRoute.EMAIL: 6, UnsafeRoute.POST: 6}

# Note texts by audience; {a} and {b} are the parties' first names, {topic} what it is about.
NOTE_TEXTS = {
    Audience.PRIVATE: (
        "My own reminder: ask {a} about {topic} before the next session.",
        "Check my notes from the first call before speaking to {a} again.",
        "I felt {a} was holding something back today. Give it time.",
        "Remember to bring the printed ground rules next time.",
    ),
    Audience.CASE_TEAM: (
        "For my co-mediator: {a} gets anxious in large rooms; sit near the door.",
        "{a} prefers calls after 4pm. {b} would rather be emailed.",
        "Let's agree before the joint session who opens and who keeps time.",
        "{a} may bring a supporter; I said that is fine if they do not speak for {a}.",
    ),
    Audience.STAFF: (
        "Phoned {a}: willing to take part, worried about {topic}.",
        "{a} and {b} both confirmed they can attend the joint session.",
        "Spoke to the referrer; nothing new about {topic}.",
        "{a} asked whether the service can write to the landlord. Explained that we do not.",
        "Session went well. Both listened; {topic} is still the sticking point.",
        "Left a voicemail for {a}; will try again on Thursday.",
    ),
    Audience.PARTIES: (
        "Summary of your meeting: you would like {topic} settled in writing.",
        "{a} said they are willing to talk about {topic} if the other changes come first.",
        "Thank you for coming today. Next steps are listed as your action points.",
        "{a} would like to start by agreeing how to contact each other about {topic}.",
        "Here is what we agreed to talk about next time: {topic}.",
    ),
}
GOAL_TEXTS = ("Feel able to talk to {b} without it becoming an argument", "Sleep through the night on weekdays",
              "Have {topic} sorted out in writing", "Get back to how things were before",
              "Understand what {b} actually wants")
ACTION_TEXTS = ("Note the dates and times when {topic} is a problem", "Think about what a fair outcome would be",
                "Write down three things you could offer", "Check your diary for a joint session in the next month",
                "Read the ground rules before the joint session", "Call the office if anything changes")
CLOSING_NOTES = {
    CaseOutcome.RESOLVED: "Both parties kept to the agreement over the review period.",
    CaseOutcome.PARTLY_RESOLVED: "Most of it is settled; {topic} is still unresolved.",
    CaseOutcome.NOT_RESOLVED: "No agreement could be reached after the joint session.",
    CaseOutcome.WITHDRAWN: "{a} withdrew from the mediation.",
    CaseOutcome.NOT_SUITABLE: "Not suitable for mediation at this time.",
}
CONCERN_TEXTS = ("{a} said they sometimes feel unsafe at home.", "{a} talked about not wanting to go on.",
                 "{a} mentioned a child being left alone in the evenings.",
                 "Threats were written on {a}'s door last week.")


class Mix:
    """Draws from `weights`, but gives each value once, in order, before chance takes over: a
    small run still has every stage, outcome, audience and state (`fair=False`: chance only)."""

    def __init__(self, rng, weights, fair=True):
        self.rng, self.values, self.unseen = rng, list(weights), list(weights) if fair else []
        self.cumulative = list(accumulate(weights.values()))

    def draw(self):
        if self.unseen:
            return self.unseen.pop(0)
        # rng.choices, without adding up the weights again on every call.
        return self.values[bisect(self.cumulative, self.rng.random() * self.cumulative[-1])]


# --- who is who -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Person:
    id: int
    name: str


@dataclass
class PartyPlan:
    """A party as this run knows it, while making their case."""
    id: int
    name: str
    user_id: int | None
    signs_in: bool  # has an account with a password, so answers in the portal
    email: str | None = None
    phone: str | None = None
    address: str | None = None
    consent: str = ConsentState.PENDING
    consented_at: datetime | None = None
    withdrew_at: datetime | None = None

    @property
    def first(self):
        return self.name.split()[0]

    @property
    def took_part(self):
        """Gave consent (and may have withdrawn it since): sessions and shares were possible."""
        return self.consent in (ConsentState.GIVEN, ConsentState.WITHDRAWN)


@dataclass
class CasePlan:
    """One case before its rows are made: what it is, how far it got and who works on it."""
    kind: str
    stage: str
    opened_at: datetime
    outcome: str | None = None
    closed_at: datetime | None = None
    agreement: str | None = None
    concern: str | None = None
    demo_parties: tuple = ()
    demo_coach: bool = False
    # Made while writing:
    id: int = 0
    reference: str = ""
    dispute: str = DisputeType.OTHER
    topic: str = ""
    funding: str | None = None
    scheme: str | None = None
    allowance: int = 0
    reopened: bool = False
    until: datetime | None = None  # things happen on the case until then: a day before closing, or now
    parent: "CasePlan | None" = None
    coaches: list = field(default_factory=list)  # Person, currently allocated
    allocated_at: datetime | None = None
    ended_coach: tuple | None = None  # (Person, allocated at, taken off at)
    parties: list = field(default_factory=list)  # PartyPlan
    sessions: list = field(default_factory=list)  # (id, starts at, status, [party ids])
    notes: list = field(default_factory=list)  # (id, audience, written at)


class Bulk:
    """The run: its random numbers, the people it uses, and the rows of the current chunk."""

    def __init__(self, seed, now=None):
        self.rng = random.Random(seed)
        self.now = (now or utcnow()).replace(microsecond=0)
        config = current_app.config
        self.zone = ZoneInfo(config["TIMEZONE"])
        # The service's lists' active entries: a session's office by its name, a case's scheme
        # and office by their codes, with the scheme's name for the timeline.
        offices = service_lists.entries(ServiceList.OFFICE, include_retired=False)
        self.offices = [entry.label for entry in offices] or list(config["OFFICES"])
        self.office_codes = [entry.code for entry in offices]
        schemes = service_lists.entries(ServiceList.FUNDING_SCHEME, include_retired=False)
        self.schemes = [entry.code for entry in schemes]
        self.scheme_words = {entry.code: entry.label for entry in schemes}
        self.allowance = config["DEFAULT_SESSION_ALLOWANCE"]
        self.templates = [t for t in wording.templates() if t.terms]
        self.password_hash = passwords.hash_password(DEMO_PASSWORD)
        self.batch = None
        self.coordinators, self.leads, self.coaches, self.former_coaches = [], [], [], []
        self.demo_coach = None
        self.demo_parties = {}  # user id: the demo party's User
        self.busy = {}  # person key: slots taken (day ordinal * 24 + hour)
        self.numbers = {}  # reference prefix: next number
        self.recent_mediations = deque(maxlen=200)  # closed, for post-mediation coaching
        self.seen = set()
        self.mixes = {name: Mix(self.rng, weights) for name, weights in (
            ("stage", STAGES), ("outcome", OUTCOMES), ("audience", AUDIENCES),
            ("answer", SHARE_ANSWERS), ("mode", MODES), ("held", HELD), ("concern", CONCERN_STATES),
            ("under way", AGREEMENTS_UNDER_WAY), ("resolved", AGREEMENTS_RESOLVED),
            ("kind", {CaseKind.MEDIATION: 65, CaseKind.COACHING: 35}),
        )}
        self.mixes.update({name: Mix(self.rng, weights, fair=False) for name, weights in (
            ("dispute", DISPUTES), ("urgency", URGENCIES), ("unsafe route", UNSAFE_ROUTES))})

    def draw(self, mix):
        return self.mixes[mix].draw()

    def now_and_then(self, what, share):
        """True the first time `what` is asked about, then by chance (`share` of the time): a
        small run still has one of each rare thing."""
        if what not in self.seen:
            self.seen.add(what)
            return True
        return self.rng.random() < share

    # --- small helpers -----------------------------------------------------------------------

    def between(self, start, end):
        """A moment between two, to the second."""
        seconds = max(0, int((end - start).total_seconds()))
        return start + timedelta(seconds=self.rng.randint(0, seconds))

    def name(self):
        return f"{self.rng.choice(FIRST_NAMES)} {self.rng.choice(LAST_NAMES)}"

    def email(self, name, user_id, domain):
        # The id keeps it unique however many runs there are.
        return f"{name.lower().replace(' ', '.').replace(chr(39), '')}{user_id}@{domain}"

    def phone(self):
        return f"07700 9{self.rng.randint(0, 99999):05d}"

    def address(self):
        return f"{self.rng.randint(1, 140)} {self.rng.choice(STREETS)}"

    def text(self, options, case, a=None, b=None):
        parties = case.parties
        a = a or (parties[0] if parties else None)
        b = b or (parties[-1] if parties else None)
        return self.rng.choice(options).format(a=a.first if a else "the party", b=b.first if b else "the other party",
                                               topic=case.topic)

    def local(self, day, hour):
        """A day and hour in the service's time zone, as stored (naive UTC)."""
        return datetime.combine(day, time(hour), tzinfo=self.zone).astimezone(UTC).replace(tzinfo=None)

    def local_day(self, moment):
        return moment.replace(tzinfo=UTC).astimezone(self.zone).date()

    def date_time(self, moment):
        """As `times.date_time` shows it (without asking the app for the zone every time)."""
        return moment.replace(tzinfo=UTC).astimezone(self.zone).strftime(times.FORMATS["date_time"])

    def next_reference(self, model, year):
        prefix = f"{'AC' if model is Case else 'RF'}-{year}-"
        if prefix not in self.numbers:
            self.numbers[prefix] = int(model.next_reference(year).removeprefix(prefix))
        number = self.numbers[prefix]
        self.numbers[prefix] += 1
        return f"{prefix}{number:04d}"

    # --- rows --------------------------------------------------------------------------------

    def add(self, model, **values):
        return self.batch.add(model, **values)

    def event(self, case, kind, summary, actor, at):
        """A timeline entry, in the words the service's own change writes."""
        self.add(CaseEvent, case=case.id, kind=kind, summary=summary, actor=actor, created_at=at)

    def audit(self, event, at, *, actor=None, record_type="", record_id=None, case=None, detail=""):
        """An audit row, as `audit.record` would write it (chained when the chunk is written)."""
        self.batch.audit_rows.append({
            "created_at": at.replace(microsecond=0), "actor_id": actor, "event": event,
            "record_type": record_type, "record_id": record_id,
            "case_id": case.id if case is not None else None, "remote_addr": "", "detail": detail,
        })


# --- writing a chunk --------------------------------------------------------------------------

# Parents before children: the order the tables are written in.
TABLES = (User, Referral, ReferralPerson, Case, CaseParty, SearchTerm, ConsentEvent, CoachAllocation, CaseSession,
          SessionCoach, SessionAttendee, Note, NoteRevision, NoteShare, NoteOverrideRead,
          SafeguardingConcern, ConcernEvent, Agreement, AgreementIssue, AgreementTerm,
          AgreementAcceptance, AgreementChangeRequest, ActionPoint, Goal, CaseEvent, AuditEvent)


class Table:
    """How the rows of one model are kept: every column filled in when the row is added (the
    field's default where it is left out), so that a row becomes a tuple in one C call."""

    def __init__(self, model):
        fields = model._meta.sorted_fields
        self.model, self.rows = model, []
        self.defaults = {f.name: f.default for f in fields if not callable(f.default)}
        self.made_defaults = [(f.name, f.default) for f in fields if callable(f.default)]
        self.as_tuple = itemgetter(*(f.name for f in fields))
        self.name = f'"{model._meta.table_name}"'
        self.columns = ", ".join(f'"{f.column_name}"' for f in fields)
        self.not_null = ", ".join(f'"{f.column_name}"' for f in fields if not f.null)

    def add(self, values):
        row = {**self.defaults, **values}
        for name, default in self.made_defaults:
            if name not in row:
                row[name] = default()
        self.rows.append(row)

    def write(self):
        """Every row, in one statement (the driver's own, not peewee's: `insert_many` builds a
        node for every value and spent three quarters of a run turning them into SQL text).
        Values go to the driver as peewee would pass them: numbers, strings (vocabulary
        members are strings), dates and times, None."""
        tuples = [self.as_tuple(row) for row in self.rows]
        cursor = database.cursor()
        if is_sqlite():
            placeholders = ", ".join("?" * len(tuples[0]))
            cursor.executemany(f"INSERT INTO {self.name} ({self.columns}) VALUES ({placeholders})", tuples)
            return
        # PostgreSQL's COPY loads rows several times faster than INSERT. In its CSV form an
        # empty field is NULL, and '' in a column that may not be NULL: the rows never hold ''
        # where NULL is allowed, nor None where it is not.
        text = io.StringIO()
        csv.writer(text).writerows(tuples)
        text.seek(0)
        cursor.copy_expert(f"COPY {self.name} ({self.columns}) FROM STDIN "
                           f"WITH (FORMAT csv, FORCE_NOT_NULL ({self.not_null}))", text)


class Batch:
    """The rows of one chunk, table by table, each with the id it will be stored with."""

    def __init__(self):
        self.tables = {model: Table(model) for model in TABLES}
        self.audit_rows = []
        self.next_id = {}

    def open(self):
        """Where each table's ids end now (read once the chunk's locks are held)."""
        for model in TABLES:
            self.next_id[model] = (model.select(fn.MAX(model.id)).scalar() or 0) + 1

    def add(self, model, **values):
        row_id = values["id"] = self.next_id[model]
        self.next_id[model] += 1
        self.tables[model].add(values)
        return row_id

    def last(self, model):
        """The row added last to this table, to change before it is written."""
        return self.tables[model].rows[-1]

    def write(self):
        """Insert every row: the audit rows last, in time order, each chained to the one before."""
        self.audit_rows.sort(key=lambda row: row["created_at"])
        previous = audit.last_row_hash()
        for row in self.audit_rows:
            row["prev_hash"], row["row_hash"] = previous, audit.row_digest(previous, row)
            previous = row["row_hash"]
            self.add(AuditEvent, **row)
        later_cases = self._last_activity()
        written = [table for table in self.tables.values() if table.rows]
        for table in written:
            table.write()
        for case_id, at in later_cases.items():
            (Case.update(last_activity_at=at)
             .where(Case.id == case_id, Case.last_activity_at.is_null() | (Case.last_activity_at < at)).execute())
        # Each case's stored stage, as `CaseEvent.save` keeps it: worked out once the chunk's
        # rows are in, for its new cases and the earlier ones it added to.
        touched = [row["id"] for row in self.tables[Case].rows] + list(later_cases)
        if touched:
            Case.refresh_stages(Case.id.in_(touched))
        if not is_sqlite():
            for table in written:
                database.execute_sql(
                    f"SELECT setval(pg_get_serial_sequence('\"{table.model._meta.table_name}\"', 'id'), %s)",
                    (self.next_id[table.model] - 1,))

    def count(self):
        return sum(len(table.rows) for table in self.tables.values())

    def _last_activity(self):
        """Each new case's last activity (its latest timeline entry, or its opening), as
        `CaseEvent.save` keeps it; the latest entries on cases of earlier chunks, to move on."""
        latest = {}
        for row in self.tables[CaseEvent].rows:
            if row["case"] not in latest or latest[row["case"]] < row["created_at"]:
                latest[row["case"]] = row["created_at"]
        for row in self.tables[Case].rows:
            row["last_activity_at"] = max(latest.pop(row["id"], row["created_at"]), row["created_at"])
        return latest


def _write_chunk(bulk, make):
    """Run `make()` (which adds rows to `bulk.batch`) and write its rows, in one transaction
    that holds the locks described at the top. Returns how many rows it wrote."""
    with audit.chain_lock():
        if not is_sqlite():
            tables = ", ".join(f'"{model._meta.table_name}"' for model in TABLES)
            database.execute_sql(f"LOCK TABLE {tables} IN EXCLUSIVE MODE")
        bulk.batch = Batch()
        bulk.batch.open()
        make()
        bulk.batch.write()
        return bulk.batch.count()


# --- the run ------------------------------------------------------------------------------------

def add_cases(count, *, seed=1, progress=None, now=None):
    """Add `count` cases, with everything around them; `progress(n)` after each chunk of n.
    Returns how many rows were written."""
    bulk = Bulk(seed, now)
    plans = _plan(bulk, count)
    written = _write_chunk(bulk, lambda: _staff(bulk, count))
    for start in range(0, len(plans), CHUNK_CASES):
        chunk = plans[start:start + CHUNK_CASES]
        written += _write_chunk(bulk, lambda chunk=chunk: _intake(bulk, chunk))
        if progress:
            progress(sum(1 for item in chunk if isinstance(item, CasePlan)))
    audit.record("demo.bulk_loaded", detail=f"cases={count} seed={seed}")
    # The planner's statistics describe the tables as they were: after adding many times their
    # rows, PostgreSQL picked whole-table scans for the case page (1.3 s instead of 55 ms at
    # 100k cases) until autovacuum got round to them. Refresh them now, on both back ends.
    database.execute_sql("ANALYZE")
    return written + 1


def _plan(bulk, count):
    """Every case (and every referral that did not become one) in the order they came in."""
    rng = bulk.rng
    plans = []
    for _ in range(count):
        stage = bulk.draw("stage")
        youngest, oldest = STAGE_AGE[stage]
        plan = CasePlan(kind=bulk.draw("kind"), stage=stage,
                        opened_at=bulk.now - timedelta(days=rng.uniform(youngest, oldest)))
        if stage == CLOSED:
            plan.outcome = bulk.draw("outcome")
            latest = min(plan.opened_at + timedelta(days=240), bulk.now - timedelta(days=1))
            plan.closed_at = bulk.between(min(plan.opened_at + timedelta(days=14), latest), latest)
        plans.append(plan)
    _choose_demo_cases(bulk, plans)
    for plan in plans:
        mediation = plan.kind == CaseKind.MEDIATION
        if mediation and plan.stage == UNDER_WAY:
            plan.agreement = bulk.draw("under way")
        elif mediation and plan.outcome in (CaseOutcome.RESOLVED, CaseOutcome.PARTLY_RESOLVED):
            plan.agreement = bulk.draw("resolved")
        elif mediation and plan.outcome == CaseOutcome.NOT_RESOLVED and rng.random() < 0.4:
            plan.agreement = "proposed"
        if plan.stage == CLOSED:
            plan.concern = ConcernState.CLOSED if rng.random() < CONCERN_SHARE else None
        elif plan.stage != WAITING and (bulk.mixes["concern"].unseen or rng.random() < CONCERN_SHARE):
            plan.concern = bulk.draw("concern")
    # Referrals that were declined, and new ones waiting in the queue.
    declined = [("declined", bulk.now - timedelta(days=rng.uniform(1, HISTORY_DAYS))) for _ in range(count // 12)]
    waiting = [("new", bulk.now - timedelta(days=rng.uniform(0, 14))) for _ in range(min(300, max(2, count // 100)))]
    return sorted(plans + declined + waiting, key=_came_in)


def _came_in(item):
    return item.opened_at if isinstance(item, CasePlan) else item[1]


def _choose_demo_cases(bulk, plans):
    """About 50 cases for the demo coach, and two or three for each demo party: one mediation
    with both of them, and one or two more each, at different stages."""
    rng = bulk.rng
    coach = User.by_email("coach@example.org").first()
    if coach is not None:
        bulk.demo_coach = Person(coach.id, coach.name)
        for plan in rng.sample(plans, min(DEMO_COACH_CASES, max(1, len(plans) // 4))):
            plan.demo_coach = True
    people = {u.email: u for u in User.select().where(
        User.email.in_(["alex@example.org", "bea@example.org"]), User.role == Role.PARTY)}
    if len(people) < 2 or len(plans) < 5:
        return
    alex, bea = people["alex@example.org"], people["bea@example.org"]
    for user in (alex, bea):
        bulk.demo_parties[user.id] = user
    open_plans = [p for p in plans if p.stage != CLOSED]
    closed = [p for p in plans if p.stage == CLOSED]
    chosen = rng.sample(open_plans, min(3, len(open_plans))) + rng.sample(closed, min(2, len(closed)))
    together, *others = chosen
    together.kind, together.demo_parties = CaseKind.MEDIATION, (alex.id, bea.id)
    for plan, who in zip(others, (alex, bea, alex, bea), strict=False):
        plan.demo_parties = (who.id,)


# --- staff --------------------------------------------------------------------------------------

def _staff(bulk, count):
    """Coordinators (one in three a safeguarding lead) and a pool of coaches that grows with the
    cases (about one per 50); a few coaches have left and are deactivated."""
    existing_leads = User.select().where(User.role == Role.COORDINATOR, User.is_safeguarding_lead == True,  # noqa: E712
                                         User.active == True)  # noqa: E712
    bulk.leads = [Person(u.id, u.name) for u in existing_leads]
    any_admin = User.select().where(User.is_admin == True).exists()  # noqa: E712
    for number in range(max(2, math.ceil(count / CASES_PER_COORDINATOR))):
        lead = number % 3 == 0
        person = _account(bulk, Role.COORDINATOR, "example.org", lead=lead, admin=number == 0 and not any_admin)
        bulk.coordinators.append(person)
        if lead:
            bulk.leads.append(person)
    for number in range(max(2, math.ceil(count / CASES_PER_COACH))):
        active = number % 40 != 39
        person = _account(bulk, Role.COACH, "example.org", active=active)
        (bulk.coaches if active else bulk.former_coaches).append(person)
    coach_ids = [bulk.demo_coach.id] if bulk.demo_coach else []
    bulk.busy.update(_busy_slots(bulk, coach_ids=coach_ids, user_ids=list(bulk.demo_parties)))


def _account(bulk, role, domain, *, lead=False, admin=False, active=True):
    at = bulk.now - timedelta(days=HISTORY_DAYS + bulk.rng.uniform(5, 60))
    name = bulk.name()
    user_id = bulk.batch.next_id[User]
    bulk.add(User, name=name, email=bulk.email(name, user_id, domain), role=role, is_safeguarding_lead=lead,
             is_admin=admin, active=active, password_hash=bulk.password_hash,
             created_at=at, last_sign_in_at=bulk.between(at, bulk.now))
    bulk.audit("account.invited", at, record_type="User", record_id=user_id, detail=f"role={role}")
    bulk.audit("account.invitation_used", at + timedelta(hours=3), actor=user_id, record_type="User",
               record_id=user_id)
    return Person(user_id, name)


def _busy_slots(bulk, coach_ids, user_ids):
    """The slots the demo's own sessions take, for the people this run shares with the demo."""
    busy = {}
    seats = [(("coach", s.coach_id), s.session) for s in
             SessionCoach.select(SessionCoach, CaseSession).join(CaseSession)
             .where(SessionCoach.coach.in_(coach_ids), CaseSession.status != SessionStatus.CANCELLED)]
    seats += [(("user", a.party.user_id), a.session) for a in
              SessionAttendee.select(SessionAttendee, CaseSession, CaseParty).join(CaseSession)
              .switch(SessionAttendee).join(CaseParty)
              .where(CaseParty.user.in_(user_ids), CaseSession.status != SessionStatus.CANCELLED)]
    for key, session in seats:
        end = session.starts_at + timedelta(minutes=session.duration_minutes)
        for day in {bulk.local_day(session.starts_at), bulk.local_day(end)}:
            for hour in SLOT_HOURS:
                start = bulk.local(day, hour)
                if start < end and session.starts_at < start + timedelta(hours=2):
                    busy.setdefault(key, set()).add(day.toordinal() * 24 + hour)
    return busy


# --- a chunk of intake ----------------------------------------------------------------------------

def _intake(bulk, items):
    for item in items:
        if isinstance(item, CasePlan):
            _case(bulk, item)
        else:
            _unaccepted_referral(bulk, *item)


def _unaccepted_referral(bulk, status, at):
    """A referral declined at triage, or new and waiting in the queue."""
    dispute = bulk.draw("dispute")
    referral, _ = _referral(bulk, dispute, bulk.rng.choice(TOPICS[dispute]), at, status)
    for _ in range(bulk.rng.choice((1, 2, 2))):
        bulk.add(ReferralPerson, referral=referral, name=bulk.name(), phone=bulk.phone(), address=bulk.address())
    if status == ReferralStatus.DECLINED:
        coordinator = bulk.rng.choice(bulk.coordinators)
        bulk.audit("referral.declined", at + timedelta(days=2), actor=coordinator.id, record_type="Referral",
                   record_id=referral)


def _referral(bulk, dispute, topic, at, status, triaged_by=None, triaged_at=None):
    """A referral row; returns its id and reference."""
    rng = bulk.rng
    agency = rng.random() < 0.45
    agency_type = rng.choice(list(AgencyType)) if agency else None
    triaged = status != ReferralStatus.NEW
    reference = bulk.next_reference(Referral, at.year)
    referral = bulk.add(
        Referral, reference=reference, source=ReferralSource.AGENCY if agency else ReferralSource.SELF,
        agency_name=AGENCIES[agency_type] if agency else None, agency_type=agency_type,
        referrer_name=bulk.name() if agency else None,
        referrer_contact=f"referrals{rng.randint(1, 99)}@agency.example.org" if agency else None,
        dispute_type=dispute, description=f"A long-running disagreement about {topic}.",
        urgency=bulk.draw("urgency"),
        safety_worry="One of them mentioned threats." if rng.random() < 0.05 else "",
        status=status,
        decline_reason="Outside the area we serve." if status == ReferralStatus.DECLINED else None,
        triaged_by=(triaged_by or rng.choice(bulk.coordinators).id) if triaged else None,
        triaged_at=(triaged_at or at + timedelta(days=2)) if triaged else None,
        created_at=at)
    return referral, reference


# --- a case ---------------------------------------------------------------------------------------

def _case(bulk, case):
    """One case and everything on it, in the order it happened."""
    rng = bulk.rng
    coordinator = rng.choice(bulk.coordinators)
    case.parent = _parent_for(bulk, case)
    case.dispute = case.parent.dispute if case.parent else bulk.draw("dispute")
    case.topic = case.parent.topic if case.parent else rng.choice(TOPICS[case.dispute])
    case.until = case.closed_at - timedelta(days=1) if case.closed_at else bulk.now
    referral = reference = None
    if case.parent is None:
        referral, reference = _referral(bulk, case.dispute, case.topic,
                                        case.opened_at - timedelta(days=rng.uniform(1, 10)),
                                        ReferralStatus.ACCEPTED, coordinator.id, case.opened_at)
    if case.stage != WAITING or rng.random() < 0.5:
        case.funding = Funding.FUNDED if rng.random() < 0.6 else Funding.SELF_FUNDED
        case.scheme = rng.choice(bulk.schemes) if case.funding == Funding.FUNDED and bulk.schemes else None
    case.allowance = bulk.allowance if rng.random() < 0.9 else bulk.allowance + 2
    case.reopened = case.stage == UNDER_WAY and bulk.now_and_then("reopened", 0.03)
    case.reference = bulk.next_reference(Case, case.opened_at.year)
    held_at = _legal_hold_at(bulk, case)
    case.id = bulk.add(
        Case, reference=case.reference, kind=case.kind,
        status=CaseStatus.CLOSED if case.closed_at else CaseStatus.OPEN, dispute_type=case.dispute,
        session_allowance=case.allowance, funding=case.funding, funding_scheme=case.scheme,
        office=_office_for(bulk, case.reference),
        referral=referral, parent_case=case.parent.id if case.parent else None,
        # A reopened case keeps the outcome it was closed with, as `cases.service.reopen` does.
        outcome=case.outcome or (CaseOutcome.NOT_RESOLVED if case.reopened else None),
        closing_note=bulk.text((CLOSING_NOTES[case.outcome],), case) if case.outcome else None,
        closed_at=case.closed_at, created_at=case.opened_at,
        legal_hold_reason=LEGAL_HOLD_REASON if held_at else None, legal_hold_by=coordinator.id if held_at else None,
        legal_hold_at=held_at)
    _opened(bulk, case, referral, reference, coordinator)
    _parties(bulk, case, referral, coordinator)
    _allocations(bulk, case, coordinator)
    _consent(bulk, case, coordinator)
    _funding(bulk, case, coordinator)
    _details(bulk, case, coordinator)
    _sessions(bulk, case)
    _notes(bulk, case)
    _party_items(bulk, case)
    _agreements(bulk, case)
    _concern(bulk, case)
    _closing(bulk, case, coordinator)
    if held_at:
        bulk.event(case, CaseEventKind.LEGAL_HOLD, f"Legal hold set: {LEGAL_HOLD_REASON}", coordinator.id, held_at)
        bulk.audit("rights.legal_hold_set", held_at, actor=coordinator.id, record_type="Case", record_id=case.id,
                   case=case)
    # What only this case needed: a run of 100,000 cases keeps every plan until it ends.
    for party in case.parties:
        bulk.busy.pop(("party", party.id), None)
    case.sessions, case.notes = [], []


def _parent_for(bulk, case):
    """Post-mediation coaching now and then: a coaching case opened from a closed mediation."""
    if case.kind != CaseKind.COACHING or case.demo_parties:
        return None
    parent = next((p for p in bulk.recent_mediations if p.closed_at < case.opened_at - timedelta(days=1)), None)
    if parent is None or not bulk.now_and_then("follow-on", 0.25):
        return None
    bulk.recent_mediations.remove(parent)
    return parent


def _opened(bulk, case, referral, referral_reference, coordinator):
    at = case.opened_at
    if case.parent is not None:
        summary = f"Post-mediation coaching case opened from {case.parent.reference}."
        bulk.event(case.parent, CaseEventKind.FOLLOW_ON,
                   f"Post-mediation coaching offered to {case.parent.parties[0].name}: case {case.reference}.",
                   coordinator.id, at)
        bulk.audit("case.follow_on_opened", at, actor=coordinator.id, record_type="Case", record_id=case.id,
                   case=case)
    else:
        words = "mediation" if case.kind == CaseKind.MEDIATION else "one-to-one coaching"
        summary = f"Case opened from referral {referral_reference} as {words}."
        bulk.audit("referral.accepted", at, actor=coordinator.id, record_type="Referral", record_id=referral,
                   case=case)
    bulk.event(case, CaseEventKind.CASE_OPENED, summary, coordinator.id, at)


# --- parties and consent ------------------------------------------------------------------------

def _parties(bulk, case, referral, coordinator):
    """Two parties for a mediation, one for coaching (the mediation's party for a follow-on),
    each with an account where email is safe for them; and where each stands on consent."""
    rng = bulk.rng
    count = 2 if case.kind == CaseKind.MEDIATION else 1
    for number in range(count):
        user_id, signs_in, unsafe = None, False, ""
        if case.parent is not None:
            earlier = case.parent.parties[0]
            name, user_id, signs_in = earlier.name, earlier.user_id, earlier.signs_in
            email, phone, address = earlier.email, earlier.phone, earlier.address
        elif number < len(case.demo_parties):
            user = bulk.demo_parties[case.demo_parties[number]]
            name, email, user_id, signs_in = user.name, user.email, user.id, True
            phone, address = bulk.phone(), bulk.address()
        else:
            name, phone, address = bulk.name(), bulk.phone(), bulk.address()
            unsafe = bulk.draw("unsafe route")
            email = None
            if rng.random() < 0.85 and unsafe != UnsafeRoute.EMAIL:
                user_id, signs_in = _party_account(bulk, case, name, coordinator)
                email = bulk.batch.last(User)["email"]
            elif rng.random() < 0.5:
                email = bulk.email(name, rng.randint(1, 10**6), "example.net")
        if referral is not None:
            bulk.add(ReferralPerson, referral=referral, name=name, email=email, phone=phone, address=address,
                     unsafe_routes=unsafe)
        party = PartyPlan(0, name, user_id, signs_in, email=email, phone=phone, address=address)
        _plan_consent(bulk, case, party, last=number == count - 1)
        party.id = bulk.add(
            CaseParty, case=case.id, user=user_id, name=name, email=email, phone=phone, address=address,
            unsafe_routes=unsafe, consent_state=party.consent,
            fee_pence=rng.choice((4500, 6000, 9000)) if case.funding == Funding.SELF_FUNDED else None,
            fee_paid=case.funding == Funding.SELF_FUNDED and rng.random() < 0.7, created_at=case.opened_at)
        for term in sorted(search_terms.party_terms(name, email, phone, address)):
            bulk.add(SearchTerm, case=case.id, party=party.id, term=term)
        case.parties.append(party)


def _party_account(bulk, case, name, coordinator):
    """A party's account: invited when the case opened; most accepted and sign in now and then."""
    rng = bulk.rng
    user_id = bulk.batch.next_id[User]
    signs_in = rng.random() < 0.8
    accepted = bulk.between(case.opened_at, min(case.opened_at + timedelta(days=5), bulk.now))
    bulk.add(User, name=name, email=bulk.email(name, user_id, "example.net"), role=Role.PARTY,
             password_hash=bulk.password_hash if signs_in else None,
             created_at=case.opened_at, last_sign_in_at=accepted if signs_in else None)
    bulk.audit("account.invited", case.opened_at, actor=coordinator.id, record_type="User", record_id=user_id,
               case=case, detail="role=party")
    if signs_in:
        bulk.audit("account.invitation_used", accepted, actor=user_id, record_type="User", record_id=user_id)
        for _ in range(rng.randint(0, 3)):
            bulk.audit("auth.signed_in", bulk.between(accepted, case.until), actor=user_id, record_type="User",
                       record_id=user_id)
    return user_id, signs_in


def _plan_consent(bulk, case, party, last):
    """Where the party stands on taking part, from how far the case got."""
    rng = bulk.rng
    if case.stage == WAITING:
        given = case.kind == CaseKind.MEDIATION and not last and rng.random() < 0.6
        party.consent = ConsentState.GIVEN if given else ConsentState.PENDING
    elif case.outcome == CaseOutcome.WITHDRAWN and last:
        party.consent = ConsentState.WITHDRAWN
    elif case.outcome == CaseOutcome.NOT_SUITABLE and last and bulk.now_and_then("declined", 0.5):
        party.consent = ConsentState.DECLINED
    else:
        party.consent = ConsentState.GIVEN
    if party.consent != ConsentState.PENDING:
        party.consented_at = bulk.between(case.opened_at + timedelta(days=1),
                                          min(case.opened_at + timedelta(days=10), case.until))


def _consent(bulk, case, coordinator):
    """Each party's consent events: given (by phone, in person, by email, or themselves in the
    portal), declined, or given and later withdrawn."""
    for party in case.parties:
        if party.consent == ConsentState.PENDING:
            continue
        first = ConsentState.DECLINED if party.consent == ConsentState.DECLINED else ConsentState.GIVEN
        _consent_event(bulk, case, party, first, party.consented_at, coordinator)
        if party.consent == ConsentState.WITHDRAWN:
            at = bulk.between(case.until - timedelta(days=10), case.until)
            _consent_event(bulk, case, party, ConsentState.WITHDRAWN, max(at, party.consented_at), coordinator,
                           reason="Does not want to meet the other party after all.")
            party.withdrew_at = max(at, party.consented_at)


def _consent_event(bulk, case, party, state, at, coordinator, reason=None):
    rng = bulk.rng
    if party.signs_in and rng.random() < 0.4:
        method, by = ConsentMethod.ONLINE, party.user_id
    else:
        method = rng.choice((ConsentMethod.PHONE, ConsentMethod.IN_PERSON, ConsentMethod.EMAIL))
        on_case = case.coaches and case.allocated_at <= at
        by = (case.coaches[0] if on_case and rng.random() < 0.5 else coordinator).id
    if state == ConsentState.DECLINED:
        reason = "Does not think mediation will help."
    bulk.add(ConsentEvent, party=party.id, state=state, method=method, occurred_on=bulk.local_day(at),
             reason=reason, recorded_by=by, created_at=at)
    bulk.event(case, CaseEventKind.CONSENT,
               f"{party.name}: {labels.label(state).lower()} ({labels.label(method, 'consent_method').lower()}).",
               by, at)
    bulk.audit("consent.changed", at, actor=by, record_type="CaseParty", record_id=party.id, case=case,
               detail=f"state={state}")


def _office_for(bulk, reference):
    """The office a case is run from: the offices in turn, by the case's number (no random number
    is drawn for it, so that every other choice stays as the seed makes it)."""
    if not bulk.office_codes:
        return None
    return bulk.office_codes[int(reference.rsplit("-", 1)[1]) % len(bulk.office_codes)]


LEGAL_HOLD_REASON = "A claim about the tenancy is before the court."


def _legal_hold_at(bulk, case):
    """One closed case in forty is on legal hold (by its number: no random number is drawn),
    set a day after it closed, in the words `rights.service.set_legal_hold` writes."""
    if case.closed_at is None or int(case.reference.rsplit("-", 1)[1]) % 40 != 3:
        return None
    return min(case.closed_at + timedelta(days=1), bulk.now)


def _details(bulk, case, coordinator):
    """Every tenth case had its details changed an hour after it opened (by its number: no random
    number is drawn), in the words `cases.service.set_details` writes."""
    office = _office_for(bulk, case.reference)
    if office is None or int(case.reference.rsplit("-", 1)[1]) % 10:
        return
    words = (f"Details changed. Dispute type: {labels.label(case.dispute, ServiceList.DISPUTE_TYPE)}; "
             f"office: {labels.label(office, ServiceList.OFFICE)}.")
    bulk.event(case, CaseEventKind.DETAILS, words, coordinator.id, min(case.opened_at + timedelta(hours=1), case.until))


def _funding(bulk, case, coordinator):
    if case.funding is None:
        return
    at = bulk.between(case.opened_at, min(case.opened_at + timedelta(days=7), case.until))
    words = (f"Funded: {bulk.scheme_words.get(case.scheme, case.scheme)}." if case.funding == Funding.FUNDED
             else "Self-funded.")
    bulk.event(case, CaseEventKind.FUNDING, f"Funding recorded. {words}", coordinator.id, at)
    if case.funding == Funding.SELF_FUNDED:
        for party in case.parties:
            bulk.event(case, CaseEventKind.FUNDING, f"Fee recorded for {party.name}.", coordinator.id, at)


# --- coaches ------------------------------------------------------------------------------------

def _allocations(bulk, case, coordinator):
    """One or two coaches (the demo coach on its share of cases); now and then a coach taken off
    the case in its first days, often one who has since left the service."""
    rng = bulk.rng
    if case.stage == WAITING and not case.demo_coach and rng.random() < 0.3:
        return  # not allocated yet
    wanted = 2 if case.kind == CaseKind.MEDIATION and rng.random() < 0.6 else 1
    coaches = [bulk.demo_coach] if case.demo_coach else []
    while len(coaches) < wanted:
        coach = rng.choice(bulk.coaches)
        if coach not in coaches:
            coaches.append(coach)
    at = bulk.between(case.opened_at, case.opened_at + timedelta(hours=36))
    if bulk.now_and_then("coach taken off", 0.04):
        earlier = rng.choice(bulk.former_coaches or bulk.coaches)
        if earlier not in coaches:
            ended = at + timedelta(days=rng.uniform(1, 4))
            _allocate(bulk, case, [earlier], coordinator, at, ended)
            case.ended_coach = (earlier, at, ended)
            at = ended
    _allocate(bulk, case, coaches, coordinator, at)
    case.coaches, case.allocated_at = coaches, at


def _allocate(bulk, case, coaches, coordinator, at, ended=None):
    for coach in coaches:
        bulk.add(CoachAllocation, case=case.id, coach=coach.id, allocated_by=coordinator.id, allocated_at=at,
                 ended_at=ended)
    bulk.event(case, CaseEventKind.ALLOCATION, f"Coaches allocated: {', '.join(c.name for c in coaches)}.",
               coordinator.id, at)
    bulk.audit("case.coaches_allocated", at, actor=coordinator.id, record_type="Case", record_id=case.id, case=case,
               detail="coaches=" + ",".join(str(i) for i in sorted(c.id for c in coaches)))


# --- sessions -----------------------------------------------------------------------------------

def _sessions(bulk, case):
    """Sessions only with parties who consented and of the kinds the case allows: held, missed or
    cancelled in the past, booked in the future."""
    rng = bulk.rng
    consented = [p for p in case.parties if p.took_part]
    if not consented or not case.coaches:
        return
    if case.kind == CaseKind.MEDIATION:
        wanted = [(SessionKind.PRE_MEDIATION, [p]) for p in consented]
        if case.stage == WAITING and rng.random() < 0.4:
            wanted = []
        if len(consented) == 2 and case.stage in (UNDER_WAY, CLOSED) and case.outcome != CaseOutcome.NOT_SUITABLE:
            wanted += [(SessionKind.JOINT_MEDIATION, consented)] * rng.choice((1, 1, 1, 2))
    else:
        kind = SessionKind.POST_MEDIATION_COACHING if case.parent else SessionKind.COACHING
        count = {WAITING: 0, BOOKED: 1, UNDER_WAY: rng.randint(2, 4), CLOSED: rng.randint(1, 5)}[case.stage]
        wanted = [(kind, consented)] * count
    past = {WAITING: 0, BOOKED: 0, UNDER_WAY: max(1, len(wanted) - rng.choice((1, 1, 2))), CLOSED: len(wanted)}
    past = min(past[case.stage], len(wanted))
    start = max([p.consented_at for p in consented] + [case.allocated_at]) + timedelta(days=1)
    end = min([p.withdrew_at or case.until for p in consented] + [case.until - timedelta(days=1)])
    future = (bulk.now + timedelta(days=1), bulk.now + timedelta(days=45))
    days = ([(day, end) for day in _days(bulk, start, end, past)]
            + [(day, future[1]) for day in _days(bulk, *future, len(wanted) - past)])
    used = 0
    for number, ((kind, parties), (day, latest)) in enumerate(zip(wanted, days, strict=True)):
        status = _session(bulk, case, kind, parties, day, bulk.local_day(latest), in_past=number < past, used=used)
        if status not in (None, SessionStatus.CANCELLED) and kind in ALLOWANCE_KINDS:
            used += 1


def _days(bulk, start, end, count):
    first, last = bulk.local_day(start), bulk.local_day(max(start, end))
    return sorted(first + timedelta(days=bulk.rng.randint(0, (last - first).days)) for _ in range(count))


def _free_slot(bulk, day, latest, keys):
    """A start on `day`, or soon after but by `latest`, at which none of these people has a
    session; None if there is none."""
    for offset in range((latest - day).days + 1):
        when = day + timedelta(days=offset)
        if when.weekday() == 6:
            continue
        hours = list(SLOT_HOURS)
        bulk.rng.shuffle(hours)
        for hour in hours:
            slot = when.toordinal() * 24 + hour
            if all(slot not in bulk.busy.get(key, ()) for key in keys):
                for key in keys:
                    bulk.busy.setdefault(key, set()).add(slot)
                return bulk.local(when, hour)
    return None


def _party_key(bulk, party):
    # The demo's parties have sessions on other cases too; everyone else only on this one.
    return ("user", party.user_id) if party.user_id in bulk.demo_parties else ("party", party.id)


def _session(bulk, case, kind, parties, day, latest, *, in_past, used):
    """One session with its coaches and attendees, and its timeline entries; returns its status
    (None if no time was free)."""
    rng = bulk.rng
    coaches = case.coaches if kind == SessionKind.JOINT_MEDIATION else [rng.choice(case.coaches)]
    keys = [("coach", c.id) for c in coaches] + [_party_key(bulk, p) for p in parties]
    starts_at = _free_slot(bulk, day, latest, keys)
    if starts_at is None or (in_past and starts_at >= bulk.now):
        return None
    mode = bulk.draw("mode")
    if mode == SessionMode.HOME_VISIT and len(parties) > 1:
        mode = SessionMode.COMMUNITY_VENUE
    location = {SessionMode.FACE_TO_FACE: rng.choice(bulk.offices), SessionMode.COMMUNITY_VENUE: rng.choice(VENUES),
                SessionMode.HOME_VISIT: parties[0].address}.get(mode, "")
    link = (f"https://meet.example.org/{case.reference.lower()}-{len(case.sessions) + 1}"
            if mode == SessionMode.ONLINE else "")
    status = bulk.draw("held") if in_past else SessionStatus.SCHEDULED
    cancelled_by = rng.choice(list(CancelledBy)) if status == SessionStatus.CANCELLED else None
    duration = 120 if kind == SessionKind.JOINT_MEDIATION else rng.choice((60, 60, 90))
    over = kind in ALLOWANCE_KINDS and used >= case.allowance
    booked_at = max(case.allocated_at, starts_at - timedelta(days=rng.uniform(2, 21)))
    booked_by = coaches[0].id
    session_id = bulk.add(
        CaseSession, case=case.id, kind=kind, starts_at=starts_at, duration_minutes=duration, mode=mode,
        location=location, online_link=link, status=status, cancelled_by=cancelled_by,
        over_allowance_reason="Good progress; one more session agreed with the coordinator." if over else None,
        created_by=booked_by, created_at=booked_at)
    for coach in coaches:
        bulk.add(SessionCoach, session=session_id, coach=coach.id)
    attended = {SessionStatus.HELD: True, SessionStatus.DID_NOT_ATTEND: False}.get(status)
    for party in parties:
        supporter = bulk.now_and_then("supporter", 0.05)
        bulk.add(SessionAttendee, session=session_id, party=party.id, attended=attended,
                 supporter_name=bulk.name() if supporter else None,
                 supporter_relationship=rng.choice(("friend", "sister", "support worker")) if supporter else None,
                 supporter_coach_told=supporter)
    kind_words = labels.label(kind, "session_kind")
    names = ", ".join(p.name for p in parties)
    summary = (f"{kind_words} scheduled for {bulk.date_time(starts_at)} ({duration} minutes, "
               f"{labels.label(mode).lower()}) with {names}.")
    if over:
        summary += (f" Over the allowance of {case.allowance} coaching sessions. "
                    "Reason: Good progress; one more session agreed with the coordinator.")
    bulk.event(case, CaseEventKind.SESSION_SCHEDULED, summary, booked_by, booked_at)
    if status == SessionStatus.SCHEDULED and bulk.now_and_then("rescheduled", 0.1):
        first = starts_at - timedelta(days=rng.randint(1, 7))
        bulk.event(case, CaseEventKind.SESSION_RESCHEDULED,
                   f"{kind_words} on {bulk.date_time(first)} moved to {bulk.date_time(starts_at)} "
                   f"({duration} minutes, {labels.label(mode).lower()}).", booked_by, bulk.between(booked_at, bulk.now))
    if status != SessionStatus.SCHEDULED:
        what = f"{kind_words} on {bulk.date_time(starts_at)}"
        if status == SessionStatus.CANCELLED:
            outcome = f"{what} cancelled {labels.label(cancelled_by, 'cancelled_by')}."
        else:
            outcome = f"{what}: {labels.label(status).lower()}."
            outcome += f" Came: {names}." if attended else f" Did not come: {names}."
        bulk.event(case, CaseEventKind.SESSION_OUTCOME, outcome, booked_by,
                   min(starts_at + timedelta(hours=3), bulk.now))
    case.sessions.append((session_id, starts_at, status, [p.id for p in parties]))
    return status


# --- notes ----------------------------------------------------------------------------------------

NOTE_COUNTS = {WAITING: (2, 5), BOOKED: (4, 8), UNDER_WAY: (7, 13), CLOSED: (8, 14)}


def _notes(bulk, case):
    """About ten notes, by the coaches allocated at the time, of every audience; notes for the
    parties are shared with them, their words only with the speaker's consent."""
    rng = bulk.rng
    if not case.coaches:
        return
    consented = [p for p in case.parties if p.took_part]
    for number in range(rng.randint(*NOTE_COUNTS[case.stage])):
        author, start = rng.choice(case.coaches), case.allocated_at
        if case.ended_coach and number == 0:
            author, start, end = case.ended_coach
        else:
            end = case.until
        audience = bulk.draw("audience")
        if audience == Audience.PARTIES and not consented:
            audience = Audience.STAFF
        at = bulk.between(start, max(start, end))
        held = [s for s in case.sessions if s[2] == SessionStatus.HELD and s[1] < at]
        session = rng.choice(held) if held and rng.random() < 0.3 else None
        _note(bulk, case, author, audience, at, consented, session)


def _note(bulk, case, author, audience, at, consented, session):
    rng = bulk.rng
    source, shared_with, summary = None, [], False
    if audience == Audience.PARTIES:
        source = rng.choice([None] + consented) if rng.random() < 0.7 else None
        shared_with = [p for p in consented if rng.random() < 0.7] or [rng.choice(consented)]
        if session is not None and len(session[3]) == 1 and rng.random() < 0.5:
            # A summary of a session with one party, shared with the other: their words.
            summary = True
            source = next((p for p in consented if p.id == session[3][0]), None)
    body = bulk.text(NOTE_TEXTS[audience], case, *(rng.sample(case.parties, len(case.parties))))
    note = bulk.add(Note, case=case.id, author=author.id, audience=audience,
                    source_party=source.id if source else None, session=session[0] if session else None,
                    is_summary=summary, body=body, created_at=at, updated_at=at)
    case.notes.append((note, audience, at))
    bulk.audit("note.written", at, actor=author.id, record_type="Note", record_id=note, case=case,
               detail=f"audience={audience}")
    visible = False
    for party in shared_with:
        visible |= _share(bulk, case, note, author, party, source, at)
    if audience == Audience.PARTIES and visible and bulk.now_and_then("note withdrawn", 0.03):
        withdrawn = bulk.between(at, max(at, case.until))
        bulk.batch.last(Note)["withdrawn_at"] = withdrawn
        bulk.audit("note.withdrawn", withdrawn, actor=author.id, record_type="Note", record_id=note, case=case)
    elif audience == Audience.PARTIES and source is None and bulk.now_and_then("note revised", 0.05):
        _revise(bulk, case, note, author, body, at)


def _share(bulk, case, note, author, party, source, at):
    """A share in the state the rules give it; a request for the source party's consent is then
    answered, or not yet. Returns whether the party may now read the note."""
    state = policy.share_state_for(source.id if source else None, party.id)
    bulk.audit("note.shared", at, actor=author.id, record_type="NoteShare", record_id=bulk.batch.next_id[NoteShare],
               case=case, detail=f"note={note} party={party.id} state={state}")
    values = {}
    if state == ShareState.WAITING:
        answer = bulk.draw("answer")
        moves = {ShareState.WAITING: [], ShareState.GIVEN: [ShareState.GIVEN], ShareState.REFUSED: [ShareState.REFUSED],
                 ShareState.WITHDRAWN: [ShareState.GIVEN, ShareState.WITHDRAWN]}[answer]
        when = at
        for move in moves:
            when = bulk.between(when, min(when + timedelta(days=7), max(when, case.until)))
            if source.signs_in and bulk.rng.random() < 0.5:
                method, by = ShareConsentMethod.PORTAL, source.user_id
            else:
                method, by = bulk.rng.choice((ShareConsentMethod.IN_PERSON, ShareConsentMethod.PHONE)), author.id
            values = {"consent_method": method, "consent_at": when, "consent_recorded_by": by}
            bulk.audit("note.share_consent", when, actor=by, record_type="NoteShare",
                       record_id=bulk.batch.next_id[NoteShare], case=case,
                       detail=f"note={note} party={party.id} state={move} method={method}")
            state = move
    bulk.add(NoteShare, note=note, party=party.id, state=state, created_at=at, **values)
    return state in (ShareState.NOT_NEEDED, ShareState.GIVEN)


def _revise(bulk, case, note, author, body, at):
    """A shared note changed later: its first text kept as a revision, as `notes.service.edit`
    does once a party may have read it."""
    later = bulk.between(at, max(at, case.until))
    new_body = body + " Updated after a phone call: nothing else has changed."
    bulk.add(NoteRevision, note=note, body=body, author=author.id, created_at=at)
    bulk.add(NoteRevision, note=note, body=new_body, author=author.id, created_at=later)
    bulk.batch.last(Note).update(body=new_body, updated_at=later)
    bulk.audit("note.edited", later, actor=author.id, record_type="Note", record_id=note, case=case,
               detail=f"audience={Audience.PARTIES} source_party=None was=None revision")


# --- action points and goals -------------------------------------------------------------------------

def _party_items(bulk, case):
    """Each consenting party's goals and action points, some done, some with their comment."""
    rng = bulk.rng
    if case.stage == WAITING or not case.coaches:
        return
    for party in (p for p in case.parties if p.consent == ConsentState.GIVEN):
        other = next((p for p in case.parties if p is not party), party)
        for _ in range(rng.randint(1, 2)):
            kind = GoalKind.GOAL if rng.random() < 0.7 else GoalKind.DESIRED_OUTCOME
            at = bulk.between(party.consented_at, case.until)
            coach = rng.choice(case.coaches)
            bulk.add(Goal, case=case.id, party=party.id, kind=kind, text=bulk.text(GOAL_TEXTS, case, party, other),
                     created_by=coach.id, created_at=at)
            bulk.event(case, CaseEventKind.GOAL, f"{labels.label(kind)} recorded for {party.name}.", coach.id, at)
        for _ in range(rng.randint(1, 3)):
            at = bulk.between(party.consented_at, case.until)
            due_on = bulk.local_day(at) + timedelta(days=rng.randint(5, 28)) if rng.random() < 0.85 else None
            _action_point(bulk, case, party, rng.choice(case.coaches), bulk.text(ACTION_TEXTS, case, party, other),
                          at, due_on)


def _action_point(bulk, case, party, coach, text, at, due_on, term=None):
    """An action point, set by a coach or made from an agreement's term; half of them done."""
    rng = bulk.rng
    done_at = None
    if rng.random() < 0.5 and at < case.until:
        done_at = bulk.between(at, case.until)
    comment = rng.choice(("Done, and it helped.", "Still working on this.", "")) if party.signs_in else ""
    bulk.add(ActionPoint, case=case.id, party=party.id, text=text, due_on=due_on, done_at=done_at,
             party_comment=comment, created_by=coach.id, agreement_term=term, created_at=at)
    if term is None:
        bulk.event(case, CaseEventKind.ACTION_POINT, f"Action point set for {party.name}.", coach.id, at)
    if done_at:
        bulk.event(case, CaseEventKind.ACTION_POINT, f"{party.name} marked an action point done.",
                   party.user_id if party.signs_in else coach.id, done_at)


# --- agreements ----------------------------------------------------------------------------------

GENERIC_AGREEMENTS = {
    DisputeType.WORKPLACE: ("Agreement about working together",
                            ("How work is shared", "How to raise a problem"),
                            ("Agree the rota together on the first Monday of each month",
                             "Copy each other into emails about shared work",
                             "Talk first, in private, before going to a manager")),
    DisputeType.FAMILY: ("Family agreement",
                         ("Arrangements for the children", "How to talk about money"),
                         ("Hand over the children at the agreed place at 10am on Saturdays",
                          "Use the shared calendar for changes, a week ahead",
                          "Discuss money by email, not in front of the children")),
    DisputeType.OTHER: ("Agreement", ("How decisions are made",),
                        ("Put decisions to a vote at the monthly meeting", "Share the minutes within a week")),
}


def _agreements(bulk, case):
    """A mediation's agreement as far as it got: a draft; proposed (one party may have accepted,
    the other asked for a change); proposed again at version 2 (version 1 superseded); or final
    once every party accepted, its terms then action points. No stored PDF: the page offers the
    PDF, made when it is asked for."""
    if case.agreement is None or not case.coaches or len(case.parties) < 2 \
            or any(p.consent != ConsentState.GIVEN for p in case.parties):
        return
    rng = bulk.rng
    held = [s[1] for s in case.sessions if s[2] != SessionStatus.CANCELLED and s[1] < bulk.now]
    start = held[-1] if held else case.allocated_at
    coach = rng.choice(case.coaches)
    if case.dispute == DisputeType.NEIGHBOUR and bulk.templates:
        template = rng.choice(bulk.templates)
        title, issues, terms = template.title, template.issues, template.terms
    else:
        title, issues, terms = GENERIC_AGREEMENTS.get(case.dispute, GENERIC_AGREEMENTS[DisputeType.OTHER])
    steps = _moments(bulk, start, case.until, 6)
    versions = 2 if case.agreement in ("proposed again", "final again") else 1
    previous = None
    for version in range(1, versions + 1):
        last = version == versions
        state = {"draft": AgreementState.DRAFT, "proposed": AgreementState.PROPOSED,
                 "proposed again": AgreementState.PROPOSED}.get(case.agreement, AgreementState.FINAL)
        if not last:
            state = AgreementState.SUPERSEDED
        drafted, proposed, answered = steps[3 * (version - 1):3 * version]
        final = state == AgreementState.FINAL
        review = None
        if final and rng.random() < 0.6:
            review = bulk.local_day(answered) + timedelta(days=rng.choice((90, 180)))
        agreement = bulk.add(
            Agreement, case=case.id, title=title, version=version, state=state, review_on=review,
            other_terms="Either of us can ask the service for a review meeting.", previous=previous,
            created_by=coach.id, created_at=drafted,
            proposed_at=proposed if state != AgreementState.DRAFT else None,
            finalised_at=answered if final else None)
        bulk.event(case, CaseEventKind.AGREEMENT, "Agreement drafted (version 1)." if version == 1
                   else f"Agreement version {version} drafted.", coach.id, drafted)
        for position, text in enumerate(issues, start=1):
            bulk.add(AgreementIssue, agreement=agreement, position=position, text=text)
        term_rows = []
        for position, what in enumerate(terms, start=1):
            party = rng.choice([None, None] + case.parties)
            due_on = bulk.local_day(answered) + timedelta(days=rng.randint(7, 60)) if rng.random() < 0.4 else None
            term_rows.append((bulk.add(AgreementTerm, agreement=agreement, position=position, what=what,
                                       party=party.id if party else None, due_on=due_on), what, party, due_on))
        if state != AgreementState.DRAFT:
            bulk.event(case, CaseEventKind.AGREEMENT, f"Agreement version {version} proposed to the parties.",
                       coach.id, proposed)
            _answers(bulk, case, agreement, version, state, coach, proposed, answered)
        if final:
            review_words = f" Review on {times.long_date(review)}." if review else ""
            bulk.event(case, CaseEventKind.AGREEMENT,
                       f"Agreement version {version} is final: every party accepted.{review_words}", coach.id, answered)
            for term, what, for_party, due_on in term_rows:
                for party in case.parties:
                    if for_party in (None, party):
                        _action_point(bulk, case, party, coach, what, answered, due_on=due_on, term=term)
        previous = agreement


def _moments(bulk, start, end, count):
    end = max(start, end)
    return sorted(bulk.between(start, end) for _ in range(count))


def _answers(bulk, case, agreement, version, state, coach, proposed, answered):
    """Acceptances (typed name; in person, recorded by a coach, for a party without a portal
    account) and change requests, as the agreement's state says."""
    rng = bulk.rng
    first, second = case.parties
    if state == AgreementState.FINAL:
        accepting, asking = [first, second], None
    elif state == AgreementState.SUPERSEDED:
        accepting, asking = [first] if rng.random() < 0.5 else [], second
    else:
        accepting = [first] if rng.random() < 0.5 else []
        asking = second if rng.random() < 0.3 else None
    for party in accepting:
        at = bulk.between(proposed, answered)
        in_person = not party.signs_in
        bulk.add(AgreementAcceptance, agreement=agreement, party=party.id, version=version, typed_name=party.name,
                 accepted_at=at, method=AcceptanceMethod.IN_PERSON if in_person else AcceptanceMethod.PORTAL,
                 recorded_by=coach.id if in_person else None)
        bulk.event(case, CaseEventKind.AGREEMENT,
                   f"{party.name} accepted agreement version {version}{' in person' if in_person else ''}.",
                   coach.id if in_person else party.user_id, at)
    if asking is not None:
        at = bulk.between(proposed, answered)
        bulk.add(AgreementChangeRequest, agreement=agreement, party=asking.id, version=version,
                 comment="Could the quiet hours start at 11pm on Fridays?", created_at=at)
        bulk.event(case, CaseEventKind.AGREEMENT, f"{asking.name} asked for a change to agreement version {version}.",
                   asking.user_id, at)


# --- safeguarding ---------------------------------------------------------------------------------

def _concern(bulk, case):
    """A concern on a few cases: raised by a coach on the case, the leads emailed, then (by a
    lead) acknowledged, actions with agencies, addenda, closed with an outcome, sometimes
    reopened. A lead may have opened a note under the override while it was unresolved."""
    if case.concern is None or not case.coaches or not bulk.leads:
        return
    rng = bulk.rng
    raiser, lead = rng.choice(case.coaches), rng.choice(bulk.leads)
    state = case.concern
    start = case.allocated_at
    if state == ConcernState.OPEN:
        start = max(start, bulk.now - timedelta(days=3))
    raised, acknowledged, acted, closed = _moments(bulk, start, case.until, 4)
    level = rng.choices(list(ConcernLevel), (10, 30, 35, 25))[0]
    about = rng.choice(case.parties)
    reopened = state == ConcernState.ACKNOWLEDGED and bulk.now_and_then("concern reopened", 0.3)
    outcome = rng.choice(list(ConcernOutcome)) if state == ConcernState.CLOSED or reopened else None
    concern = bulk.add(
        SafeguardingConcern, case=case.id, raised_by=raiser.id, about_party=about.id,
        category=rng.choice(list(ConcernCategory)), level=level, description=bulk.text(CONCERN_TEXTS, case, about),
        occurred_at="During the session, at the office", state=state,
        acknowledged_by=lead.id if state != ConcernState.OPEN else None,
        acknowledged_at=acknowledged if state != ConcernState.OPEN else None,
        outcome=outcome if state == ConcernState.CLOSED else None,
        signed_off_by=lead.id if state == ConcernState.CLOSED else None,
        closed_at=closed if state == ConcernState.CLOSED else None, created_at=raised)
    kwargs = {"record_type": "SafeguardingConcern", "record_id": concern, "case": case}
    bulk.event(case, CaseEventKind.SAFEGUARDING, f"Safeguarding concern raised ({labels.label(level).lower()}).",
               raiser.id, raised)
    bulk.audit("safeguarding.concern_raised", raised, actor=raiser.id, detail=f"level={level}", **kwargs)
    bulk.audit("safeguarding.leads_emailed", raised, actor=raiser.id, detail=f"queued={len(bulk.leads)}",
               **kwargs)
    if state == ConcernState.OPEN:
        _override_read(bulk, case, lead, raised)
        return
    bulk.add(ConcernEvent, concern=concern, kind=ConcernEventKind.ACKNOWLEDGED, by=lead.id, created_at=acknowledged)
    bulk.audit("safeguarding.concern_acknowledged", acknowledged, actor=lead.id, **kwargs)
    if bulk.now_and_then("concern action", 0.6):
        agency = rng.choice(list(AGENCIES.values()))
        event = bulk.add(ConcernEvent, concern=concern, kind=ConcernEventKind.ACTION, by=lead.id, agency=agency,
                         text="Spoke to the duty worker and shared what was said.",
                         agency_reference=f"REF-{rng.randint(10000, 99999)}", action_on=bulk.local_day(acted),
                         created_at=acted)
        bulk.audit("safeguarding.action_recorded", acted, actor=lead.id, detail=f"event={event}", **kwargs)
    if bulk.now_and_then("addendum", 0.25):
        event = bulk.add(ConcernEvent, concern=concern, kind=ConcernEventKind.ADDENDUM, by=raiser.id,
                         text="To add: this happened twice, not once.", created_at=acted)
        bulk.audit("safeguarding.addendum_added", acted, actor=raiser.id, detail=f"event={event}", **kwargs)
    if outcome is not None:
        bulk.add(ConcernEvent, concern=concern, kind=ConcernEventKind.CLOSED, by=lead.id, outcome=outcome,
                 text="Signed off: nothing further for the service to do.", created_at=closed)
        bulk.event(case, CaseEventKind.SAFEGUARDING, "Safeguarding concern closed.", lead.id, closed)
        bulk.audit("safeguarding.concern_closed", closed, actor=lead.id, detail=f"outcome={outcome}", **kwargs)
    if reopened:
        at = bulk.between(closed, case.until)
        bulk.add(ConcernEvent, concern=concern, kind=ConcernEventKind.REOPENED, by=lead.id,
                 text="New information from the housing officer.", created_at=at)
        bulk.event(case, CaseEventKind.SAFEGUARDING, "Safeguarding concern reopened.", lead.id, at)
        bulk.audit("safeguarding.concern_reopened", at, actor=lead.id, **kwargs)
    if state != ConcernState.CLOSED:
        _override_read(bulk, case, lead, acknowledged)


def _override_read(bulk, case, lead, after):
    """Now and then the lead opens a note outside its audience: only while the concern is
    unresolved, with a reason, and in the audit trail."""
    hidden = [(note, at) for note, audience, at in case.notes
              if audience in (Audience.PRIVATE, Audience.CASE_TEAM)]
    if not hidden or not bulk.now_and_then("override read", 0.4):
        return
    note, _ = bulk.rng.choice(hidden)
    at = bulk.between(after, max(after, case.until))
    reason = "Checking what was said before the concern was raised."
    bulk.add(NoteOverrideRead, note=note, reader=lead.id, reason=reason, created_at=at)
    bulk.audit("note.override_read", at, actor=lead.id, record_type="Note", record_id=note, case=case,
               detail=f"reason={reason}")


# --- closing ----------------------------------------------------------------------------------------

def _closing(bulk, case, coordinator):
    """Closed with its outcome (a closed mediation may later have post-mediation coaching); or,
    now and then, closed and reopened."""
    if case.closed_at is not None:
        closed = case.closed_at
        bulk.event(case, CaseEventKind.CLOSED, f"Case closed. Outcome: {labels.label(case.outcome).lower()}.",
                   coordinator.id, closed)
        bulk.audit("case.closed", closed, actor=coordinator.id, record_type="Case", record_id=case.id, case=case)
        if case.kind == CaseKind.MEDIATION and case.parties and not case.demo_parties:
            bulk.recent_mediations.append(case)
    elif case.reopened:
        closed = bulk.between(case.opened_at, case.until)
        again = bulk.between(closed, case.until)
        bulk.event(case, CaseEventKind.CLOSED, "Case closed. Outcome: not resolved.", coordinator.id, closed)
        bulk.audit("case.closed", closed, actor=coordinator.id, record_type="Case", record_id=case.id, case=case)
        bulk.event(case, CaseEventKind.REOPENED, "Case reopened. Reason: Both parties asked to try again.",
                   coordinator.id, again)
        bulk.audit("case.reopened", again, actor=coordinator.id, record_type="Case", record_id=case.id, case=case)
