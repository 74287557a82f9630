"""Forms on the case page (consent, coaches, funding, fees, closing and reopening) and the case
list's search and filters."""

from decimal import Decimal

from flask_wtf import FlaskForm
from wtforms import BooleanField, DecimalField, RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from portal import labels, service_lists
from portal.forms import DATE_EXAMPLE, QuickSelect, box_value, choices, uk_date
from portal.times import local_today
from portal.vocab import CaseKind, ConsentMethod, ConsentState, Funding, FutureSessions, GoalsMet, ServiceList, Stage

CONSENT_METHODS = [(method, labels.label(method, "consent_method")) for method in ConsentMethod]
CONSENT_STATES = [(ConsentState.GIVEN, "Consent given"), (ConsentState.DECLINED, "Declined to take part"),
                  (ConsentState.WITHDRAWN, "Withdrawn consent")]


class ConsentForm(FlaskForm):
    state = RadioField("What did they say?", choices=choices(CONSENT_STATES),
                       validators=[DataRequired("Choose what the person said.")])
    occurred_on = uk_date("Date", default=local_today,
                            validators=[DataRequired(f"Enter the date, for example {DATE_EXAMPLE}.")])
    method = RadioField("How was it given?", choices=choices(CONSENT_METHODS), validate_choice=False,
                        description="Needed when consent is given.")
    reason = TextAreaField("Reason (optional)", validators=[Optional(), Length(max=1000)])
    submit = SubmitField("Record consent")

    def __init__(self, *args, allowed_states=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.state.choices = choices([(state, words) for state, words in CONSENT_STATES if state in allowed_states])

    def validate_occurred_on(self, field):
        if field.data and field.data > local_today():
            raise ValidationError("The date cannot be in the future.")

    def validate_method(self, field):
        known = {code for code, _ in CONSENT_METHODS}
        if self.state.data == ConsentState.GIVEN and field.data not in known:
            raise ValidationError("Say how consent was given.")


class OwnConsentForm(FlaskForm):
    """A party answering for themselves, in the portal."""
    reason = TextAreaField("If you want to, tell us why (optional)",
                           validators=[Optional(), Length(max=1000)])
    submit = SubmitField("Confirm")


class AllocationForm(FlaskForm):
    coach = SelectField("Coach", validate_choice=False)
    second_coach = SelectField("Second coach (optional)", validate_choice=False)
    submit = SubmitField("Allocate")

    def __init__(self, *args, coaches=(), **kwargs):
        super().__init__(*args, **kwargs)
        self._coaches = {str(c.id): c for c in coaches}
        options = [(str(c.id), c.name) for c in coaches]
        self.coach.choices = choices([("", "Choose a coach")] + options)
        self.second_coach.choices = choices([("", "No second coach")] + options)

    def validate_coach(self, field):
        if field.data not in self._coaches:
            raise ValidationError("Choose an active coach.")

    def validate_second_coach(self, field):
        if field.data and field.data not in self._coaches:
            raise ValidationError("Choose an active coach, or no second coach.")
        if field.data and field.data == self.coach.data:
            raise ValidationError("Choose two different coaches, or no second coach.")

    def chosen(self):
        return [self._coaches[v] for v in (self.coach.data, self.second_coach.data) if v]


class FundingForm(FlaskForm):
    funding = RadioField("Funding", choices=choices([(Funding.FUNDED, "Funded by a scheme"),
                                                     (Funding.SELF_FUNDED, "Self-funded")]),
                         validators=[DataRequired("Choose how the case is funded.")])
    scheme = SelectField("Scheme", validate_choice=False)
    submit = SubmitField("Save funding")

    def __init__(self, *args, current=None, **kwargs):
        """The funding schemes' active entries, and `current`, the case's own, even if retired."""
        super().__init__(*args, **kwargs)
        offered = service_lists.choices(ServiceList.FUNDING_SCHEME, current)
        self._schemes = {code for code, _ in offered}
        self.scheme.choices = choices([("", "Choose a scheme")] + offered)

    def validate_scheme(self, field):
        if self.funding.data == Funding.FUNDED and field.data not in self._schemes:
            raise ValidationError("Choose the scheme that funds this case.")


class DetailsForm(FlaskForm):
    """What the case is about and where it is run from: entries of the service's lists (a
    retired one stays on offer for the case that has it)."""
    dispute_type = SelectField("Dispute type", validators=[DataRequired("Choose the dispute type.")])
    office = SelectField("Office", validators=[Optional()],
                         description="Where the case is run from.")
    submit = SubmitField("Save details")

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        self.dispute_type.choices = choices(service_lists.choices(ServiceList.DISPUTE_TYPE, case.dispute_type))
        self.office.choices = choices([("", "No office chosen")]
                                      + service_lists.choices(ServiceList.OFFICE, case.office))


class FeeForm(FlaskForm):
    fee = DecimalField("Fee quoted (£)", places=2,
                       validators=[InputRequired("Enter the fee, for example 45.00."),
                                   NumberRange(min=Decimal("0"), max=Decimal("10000"),
                                               message="Enter a fee between £0 and £10,000.")])
    paid = BooleanField("Paid")
    submit = SubmitField("Save fee")


class EmailDetailsForm(FlaskForm):
    no_details = BooleanField("No details by email", validators=[box_value],
                              description="Their session emails then only say that a session was booked, moved "
                                          "or cancelled, with no date, time or place and no calendar file.")
    submit = SubmitField("Save")


class CloseForm(FlaskForm):
    outcome = RadioField("Outcome", validators=[DataRequired("Choose the outcome.")])
    closing_note = TextAreaField("Closing note", validators=[
        DataRequired("Write a short closing note."), Length(max=5000)])
    future_sessions = RadioField("Sessions still to come", choices=choices(
        [(choice.value, labels.label(choice, "future_sessions")) for choice in FutureSessions]),
        validators=[DataRequired("Choose what happens to the sessions still to come.")])
    # A coaching case's outcome may be recorded as it closes (or later, on the case page).
    goals_met = RadioField("Coaching outcome (optional): were the party's goals met?", validators=[Optional()],
                           choices=choices([(code, labels.label(code, "goals_met")) for code in GoalsMet]),
                           description="You can also record or change this on the case page later.")
    submit = SubmitField("Close case")

    def __init__(self, *args, future_sessions=0, coaching=False, **kwargs):
        """`future_sessions`: how many sessions are booked after now; with none, nothing to ask.
        The outcomes are the service's list's active entries. `coaching`: a coaching case, whose
        outcome may be recorded with it."""
        super().__init__(*args, **kwargs)
        self.outcome.choices = choices(service_lists.choices(ServiceList.CASE_OUTCOME))
        if not coaching:
            del self.goals_met
        if future_sessions:
            one = future_sessions == 1
            self.future_sessions.description = (
                f"{future_sessions} session{'' if one else 's'} {'is' if one else 'are'} still "
                "booked. The parties are told by email either way.")
        else:
            del self.future_sessions


class ReopenForm(FlaskForm):
    reason = TextAreaField("Why reopen it?", validators=[
        DataRequired("Give a reason for reopening."), Length(max=1000)])
    submit = SubmitField("Reopen case")


STATUS_CHOICES = [("open", "Open"), ("closed", "Closed"), ("all", "Open and closed")]
SORT_CHOICES = [("activity", "Last activity, latest first"), ("reference", "Reference"),
                ("next_session", "Next session, soonest first")]


class CaseListForm(FlaskForm):
    """The case list's search, filters and sort: a GET form, so a list can be bookmarked."""
    class Meta:
        csrf = False  # a GET filter

    q = StringField("Search", description="A case or referral reference, a name, phone number, email or postcode.",
                    validators=[Optional(), Length(max=200, message="Use at most 200 characters.")])
    status = SelectField("Status", choices=choices(STATUS_CHOICES), default="open", validators=[Optional()])
    kind = SelectField("Kind", choices=choices([("", "Any kind")] + [(k, labels.label(k)) for k in CaseKind]),
                       validators=[Optional()])
    stage = SelectField("Stage", choices=choices([("", "Any stage")] + [(s, labels.label(s)) for s in Stage]),
                        validators=[Optional()])
    # Every coach of the service: a long list, written by the quicker widget (same HTML).
    coach = SelectField("Coach", validators=[Optional()], widget=QuickSelect())
    funding_scheme = SelectField("Funding scheme", validators=[Optional()], widget=QuickSelect())
    referral_source = SelectField("Referral", validators=[Optional()])
    opened_from = uk_date("Opened from", validators=[Optional()])
    opened_to = uk_date("Opened up to", validators=[Optional()])
    sort = SelectField("Sort by", choices=choices(SORT_CHOICES), default="activity", validators=[Optional()])

    FILTERS = ("q", "status", "kind", "stage", "coach", "funding_scheme", "referral_source", "opened_from",
               "opened_to", "sort")

    def __init__(self, *args, coaches=(), funding_schemes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.coach.choices = choices([("", "Any coach")] + [(str(u.id), u.name) for u in coaches])
        # Schemes named on cases, in the list's words (retired ones too: old cases name them).
        self.funding_scheme.choices = choices(
            [("", "Any scheme")] + [(s, labels.label(s, ServiceList.FUNDING_SCHEME)) for s in funding_schemes])
        self.offers_funding = bool(funding_schemes)
        self.referral_source.choices = choices(
            [("", "Any")] + [(e.code, e.label) for e in service_lists.entries(ServiceList.REFERRAL_SOURCE)])

    def validate_opened_to(self, field):
        if field.data and self.opened_from.data and field.data < self.opened_from.data:
            raise ValidationError("The end of the date range is before its start.")

    def chosen(self):
        """{name: value} for what was given and understood."""
        return {name: self[name].data for name in self.FILTERS if self[name].data and not self[name].errors}

    def problems(self):
        return [f"{self[name].label.text}: {message}" for name in self.errors for message in self[name].errors]
