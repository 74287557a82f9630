"""Plain-English words for the codes stored in the database, for pages and emails.

Every key is a member of a `portal.vocab` vocabulary, so a renamed or retired code cannot keep
words of its own by mistake. Most codes mean one thing everywhere; the few that mean different
things in different places (`phone` as a way consent was given, or as a contact route that is
not safe) have a group.
"""

from portal.vocab import (
    AgeBand,
    AgreementStanding,
    AgreementState,
    Audience,
    CancelledBy,
    CaseKind,
    CaseOutcome,
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
    EqualitySource,
    ErasureState,
    Ethnicity,
    FeedbackHelped,
    FeedbackSituation,
    FirstLanguage,
    Funding,
    FutureSessions,
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
    SessionKind,
    SessionMode,
    SessionRequestKind,
    SessionStatus,
    ShareConsentMethod,
    ShareState,
    Stage,
    UnsafeRoute,
    Urgency,
)

LABELS: dict[str, str] = {
    Role.PARTY: "Party", Role.COACH: "Coach", Role.COORDINATOR: "Coordinator",
    # cases
    CaseKind.MEDIATION: "Mediation", CaseKind.COACHING: "One-to-one coaching",
    CaseStatus.OPEN: "Open", CaseStatus.CLOSED: "Closed",
    Stage.WAITING_FOR_CONSENT: "Waiting for consent", Stage.WAITING_FOR_COACH: "Waiting for a coach",
    Stage.READY_TO_BOOK: "Ready to book", Stage.IN_PROGRESS: "In progress",
    Stage.AGREEMENT_PROPOSED: "Agreement proposed", Stage.AGREEMENT_FINAL: "Agreement final",
    Funding.FUNDED: "Funded", Funding.SELF_FUNDED: "Self-funded",
    # consent (the dispute types, agency kinds, referral sources and case outcomes are the
    # service's own lists: `portal.service_lists`)
    ConsentState.PENDING: "Consent not yet recorded", ConsentState.GIVEN: "Consent given",
    ConsentState.DECLINED: "Declined", ConsentState.WITHDRAWN: "Withdrawn",
    # sessions
    SessionKind.PRE_MEDIATION: "Pre-mediation meeting", SessionKind.JOINT_MEDIATION: "Joint mediation",
    SessionKind.POST_MEDIATION_COACHING: "Post-mediation coaching",
    SessionMode.FACE_TO_FACE: "Face to face", SessionMode.ONLINE: "Online",
    SessionMode.TELEPHONE: "Telephone", SessionMode.HOME_VISIT: "Home visit",
    SessionMode.COMMUNITY_VENUE: "Community venue",
    SessionStatus.SCHEDULED: "Scheduled", SessionStatus.HELD: "Held",
    SessionStatus.DID_NOT_ATTEND: "Party did not attend", SessionStatus.CANCELLED: "Cancelled",
    # referrals (a declined referral reads as declined consent does)
    ReferralStatus.NEW: "New", ReferralStatus.ACCEPTED: "Accepted",
    Urgency.ROUTINE: "Routine", Urgency.SOON: "Soon", Urgency.URGENT: "Urgent",
    # safeguarding concerns: categories, levels and outcomes
    ConcernCategory.RISK_TO_SELF: "Risk to self", ConcernCategory.RISK_TO_OTHERS: "Risk to others",
    ConcernCategory.CHILD_PROTECTION: "Child protection",
    ConcernCategory.DOMESTIC_ABUSE: "Domestic abuse", ConcernCategory.ADULT_AT_RISK: "Adult at risk",
    ConcernCategory.OTHER: "Other",
    ConcernLevel.IMMEDIATE: "Immediate", ConcernLevel.HIGH: "High", ConcernLevel.MEDIUM: "Medium",
    ConcernLevel.LOW: "Low",
    ConcernOutcome.REFERRED_TO_AGENCY: "Referred to an agency",
    ConcernOutcome.ADVICE_GIVEN: "Advice given", ConcernOutcome.NO_FURTHER_ACTION: "No further action",
    # note audiences
    Audience.PRIVATE: "Private (only you)", Audience.CASE_TEAM: "Case team (coaches on this case)",
    Audience.STAFF: "Staff (coaches on this case and coordinators)",
    Audience.PARTIES: "Shared with named parties",
    # goals
    GoalKind.GOAL: "Goal", GoalKind.DESIRED_OUTCOME: "Desired outcome",
}

