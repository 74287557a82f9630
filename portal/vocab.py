"""Every code Accord stores, in one place: the words the rules, the data and the pages share.

Each vocabulary is a `StrEnum`, so a member is the very string kept in the database (and compares
equal to it, and hashes like it: a row read back as a plain string still matches). Models take
their choices and defaults from here, `policy` its rules, forms their choices, `labels` the words
shown for each code, and templates compare against members (`ShareState.GIVEN`, never `'given'`):
every class below is a template global.

The words people read are not here: they are in `labels` (and a form's own wording in its form).
"""

from enum import StrEnum


class Code(StrEnum):
    """A stored code. `has` tells a known value from anything else (an `in` test against the
    class itself raises on Python 3.11 for a plain string)."""

    @classmethod
    def has(cls, value: object) -> bool:
        return value in cls._value2member_map_

    @classmethod
    def values(cls) -> tuple[str, ...]:
        return tuple(member.value for member in cls)


# --- people -----------------------------------------------------------------------------------

class Role(Code):
    PARTY = "party"
    COACH = "coach"
    COORDINATOR = "coordinator"


class TokenPurpose(Code):
    """What an emailed single-use link is for."""
    INVITATION = "invitation"
    PASSWORD_RESET = "password_reset"
    SIGN_IN_LINK = "sign_in_link"


class SessionEnd(Code):
    """Why a sign-in session ended."""
    SIGNED_OUT = "signed_out"
    ENDED_BY_USER = "ended_by_user"
    IDLE = "idle"
    PASSWORD_CHANGED = "password_changed"
    SECOND_FACTOR_RESET = "second_factor_reset"
    DEACTIVATED = "deactivated"
    SIGNED_IN_AGAIN = "signed_in_again"


class UnsafeRoute(Code):
    """A way of contacting a party that is not safe for them (stored comma-separated)."""
    PHONE = "phone"
    TEXT = "text"
    EMAIL = "email"
    POST = "post"


# --- referrals --------------------------------------------------------------------------------

class ReferralSource(Code):
    SELF = "self"
    AGENCY = "agency"


class ReferralStatus(Code):
    NEW = "new"
    ACCEPTED = "accepted"
    DECLINED = "declined"


class Urgency(Code):
    ROUTINE = "routine"
    SOON = "soon"
    URGENT = "urgent"


class AgencyType(Code):
    HOUSING = "housing"
    EMPLOYER = "employer"
    POLICE = "police"
    HEALTH = "health"
    SOCIAL_CARE = "social_care"
    SCHOOL = "school"
    COUNCIL = "council"
    OTHER = "other"


class DisputeType(Code):
    NEIGHBOUR = "neighbour"
    WORKPLACE = "workplace"
    FAMILY = "family"
    OTHER = "other"


# --- cases ------------------------------------------------------------------------------------

class CaseKind(Code):
    MEDIATION = "mediation"
    COACHING = "coaching"


class CaseStatus(Code):
    OPEN = "open"
    CLOSED = "closed"


class Stage(Code):
    """Where a case stands (worked out from its facts by `portal.stages`, not stored), in the
    order a case usually moves through them."""
    WAITING_FOR_CONSENT = "waiting_for_consent"
    WAITING_FOR_COACH = "waiting_for_coach"
    READY_TO_BOOK = "ready_to_book"
    IN_PROGRESS = "in_progress"
    AGREEMENT_PROPOSED = "agreement_proposed"
    AGREEMENT_FINAL = "agreement_final"
    CLOSED = "closed"


class CaseOutcome(Code):
    RESOLVED = "resolved"
    PARTLY_RESOLVED = "partly_resolved"
    NOT_RESOLVED = "not_resolved"
    WITHDRAWN = "withdrawn"
    NOT_SUITABLE = "not_suitable"


class Funding(Code):
    FUNDED = "funded"
    SELF_FUNDED = "self_funded"


class ConsentState(Code):
    """A party's consent to take part in the case."""
    PENDING = "pending"
    GIVEN = "given"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"


class ConsentMethod(Code):
    """How consent to take part was given."""
    PHONE = "phone"
    IN_PERSON = "in_person"
    EMAIL = "email"
    ONLINE = "online"


