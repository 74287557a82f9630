"""The only place queries deciding what a user sees are built: `<things>_visible_to(user, ...)`.

Each query filters in SQL with the tables `portal.policy` exposes (`note_audiences_for`,
the share states, ...), so that a row a user may not see is never loaded. A property
test (tests/test_policy_queries_agree.py) checks every query against the policy functions on
generated data, for every role.

One module per area (`cases`, `case_list`, `coach_work` (a coach's diary and to-do), `people`,
`notes`, `sessions`, `action_points`, `safeguarding`, `agreements`, `referrals`, `audit`,
`messages`, `work_queue`, `reports`: the service's numbers, aggregates only, `feedback`); the scopes several
of them share (roles, a coach's cases, a user's party records, the columns some users are not
given) are in `_scopes`. `Batch` (in `batch`) sends several of these queries to the database as
one statement, for a page of many lists; it changes how they travel, never what they select;
`PreparedBatch` (in `prepared`) writes a page's batch once per shape and binds each request's
values to it. Callers import the package, `from portal import queries;
queries.notes_visible_to(user, case)`, which names
every public query here.
"""

from portal.models import URGENCY_ORDER
from portal.queries._scopes import (
    CASE_COLUMNS_WITHOUT_FUNDING,
    PARTY_COLUMNS_WITHOUT_FEE,
    PARTY_NAME_COLUMNS,
    get_or_404,
)
from portal.queries.action_points import (
    action_points_visible_to,
    goals_visible_to,
    party_action_points,
    party_action_points_of,
    party_goals,
    party_goals_of,
)
from portal.queries.agreements import (
    agreement_acceptances,
    agreement_acceptances_of,
    agreement_change_requests_visible_to,
    agreement_reviews,
    agreement_versions_visible_to,
    agreements_visible_to,
    newer_version_visible_to,
    party_agreements,
    party_agreements_of,
    previous_version_visible_to,
)
from portal.queries.audit import audit_event_kinds_visible_to, audit_events_visible_to
from portal.queries.batch import Batch
from portal.queries.case_list import (
    CaseListFilters,
    case_list,
    case_list_coach_choices,
    case_list_coaches,
    case_list_funding_schemes,
    case_list_ids,
    case_list_page,
    case_list_parties,
    case_list_rows,
    case_stage_sql,
)
from portal.queries.cases import (
    case_events_visible_to,
    case_facts,
    case_facts_for,
    cases_managed_by,
    cases_visible_to,
    coach_case_list,
    coaching_offers_from,
    current_coaches,
    parent_case_of,
    party_coaches,
)
from portal.queries.coach_work import (
    coach_diary,
    notes_to_write,
    overdue_action_points,
    session_party_names,
    share_consents_waiting,
    unseen_change_requests,
    unseen_comments,
    unseen_consent_answers,
    unseen_share_answers,
)
from portal.queries.feedback import (
    CoachingOutcomeCounts,
    EqualityCounts,
    FeedbackCounts,
    coaching_outcome_counts,
    coaching_outcome_visible_to,
    equality_answers_visible_to,
    equality_counts,
    feedback_comments_visible_to,
    feedback_counts,
    feedback_visible_to,
    own_equality_answers,
    own_equality_answers_of,
    own_feedback_answers_of,
    own_feedback_requests,
    own_feedback_requests_of,
)
from portal.queries.messages import MESSAGE_COLUMNS, messages_visible_to
from portal.queries.notes import (
    FILE_COLUMNS_WITHOUT_NAME,
    files_of_overridden_note,
    files_of_share_requests_for,
    files_shared_with,
    files_shared_with_parties,
    note_authors_visible_to,
    note_files_visible_to,
    note_revisions_visible_to,
    note_shares_visible_to,
    notes_open_to_override,
    notes_shared_with,
    notes_shared_with_parties,
    notes_visible_to,
    override_list,
    override_note_shares,
    override_reads_visible_to,
    share_requests_for,
)
from portal.queries.notifications import (
    notifications_visible_to,
    phone_instead,
    sign_in_sessions_visible_to,
    signed_in_user,
)
from portal.queries.people import (
    consent_history_of,
    consent_history_visible_to,
    own_party_records,
    own_party_records_of,
    parties_with_contact_visible_to,
    users_visible_to,
)
from portal.queries.prepared import PreparedBatch
from portal.queries.referrals import referral_queue, referrals_visible_to
from portal.queries.reports import (
    Figures,
    ReportScope,
    agreements_made_and_reviewed,
    case_outcomes,
    cases_by_funding,
    cases_by_kind,
    coaching_allowance_use,
    coaching_outcomes,
    concerns_by_category,
    equality_age_band,
    equality_disability,
    equality_ethnicity,
    equality_first_language,
    equality_gender,
    feedback_helped,
    feedback_invited_and_answered,
    feedback_satisfaction,
    feedback_situation,
    referrals_by_agency_kind,
    referrals_by_dispute_type,
    referrals_by_source,
    referrals_by_urgency,
    sessions_by_kind,
    sessions_by_mode,
    volunteer_minutes,
    waiting_times,
)
from portal.queries.retention import (
    cases_due_for_anonymising,
    cases_past_retention,
    concerns_naming,
    erasure_requests_visible_to,
    exportable_party_records,
    referrals_due_for_anonymising,
    referrals_past_retention,
    staff_notes_naming,
    subject_account,
    subject_parties,
)
from portal.queries.safeguarding import (
    CONCERN_STATUS_FILTERS,
    concern_dashboard,
    concern_events_visible_to,
    concern_raisers,
    concerns_on_case,
    concerns_visible_to,
    concerns_with_undelivered_email,
    open_concern_count_for,
)
from portal.queries.sessions import (
    allowance_sessions,
    allowance_used,
    coach_names_by_session,
    coach_sessions,
    open_session_requests,
    own_session_requests,
    own_session_requests_of,
    own_session_seats,
    own_session_seats_of,
    own_sessions,
    party_sessions,
    party_sessions_of,
    session_coach_names,
    session_coaches_of,
    session_requests_visible_to,
    session_seats,
    sessions_under_way,
    sessions_visible_to,
)
from portal.queries.work_queue import (
    REVIEWS_AHEAD_DAYS,
    QueueRules,
    action_points_overdue,
    cases_without_coach,
    concerns_unacknowledged,
    consent_waiting,
    parties_to_phone,
    promise_broken_before,
    proposals_waiting,
    quiet_cases,
    referrals_overdue,
    reviews_due,
    sessions_unrecorded,
)