GROUPS: dict[str, dict[str, str]] = {
    # A kind of message, as its list and the preferences page name it.
    "notification": {
        NotificationKind.SESSION_BOOKED: "A session is booked",
        NotificationKind.SESSION_MOVED: "A session is moved",
        NotificationKind.SESSION_CANCELLED: "A session is cancelled",
        NotificationKind.SESSION_TOMORROW: "Reminder: a session tomorrow",
        NotificationKind.ACTION_POINT_SET: "A new action point",
        NotificationKind.ACTION_POINT_DUE_SOON: "Reminder: an action point due in two days",
        NotificationKind.ACTION_POINT_OVERDUE: "An action point is overdue",
        NotificationKind.SHARE_QUESTION_WAITING: "Reminder: a question about sharing is waiting",
        NotificationKind.SHARE_QUESTION_ASKED: "A question about sharing",
        NotificationKind.NOTE_SHARED: "Something new is shared with you",
        NotificationKind.AGREEMENT_PROPOSED: "An agreement is ready to read",
        NotificationKind.AGREEMENT_WAITING: "Reminder: an agreement is waiting for you",
        NotificationKind.AGREEMENT_FINAL: "An agreement is final",
        NotificationKind.CASE_CLOSED: "Your case has ended",
        NotificationKind.COACHING_OFFERED: "Post-mediation coaching is offered",
        NotificationKind.REFERRAL_RECEIVED: "A referral is received",
        NotificationKind.COACH_ALLOCATED: "You are allocated to a case",
        NotificationKind.COACH_REMOVED: "You are taken off a case",
        NotificationKind.PARTY_ANSWERED_SHARE: "A party answered about sharing",
        NotificationKind.PARTY_COMMENTED: "A party commented on an action point",
        NotificationKind.SESSION_REQUEST: "A party asked about a session",
        NotificationKind.AGREEMENT_ACCEPTED: "A party accepted an agreement",
        NotificationKind.AGREEMENT_CHANGE_ASKED: "A party asked for a change to an agreement",
        NotificationKind.SESSIONS_TODAY: "Your sessions today",
        NotificationKind.SESSION_NOTE_MISSING: "A held session has no note",
        NotificationKind.NOTE_OVERRIDE_READ: "A note you wrote was opened under the safeguarding procedure",
        NotificationKind.URGENT_REFERRAL: "A new urgent referral",
        NotificationKind.CONSENT_WAITING: "Consent has waited too long",
        NotificationKind.AGREEMENT_REVIEW_DUE: "An agreement review is due",
        NotificationKind.CONCERN_RAISED: "A safeguarding concern is raised",
        NotificationKind.CONCERN_OVERDUE: "A safeguarding concern is overdue",
        NotificationKind.FEEDBACK_INVITED: "Tell us how it went",
    },
    "delivery": {Delivery.EMAILED: "Emailed", Delivery.NOT_WANTED: "Not emailed (your choice)",
                 Delivery.DIGEST: "In the daily digest",
                 Delivery.MUST_NOT_EMAIL: "Not emailed: email is not safe for them"},
    "unsafe_route": {UnsafeRoute.PHONE: "Do not phone", UnsafeRoute.TEXT: "Do not send text messages",
                     UnsafeRoute.EMAIL: "Do not email", UnsafeRoute.POST: "Do not write to the home address"},
    "consent_method": {ConsentMethod.PHONE: "By phone", ConsentMethod.IN_PERSON: "In person",
                       ConsentMethod.EMAIL: "By email", ConsentMethod.ONLINE: "Online, in the portal"},
    # A session's kind: "coaching" alone would read as the case kind ("One-to-one coaching").
    "session_kind": {SessionKind.PRE_MEDIATION: "Pre-mediation meeting",
                     SessionKind.JOINT_MEDIATION: "Joint mediation",
                     SessionKind.COACHING: "Coaching session",
                     SessionKind.POST_MEDIATION_COACHING: "Post-mediation coaching"},
    # A party's request about a session, as staff read it; the party's own words are on the form.
    "session_request": {SessionRequestKind.CANNOT_COME: "Cannot come",
                        SessionRequestKind.REARRANGE: "Wants to rearrange"},
    # The same, as the party who asked reads it.
    "my_session_request": {SessionRequestKind.CANNOT_COME: "you cannot come",
                           SessionRequestKind.REARRANGE: "you would like to move it"},
    "cancelled_by": {CancelledBy.PARTY: "by a party", CancelledBy.COACH: "by the coach",
                     CancelledBy.SERVICE: "by the service"},
    # How a source party answered a request to share their words with another party.
    "note_consent": {ShareConsentMethod.PORTAL: "in the portal", ShareConsentMethod.IN_PERSON: "in person",
                     ShareConsentMethod.PHONE: "by phone"},
    # A concern's state: "open" alone would hide that nobody has acknowledged it yet.
    "concern_state": {ConcernState.OPEN: "Not yet acknowledged", ConcernState.ACKNOWLEDGED: "Acknowledged",
                      ConcernState.CLOSED: "Closed"},
    "concern_event": {ConcernEventKind.RAISED: "Raised", ConcernEventKind.ACKNOWLEDGED: "Acknowledged",
                      ConcernEventKind.ACTION: "Action", ConcernEventKind.ADDENDUM: "Addendum",
                      ConcernEventKind.CLOSED: "Closed", ConcernEventKind.REOPENED: "Reopened"},
    # Where an agreement stands for a party, on their home page (policy.agreement_standing).
    "agreement_standing": {AgreementStanding.YOUR_ANSWER: "waiting for your answer",
                           AgreementStanding.ACCEPTED: "you have accepted it; waiting for another party's answer",
                           AgreementStanding.PROPOSED: "proposed", AgreementStanding.FINAL: "final",
                           AgreementStanding.SUPERSEDED: "replaced by a later version"},
    # A party's own consent to take part, told to them in the first person.
    "my_consent": {ConsentState.GIVEN: "You have agreed to take part.",
                   ConsentState.WITHDRAWN: "You have withdrawn.",
                   ConsentState.DECLINED: "You said you did not want to take part.",
                   ConsentState.PENDING: "You have not told us yet whether you want to take part."},
    # How a party's own session is held, told to them (a place is added for the place modes).
    "my_session_mode": {SessionMode.ONLINE: "Online", SessionMode.TELEPHONE: "By telephone",
                        SessionMode.HOME_VISIT: "A home visit", SessionMode.FACE_TO_FACE: "Face to face",
                        SessionMode.COMMUNITY_VENUE: "Community venue"},
    # A party who has not accepted an agreement, by the agreement's state.
    "not_accepted": {AgreementState.DRAFT: "will be asked once it is proposed.",
                     AgreementState.PROPOSED: "has not accepted yet.",
                     AgreementState.FINAL: "did not accept this version.",
                     AgreementState.SUPERSEDED: "did not accept this version."},
    # How a final agreement's review found its terms.
    "review_outcome": {ReviewOutcome.KEPT: "Kept", ReviewOutcome.PARTLY_KEPT: "Partly kept",
                       ReviewOutcome.NOT_KEPT: "Not kept",
                       ReviewOutcome.CHANGED: "Changed since (the parties agreed something different)"},
    # Closing a case with sessions still ahead.
    "future_sessions": {FutureSessions.CANCEL: "Cancel them: the parties are told they need not come",
                        FutureSessions.KEEP: "Keep them (a review meeting, for example): they go ahead as planned"},
    # A party's own answer about taking part, on their coach's home page ("Alex agreed to ...").
    "party_consent_answer": {ConsentState.GIVEN: "agreed to take part",
                             ConsentState.DECLINED: "said they do not want to take part",
                             ConsentState.WITHDRAWN: "withdrew from taking part",
                             ConsentState.PENDING: "changed their answer about taking part"},
    # The same, where it answers post-mediation coaching offered to them.
    "party_offer_answer": {ConsentState.GIVEN: "said yes to post-mediation coaching",
                           ConsentState.DECLINED: "said no to post-mediation coaching",
                           ConsentState.WITHDRAWN: "withdrew from post-mediation coaching",
                           ConsentState.PENDING: "changed their answer about post-mediation coaching"},
    # A source party's answer to sharing the coach's note of their words.
    "share_answer": {ShareState.GIVEN: "agreed to share your note",
                     ShareState.REFUSED: "said no to sharing your note",
                     ShareState.WITHDRAWN: "withdrew their consent to share your note",
                     ShareState.WAITING: "has not answered about your note yet",
                     ShareState.NOT_NEEDED: "needs no consent for your note"},
    # A party's answer to post-mediation coaching, as staff read it.
    "coaching_offer": {CoachingOfferAnswer.WAITING: "Offered; waiting for their answer",
                       CoachingOfferAnswer.ACCEPTED: "Accepted the offer",
                       CoachingOfferAnswer.DECLINED: "Declined the offer"},
    # How a party's case ended, told to them in plain words.
    "my_outcome": {CaseOutcome.RESOLVED: "It ended with the matter resolved.",
                   CaseOutcome.PARTLY_RESOLVED: "It ended with the matter partly resolved.",
                   CaseOutcome.NOT_RESOLVED: "It ended without the matter being resolved.",
                   CaseOutcome.WITHDRAWN: "It ended because it was withdrawn.",
                   CaseOutcome.NOT_SUITABLE: "It ended because it was not the right way to help "
                                             "with this matter."},
    # A person's request that their data be erased (the retention page).
    "erasure_state": {ErasureState.RECORDED: "Recorded, not carried out",
                      ErasureState.CARRIED_OUT: "Carried out"},
    # An email in the outbox, on the administrators' Messages page ("sent" alone could mean
    # handed to the queue; it means the mail server accepted it).
    "message_state": {MessageState.WAITING: "Waiting", MessageState.SENT: "Delivered",
                      MessageState.FAILED: "Failed"},
    "message_kind": {MessageKind.INVITATION: "Invitation", MessageKind.PASSWORD_RESET: "Password reset",
                     MessageKind.SIGN_IN_LINK: "Sign-in link",
                     MessageKind.SECOND_FACTOR_RESET: "Two-factor sign-in reset",
                     MessageKind.SAFEGUARDING_CONCERN: "Safeguarding concern",
                     MessageKind.CASE_CLOSED: "Case closed", MessageKind.AGREEMENT: "Agreement",
                     MessageKind.NOTE: "Note", MessageKind.NOTIFICATION: "Notification",
                     MessageKind.OTHER: "Other"},
    # A party's feedback when their case has closed.
    "satisfaction": {Satisfaction.VERY_SATISFIED: "Very satisfied", Satisfaction.SATISFIED: "Satisfied",
                     Satisfaction.NEITHER: "Neither satisfied nor dissatisfied",
                     Satisfaction.DISSATISFIED: "Dissatisfied", Satisfaction.VERY_DISSATISFIED: "Very dissatisfied",
                     Satisfaction.PREFER_NOT_TO_SAY: "Prefer not to say"},
    "feedback_helped": {FeedbackHelped.YES: "Yes", FeedbackHelped.PARTLY: "Partly", FeedbackHelped.NO: "No",
                        FeedbackHelped.PREFER_NOT_TO_SAY: "Prefer not to say"},
    "feedback_situation": {FeedbackSituation.BETTER: "Better", FeedbackSituation.SAME: "About the same",
                           FeedbackSituation.WORSE: "Worse", FeedbackSituation.PREFER_NOT_TO_SAY: "Prefer not to say"},
    # A coaching case's outcome.
    "goals_met": {GoalsMet.FULLY: "Goals met fully", GoalsMet.PARTLY: "Goals met partly",
                  GoalsMet.NOT_MET: "Goals not met"},
    # Equality monitoring (voluntary; every question has "prefer not to say").
    "age_band": {AgeBand.UNDER_18: "Under 18", AgeBand.AGE_18_24: "18 to 24", AgeBand.AGE_25_34: "25 to 34",
                 AgeBand.AGE_35_44: "35 to 44", AgeBand.AGE_45_54: "45 to 54", AgeBand.AGE_55_64: "55 to 64",
                 AgeBand.AGE_65_74: "65 to 74", AgeBand.AGE_75_PLUS: "75 or over",
                 AgeBand.PREFER_NOT_TO_SAY: "Prefer not to say"},
    "gender": {Gender.WOMAN: "Woman", Gender.MAN: "Man", Gender.NON_BINARY: "Non-binary",
               Gender.ANOTHER_WAY: "In another way", Gender.PREFER_NOT_TO_SAY: "Prefer not to say"},
    "ethnicity": {Ethnicity.ASIAN: "Asian, Asian British or Asian Welsh",
                  Ethnicity.BLACK: "Black, Black British, Black Welsh, Caribbean or African",
                  Ethnicity.MIXED: "Mixed or multiple ethnic groups", Ethnicity.WHITE: "White",
                  Ethnicity.OTHER: "Another ethnic group", Ethnicity.PREFER_NOT_TO_SAY: "Prefer not to say"},
    "disability": {Disability.YES: "Yes", Disability.NO: "No", Disability.PREFER_NOT_TO_SAY: "Prefer not to say"},
    "first_language": {FirstLanguage.ENGLISH: "English", FirstLanguage.WELSH: "Welsh",
                       FirstLanguage.OTHER: "Another language", FirstLanguage.PREFER_NOT_TO_SAY: "Prefer not to say"},
    "equality_source": {EqualitySource.PARTY: "Given by the party in the portal",
                        EqualitySource.STAFF_WITH_PERMISSION: "Recorded by staff with the party's permission"},
}


def label(code: str | None, group: str | None = None) -> str:
    """The words for a code; an unknown code is shown as it is rather than hidden. A group that
    is a `ServiceList` reads the service's own list (`portal.service_lists`: a retired entry's
    words too), as `case.outcome|label(ServiceList.CASE_OUTCOME)`."""
    if code is None:
        return ""
    if group is not None and ServiceList.has(group):
        from portal import service_lists  # it reads the database, which labels need not
        return service_lists.label(ServiceList(group), code)
    words = GROUPS[group] if group else LABELS
    return words.get(code, str(code).replace("_", " ").capitalize())


def init_app(app) -> None:
    app.add_template_filter(label, "label")
