"""Plain-English words for the codes stored in the database, for pages and emails.

Most codes mean one thing everywhere; the few that mean different things in different places
(`phone` as a way consent was given, or as a contact route that is not safe) have a group.
"""

from portal import policy

LABELS = {
    # roles
    "party": "Party", "coach": "Coach", "coordinator": "Coordinator",
    # case kinds and states
    "mediation": "Mediation", "coaching": "One-to-one coaching", "open": "Open", "closed": "Closed",
    "neighbour": "Neighbour", "workplace": "Workplace", "family": "Family", "other": "Other",
    "funded": "Funded", "self_funded": "Self-funded",
    "resolved": "Resolved", "partly_resolved": "Partly resolved", "not_resolved": "Not resolved",
    "not_suitable": "Not suitable",
    # consent
    "pending": "Consent not yet recorded", "given": "Consent given", "declined": "Declined",
    "withdrawn": "Withdrawn",
    # sessions
    "pre_mediation": "Pre-mediation meeting", "joint_mediation": "Joint mediation",
    "post_mediation_coaching": "Post-mediation coaching",
    "face_to_face": "Face to face", "online": "Online", "telephone": "Telephone",
    "home_visit": "Home visit", "community_venue": "Community venue",
    "scheduled": "Scheduled", "held": "Held", "did_not_attend": "Party did not attend",
    "cancelled": "Cancelled",
    # referrals
    "new": "New", "accepted": "Accepted", "routine": "Routine", "soon": "Soon", "urgent": "Urgent",
    "housing": "Housing provider", "employer": "Employer", "police": "Police",
    "health": "GP or health service", "social_care": "Social care", "school": "School or college",
    "council": "Local council",
    # safeguarding concerns: categories, levels and outcomes
    "risk_to_self": "Risk to self", "risk_to_others": "Risk to others",
    "child_protection": "Child protection", "domestic_abuse": "Domestic abuse",
    "adult_at_risk": "Adult at risk",
    "immediate": "Immediate", "high": "High", "medium": "Medium", "low": "Low",
    "referred_to_agency": "Referred to an agency", "advice_given": "Advice given",
    "no_further_action": "No further action",
    **policy.AUDIENCE_LABELS,
}

GROUPS = {
    "unsafe_route": {"phone": "Do not phone", "text": "Do not send text messages",
                     "email": "Do not email", "post": "Do not write to the home address"},
    "consent_method": {"phone": "By phone", "in_person": "In person", "email": "By email",
                       "online": "Online, in the portal"},
    # A session's kind: "coaching" alone would read as the case kind ("One-to-one coaching").
    "session_kind": {"pre_mediation": "Pre-mediation meeting", "joint_mediation": "Joint mediation",
                     "coaching": "Coaching session",
                     "post_mediation_coaching": "Post-mediation coaching"},
    "cancelled_by": {"party": "by a party", "coach": "by the coach", "service": "by the service"},
    # How a source party answered a request to share their words with another party.
    "note_consent": {"portal": "in the portal", "in_person": "in person", "phone": "by phone"},
    # A concern's state: "open" alone would hide that nobody has acknowledged it yet.
    "concern_state": {"open": "Not yet acknowledged", "acknowledged": "Acknowledged",
                      "closed": "Closed"},
    "concern_event": {"raised": "Raised", "acknowledged": "Acknowledged", "action": "Action",
                      "addendum": "Addendum", "closed": "Closed", "reopened": "Reopened"},
    # Where an agreement stands for a party, on their home page (policy.agreement_standing).
    "agreement_standing": {"your_answer": "waiting for your answer",
                           "accepted": "you have accepted it; waiting for another party's answer",
                           "proposed": "proposed", "final": "final",
                           "superseded": "replaced by a later version"},
    # A party's own consent to take part, told to them in the first person.
    "my_consent": {"given": "You have agreed to take part.",
                   "withdrawn": "You have withdrawn.",
                   "declined": "You said you did not want to take part.",
                   "pending": "You have not told us yet whether you want to take part."},
    # How a party's own session is held, told to them (a place is added for the place modes).
    "my_session_mode": {"online": "Online", "telephone": "By telephone",
                        "home_visit": "A home visit", "face_to_face": "Face to face",
                        "community_venue": "Community venue"},
    # A party who has not accepted an agreement, by the agreement's state.
    "not_accepted": {"draft": "will be asked once it is proposed.",
                     "proposed": "has not accepted yet.",
                     "final": "did not accept this version.",
                     "superseded": "did not accept this version."},
}


def label(code, group=None):
    """The words for a code; an unknown code is shown as it is rather than hidden."""
    if code is None:
        return ""
    words = GROUPS[group] if group else LABELS
    return words.get(code, str(code).replace("_", " ").capitalize())


def init_app(app):
    app.add_template_filter(label, "label")