__all__ = [
    # shared
    "CASE_COLUMNS_WITHOUT_FUNDING", "PARTY_COLUMNS_WITHOUT_FEE", "PARTY_NAME_COLUMNS", "get_or_404",
    # several queries in one statement, its text made once per shape
    "Batch", "PreparedBatch",
    # cases
    "case_events_visible_to", "case_facts", "case_facts_for", "cases_managed_by", "cases_visible_to",
    "coach_case_list", "coaching_offers_from", "current_coaches", "parent_case_of", "party_coaches",
    # the case list
    "CaseListFilters", "case_list", "case_list_coach_choices", "case_list_coaches",
    "case_list_funding_schemes", "case_list_ids", "case_list_page", "case_list_parties", "case_list_rows",
    "case_stage_sql",
    # a coach's diary and to-do
    "coach_diary", "notes_to_write", "overdue_action_points", "session_party_names",
    "share_consents_waiting", "unseen_change_requests", "unseen_comments", "unseen_consent_answers",
    "unseen_share_answers",
    # people
    "consent_history_of", "consent_history_visible_to", "own_party_records",
    "own_party_records_of", "parties_with_contact_visible_to",
    "users_visible_to",
    # notes
    "FILE_COLUMNS_WITHOUT_NAME", "files_of_overridden_note", "files_of_share_requests_for",
    "files_shared_with", "files_shared_with_parties", "note_authors_visible_to", "note_files_visible_to",
    "note_revisions_visible_to",
    "note_shares_visible_to", "notes_open_to_override", "notes_shared_with", "notes_shared_with_parties",
    "notes_visible_to",
    "override_list", "override_note_shares", "override_reads_visible_to", "share_requests_for",
    # sessions
    "allowance_sessions", "allowance_used", "sessions_under_way", "coach_names_by_session", "coach_sessions",
    "own_sessions", "party_sessions", "party_sessions_of", "own_session_requests_of",
    "own_session_seats_of", "session_coach_names", "session_coaches_of", "session_seats",
    "sessions_visible_to", "open_session_requests", "own_session_requests", "own_session_seats",
    "session_requests_visible_to",
    # action points and goals
    "action_points_visible_to", "goals_visible_to", "party_action_points", "party_action_points_of", "party_goals",
    "party_goals_of",
    # safeguarding
    "CONCERN_STATUS_FILTERS", "concern_dashboard", "concern_events_visible_to", "concern_raisers",
    "concerns_on_case", "concerns_visible_to", "open_concern_count_for", "concerns_with_undelivered_email",
    # agreements
    "agreement_acceptances", "agreement_acceptances_of", "agreement_change_requests_visible_to", "agreement_reviews",
    "agreement_versions_visible_to", "agreements_visible_to", "newer_version_visible_to",
    "party_agreements", "party_agreements_of", "previous_version_visible_to",
    # notifications
    "notifications_visible_to", "phone_instead", "sign_in_sessions_visible_to", "signed_in_user",
    # data rights: exports, retention, erasure
    "cases_due_for_anonymising", "cases_past_retention", "concerns_naming", "erasure_requests_visible_to",
    "exportable_party_records", "referrals_due_for_anonymising", "referrals_past_retention", "staff_notes_naming",
    "subject_account", "subject_parties",
    # referrals
    "URGENCY_ORDER", "referral_queue", "referrals_visible_to",
    # audit
    "audit_event_kinds_visible_to", "audit_events_visible_to", "MESSAGE_COLUMNS", "messages_visible_to",
    "audit_event_kinds_visible_to", "audit_events_visible_to",
    # feedback, coaching outcomes and equality monitoring (and the reports' counts of them)
    "CoachingOutcomeCounts", "EqualityCounts", "FeedbackCounts", "coaching_outcome_counts",
    "coaching_outcome_visible_to", "equality_answers_visible_to", "equality_counts",
    "feedback_comments_visible_to", "feedback_counts", "feedback_visible_to", "own_equality_answers",
    "own_equality_answers_of", "own_feedback_answers_of", "own_feedback_requests", "own_feedback_requests_of",
    # the coordinator's work queue
    "REVIEWS_AHEAD_DAYS", "QueueRules", "action_points_overdue", "cases_without_coach",
    "concerns_unacknowledged", "consent_waiting", "parties_to_phone", "promise_broken_before", "proposals_waiting",
    "quiet_cases", "referrals_overdue", "reviews_due", "sessions_unrecorded",
    # reports for funders and trustees (aggregates over every case: `policy.can_view_reports`)
    "Figures", "ReportScope", "agreements_made_and_reviewed", "case_outcomes", "cases_by_funding", "cases_by_kind",
    "coaching_allowance_use", "concerns_by_category", "referrals_by_agency_kind",
    "referrals_by_dispute_type", "referrals_by_source", "referrals_by_urgency", "sessions_by_kind",
    "sessions_by_mode", "volunteer_minutes", "waiting_times", "feedback_invited_and_answered",
    "feedback_satisfaction", "feedback_helped", "feedback_situation", "coaching_outcomes", "equality_age_band",
    "equality_gender", "equality_ethnicity", "equality_disability", "equality_first_language",
]