class CaseEventKind(Code):
    """The kinds of entry on a case's timeline."""
    CASE_OPENED = "case.opened"
    ALLOCATION = "allocation"
    CONSENT = "consent"
    FUNDING = "funding"
    DETAILS = "details"  # the dispute type or office changed
    SESSION_SCHEDULED = "session.scheduled"
    SESSION_RESCHEDULED = "session.rescheduled"
    SESSION_OUTCOME = "session.outcome"
    ACTION_POINT = "action_point"
    GOAL = "goal"
    AGREEMENT = "agreement"
    SAFEGUARDING = "safeguarding"
    CLOSED = "closed"
    REOPENED = "reopened"
    FOLLOW_ON = "follow_on"
    COACHING_OUTCOME = "coaching_outcome"
    LEGAL_HOLD = "legal_hold"


# --- sessions ---------------------------------------------------------------------------------

class SessionKind(Code):
    PRE_MEDIATION = "pre_mediation"
    JOINT_MEDIATION = "joint_mediation"
    COACHING = "coaching"
    POST_MEDIATION_COACHING = "post_mediation_coaching"


class SessionMode(Code):
    FACE_TO_FACE = "face_to_face"
    ONLINE = "online"
    TELEPHONE = "telephone"
    HOME_VISIT = "home_visit"
    COMMUNITY_VENUE = "community_venue"


class SessionStatus(Code):
    SCHEDULED = "scheduled"
    HELD = "held"
    DID_NOT_ATTEND = "did_not_attend"
    CANCELLED = "cancelled"


class SessionRequestKind(Code):
    """What a party tells their coaches about one of their sessions."""
    CANNOT_COME = "cannot_come"
    REARRANGE = "rearrange"


class CancelledBy(Code):
    PARTY = "party"
    COACH = "coach"
    SERVICE = "service"


# --- notes ------------------------------------------------------------------------------------

class Audience(Code):
    """Who may read a note (PRODUCT.md's audience table is in `policy`)."""
    PRIVATE = "private"
    CASE_TEAM = "case_team"
    STAFF = "staff"
    PARTIES = "parties"


class ShareState(Code):
    """A note's share with one party: only `given` (or `not_needed`, where true) lets it through."""
    NOT_NEEDED = "not_needed"
    WAITING = "waiting"
    GIVEN = "given"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"


class ShareConsentMethod(Code):
    """How a source party answered a request to share their words with another party."""
    PORTAL = "portal"
    IN_PERSON = "in_person"
    PHONE = "phone"


# --- action points ----------------------------------------------------------------------------

class GoalKind(Code):
    GOAL = "goal"
    DESIRED_OUTCOME = "desired_outcome"


class ActionPointStatus(Code):
    """Where an action point stands on the service's date (worked out, not stored)."""
    DONE = "done"
    OVERDUE = "overdue"
    DUE_TODAY = "due_today"
    DUE = "due"
    UNDATED = "undated"


# --- safeguarding -----------------------------------------------------------------------------

class ConcernState(Code):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    CLOSED = "closed"


class ConcernLevel(Code):
    """Most urgent first: the order is the dashboard's order."""
    IMMEDIATE = "immediate"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class ConcernCategory(Code):
    RISK_TO_SELF = "risk_to_self"
    RISK_TO_OTHERS = "risk_to_others"
    CHILD_PROTECTION = "child_protection"
    DOMESTIC_ABUSE = "domestic_abuse"
    ADULT_AT_RISK = "adult_at_risk"
    OTHER = "other"


class ConcernOutcome(Code):
    REFERRED_TO_AGENCY = "referred_to_agency"
    ADVICE_GIVEN = "advice_given"
    NO_FURTHER_ACTION = "no_further_action"


class ConcernEventKind(Code):
    RAISED = "raised"
    ACKNOWLEDGED = "acknowledged"
    ACTION = "action"
    ADDENDUM = "addendum"
    CLOSED = "closed"
    REOPENED = "reopened"


# --- agreements -------------------------------------------------------------------------------

class AgreementState(Code):
    DRAFT = "draft"
    PROPOSED = "proposed"
    FINAL = "final"
    SUPERSEDED = "superseded"


class AgreementStanding(Code):
    """Where an agreement stands for one of its parties (worked out by `policy`, not stored):
    waiting for their answer, accepted by them, or the agreement's own state."""
    YOUR_ANSWER = "your_answer"
    ACCEPTED = "accepted"
    PROPOSED = "proposed"
    FINAL = "final"
    SUPERSEDED = "superseded"


