"""Plain-English words for the codes stored in the database, for pages and emails."""

from portal import policy

LABELS = {
    # roles
    "party": "Party", "coach": "Coach", "coordinator": "Coordinator",
    # case kinds and states
    "mediation": "Mediation", "coaching": "One-to-one coaching", "open": "Open", "closed": "Closed",
    "neighbour": "Neighbour", "workplace": "Workplace", "family": "Family", "other": "Other",
    "funded": "Funded", "self_funded": "Self-funded",
    # consent
    "pending": "Not yet asked", "given": "Consent given", "declined": "Declined",
    "withdrawn": "Withdrawn",
    # sessions
    "pre_mediation": "Pre-mediation meeting", "joint_mediation": "Joint mediation",
    "post_mediation_coaching": "Post-mediation coaching",
    "face_to_face": "Face to face", "online": "Online", "telephone": "Telephone",
    "home_visit": "Home visit", "community_venue": "Community venue",
    "scheduled": "Scheduled", "held": "Held", "did_not_attend": "Party did not attend",
    "cancelled": "Cancelled",
    **policy.AUDIENCE_LABELS,
}


def label(code):
    """The words for a code; an unknown code is shown as it is rather than hidden."""
    if code is None:
        return ""
    return LABELS.get(code, str(code).replace("_", " ").capitalize())


def init_app(app):
    app.add_template_filter(label, "label")