class AcceptanceMethod(Code):
    """How a party's acceptance of an agreement was given."""
    PORTAL = "portal"
    IN_PERSON = "in_person"


class ReviewOutcome(Code):
    """How a final agreement's review found its terms: kept, partly kept, not kept, or changed
    since (the parties agreed something different, with or without a new version)."""
    KEPT = "kept"
    PARTLY_KEPT = "partly_kept"
    NOT_KEPT = "not_kept"
    CHANGED = "changed"


# --- closing and after ------------------------------------------------------------------------

class FutureSessions(Code):
    """What closing a case does with its sessions still ahead: cancel them (by the service), or
    keep them (a review meeting, say)."""
    CANCEL = "cancel"
    KEEP = "keep"


class CoachingOfferAnswer(Code):
    """A party's answer to post-mediation coaching offered to them (on the follow-on case's
    party record; NULL on a party record that is not an offer)."""
    WAITING = "waiting"
    ACCEPTED = "accepted"
    DECLINED = "declined"


# --- the service's own lists ------------------------------------------------------------------

class ServiceList(Code):
    """A list the service's administrators edit in the portal (`portal/service_lists.py`): its
    entries' codes are what `Referral.source`, `Referral.agency_type`, the dispute types,
    `Case.outcome`, `Case.funding_scheme` and `Case.office` store. The vocabularies above for
    the first four keep the members the code relies on (built-in entries)."""
    REFERRAL_SOURCE = "referral_source"
    AGENCY_KIND = "agency_kind"
    DISPUTE_TYPE = "dispute_type"
    CASE_OUTCOME = "case_outcome"
    FUNDING_SCHEME = "funding_scheme"
    OFFICE = "office"


# --- data rights ------------------------------------------------------------------------------

class ErasureState(Code):
    """A person's request that their data be erased: recorded, then carried out early (their
    case anonymised before its retention period ends) where the service decides to."""
    RECORDED = "recorded"
    CARRIED_OUT = "carried_out"


# --- messages ---------------------------------------------------------------------------------

class MessageState(Code):
    """An email in the outbox: waiting to be delivered (or retried), sent, or failed after the
    delivery window (an administrator may send it again)."""
    WAITING = "waiting"
    SENT = "sent"
    FAILED = "failed"


class MessageKind(Code):
    """What an email in the outbox is about (the Messages page's column; part of a reminder's
    dedupe key)."""
    INVITATION = "invitation"
    PASSWORD_RESET = "password_reset"
    SIGN_IN_LINK = "sign_in_link"
    SECOND_FACTOR_RESET = "second_factor_reset"
    SAFEGUARDING_CONCERN = "safeguarding_concern"
    CASE_CLOSED = "case_closed"
    AGREEMENT = "agreement"
    NOTE = "note"
    # What people are told (portal/notify.py): its own kind says which (NotificationKind).
    NOTIFICATION = "notification"
    OTHER = "other"


# --- what people are told ----------------------------------------------------------------------

class NotificationKind(Code):
    """A kind of message Accord sends (in the portal's Notifications, and by email unless the
    person's preferences or safe contact say no). Its words are in `portal/notify_words.py`."""
    # parties
    SESSION_BOOKED = "session_booked"
    SESSION_MOVED = "session_moved"
    SESSION_CANCELLED = "session_cancelled"
    SESSION_TOMORROW = "session_tomorrow"
    ACTION_POINT_SET = "action_point_set"
    ACTION_POINT_DUE_SOON = "action_point_due_soon"
    ACTION_POINT_OVERDUE = "action_point_overdue"
    SHARE_QUESTION_WAITING = "share_question_waiting"
    SHARE_QUESTION_ASKED = "share_question_asked"
    NOTE_SHARED = "note_shared"
    AGREEMENT_PROPOSED = "agreement_proposed"
    AGREEMENT_WAITING = "agreement_waiting"
    AGREEMENT_FINAL = "agreement_final"
    CASE_CLOSED = "case_closed"
    COACHING_OFFERED = "coaching_offered"
    # referrers (email only: they have no account)
    REFERRAL_RECEIVED = "referral_received"
    # coaches
    COACH_ALLOCATED = "coach_allocated"
    COACH_REMOVED = "coach_removed"
    PARTY_ANSWERED_SHARE = "party_answered_share"
    PARTY_COMMENTED = "party_commented"
    SESSION_REQUEST = "session_request"
    AGREEMENT_ACCEPTED = "agreement_accepted"
    AGREEMENT_CHANGE_ASKED = "agreement_change_asked"
    SESSIONS_TODAY = "sessions_today"
    SESSION_NOTE_MISSING = "session_note_missing"
    # a note's author (a coach, or a coordinator)
    NOTE_OVERRIDE_READ = "note_override_read"
    # coordinators
    URGENT_REFERRAL = "urgent_referral"
    CONSENT_WAITING = "consent_waiting"
    AGREEMENT_REVIEW_DUE = "agreement_review_due"
    # safeguarding leads
    CONCERN_RAISED = "concern_raised"
    CONCERN_OVERDUE = "concern_overdue"
    # parties, when their case closes (emailed with a link that needs no sign-in)
    FEEDBACK_INVITED = "feedback_invited"


class Delivery(Code):
    """What became of a notification's email: sent, not wanted (the person's preferences), kept
    for the daily digest, or not sent because email is not a safe way to reach this party (the
    coordinators phone them instead)."""
    EMAILED = "emailed"
    NOT_WANTED = "not_wanted"
    DIGEST = "digest"
    MUST_NOT_EMAIL = "must_not_email"


# --- feedback, coaching outcomes and equality monitoring ---------------------------------------

PREFER_NOT_TO_SAY = "prefer_not_to_say"


class Satisfaction(Code):
    """A party's satisfaction with the service, on their feedback form (five points)."""
    VERY_SATISFIED = "very_satisfied"
    SATISFIED = "satisfied"
    NEITHER = "neither"
    DISSATISFIED = "dissatisfied"
    VERY_DISSATISFIED = "very_dissatisfied"
    PREFER_NOT_TO_SAY = PREFER_NOT_TO_SAY


class FeedbackHelped(Code):
    """Whether the service helped the party deal with the conflict."""
    YES = "yes"
    PARTLY = "partly"
    NO = "no"
    PREFER_NOT_TO_SAY = PREFER_NOT_TO_SAY


class FeedbackSituation(Code):
    """Whether the party's situation is better now."""
    BETTER = "better"
    SAME = "same"
    WORSE = "worse"
    PREFER_NOT_TO_SAY = PREFER_NOT_TO_SAY


class GoalsMet(Code):
    """A coaching case's outcome, recorded by a coach on it or a coordinator: the party's goals met."""
    FULLY = "fully"
    PARTLY = "partly"
    NOT_MET = "not_met"


class AgeBand(Code):
    """Equality monitoring: age bands as the ONS groups them."""
    UNDER_18 = "under_18"
    AGE_18_24 = "18_24"
    AGE_25_34 = "25_34"
    AGE_35_44 = "35_44"
    AGE_45_54 = "45_54"
    AGE_55_64 = "55_64"
    AGE_65_74 = "65_74"
    AGE_75_PLUS = "75_plus"
    PREFER_NOT_TO_SAY = PREFER_NOT_TO_SAY


class Gender(Code):
    WOMAN = "woman"
    MAN = "man"
    NON_BINARY = "non_binary"
    ANOTHER_WAY = "another_way"
    PREFER_NOT_TO_SAY = PREFER_NOT_TO_SAY


class Ethnicity(Code):
    """The ONS's broad ethnic groups (England and Wales)."""
    ASIAN = "asian"
    BLACK = "black"
    MIXED = "mixed"
    WHITE = "white"
    OTHER = "other"
    PREFER_NOT_TO_SAY = PREFER_NOT_TO_SAY


class Disability(Code):
    """Whether the person considers themselves disabled (the Equality Act's sense)."""
    YES = "yes"
    NO = "no"
    PREFER_NOT_TO_SAY = PREFER_NOT_TO_SAY


class FirstLanguage(Code):
    ENGLISH = "english"
    WELSH = "welsh"
    OTHER = "other"
    PREFER_NOT_TO_SAY = PREFER_NOT_TO_SAY


class EqualitySource(Code):
    """Who gave a party's equality answers: the party in the portal, or staff with their permission."""
    PARTY = "party"
    STAFF_WITH_PERMISSION = "staff_with_permission"


VOCABULARIES: tuple[type[Code], ...] = tuple(Code.__subclasses__())


def init_app(app) -> None:
    """Every vocabulary is a template global, so templates compare against members."""
    app.jinja_env.globals.update({vocabulary.__name__: vocabulary for vocabulary in VOCABULARIES})
