"""The public referral form and the coordinator's triage form."""

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    FieldList,
    Form,
    FormField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from portal import labels, service_lists
from portal.forms import choices
from portal.vocab import CaseKind, ReferralSource, ReferralStatus, ServiceList, UnsafeRoute, Urgency

# The two built-in sources, asked of the person filling the public form in the first person;
# any source the service adds is offered in its own words (`portal/service_lists.py`).
SOURCE_QUESTION = {ReferralSource.SELF: "I am referring myself",
                   ReferralSource.AGENCY: "I am referring someone for an organisation"}
URGENCIES = [(Urgency.ROUTINE, "Routine: within a few weeks is fine"),
             (Urgency.SOON, "Soon: it is getting worse"),
             (Urgency.URGENT, "Urgent: please contact us within two working days")]
UNSAFE_ROUTES = [(route, labels.label(route, "unsafe_route")) for route in UnsafeRoute]
PERSON_COUNT = 3


class PersonForm(Form):
    """One person involved. Part of the referral form, so it has no CSRF token of its own."""
    name = StringField("Full name", validators=[Optional(), Length(max=200)])
    email = EmailField("Email", validators=[
        Optional(), Email("Enter an email address like name@example.org.", check_deliverability=False),
        Length(max=254)])
    phone = StringField("Phone", validators=[Optional(), Length(max=50)])
    address = TextAreaField("Address", validators=[Optional(), Length(max=500)])
    no_phone = BooleanField("Do not phone")
    no_text = BooleanField("Do not send text messages")
    no_email = BooleanField("Do not email")
    no_post = BooleanField("Do not write to the home address")
    contact_notes = TextAreaField("Anything else about contacting them safely",
                                  validators=[Optional(), Length(max=1000)])

    def unsafe_routes(self):
        chosen = {UnsafeRoute.PHONE: self.no_phone.data, UnsafeRoute.TEXT: self.no_text.data,
                  UnsafeRoute.EMAIL: self.no_email.data, UnsafeRoute.POST: self.no_post.data}
        return ",".join(code for code, _ in UNSAFE_ROUTES if chosen[code])

    def is_blank(self):
        return not any((self.name.data, self.email.data, self.phone.data, self.address.data))


class ReferralForm(FlaskForm):
    source = RadioField("Who is making this referral?",
                        validators=[DataRequired("Say who is making this referral.")])
    agency_name = StringField("Organisation name", validators=[Length(max=200)])
    agency_type = SelectField("Kind of organisation", validate_choice=False)
    referrer_name = StringField("Your name", validators=[Length(max=200)],
                                description="The person at the organisation we can talk to.")
    referrer_contact = StringField("Your work email or phone", validators=[Optional(), Length(max=254)])
    people = FieldList(FormField(PersonForm), min_entries=PERSON_COUNT, max_entries=PERSON_COUNT)
    dispute_type = RadioField("What is the dispute about?",
                              validators=[DataRequired("Choose what the dispute is about.")])
    description = TextAreaField(
        "Tell us briefly what is happening",
        validators=[DataRequired("Tell us briefly what is happening."),
                    Length(max=5000, message="Use at most 5,000 characters.")])
    urgency = RadioField("How soon do you need us?", choices=choices(URGENCIES),
                         validators=[DataRequired("Say how soon you need us.")])
    safety_worry = TextAreaField(
        "Is anyone at risk of harm? (optional)",
        description="For example violence, threats, or someone who may hurt themselves. "
                    "If someone is in danger now, call 999.",
        validators=[Optional(), Length(max=5000, message="Use at most 5,000 characters.")])
    # A field people never see: automated spam fills it in. Its name looks worth filling.
    website = StringField("Leave this empty", validators=[Optional()])
    understood = BooleanField(
        "I have read how this information will be used",
        validators=[DataRequired("Confirm that you have read how this information will be used.")])
    submit = SubmitField("Send referral")

    def __init__(self, *args, **kwargs):
        """The sources, agency kinds and dispute types are the service's lists' active entries."""
        super().__init__(*args, **kwargs)
        self.source.choices = choices([(code, SOURCE_QUESTION.get(code, words))
                                       for code, words in service_lists.choices(ServiceList.REFERRAL_SOURCE)])
        self.agency_type.choices = choices([("", "Choose the kind of organisation")]
                                           + service_lists.choices(ServiceList.AGENCY_KIND))
        self.dispute_type.choices = choices(service_lists.choices(ServiceList.DISPUTE_TYPE))

    def validate_agency_name(self, field):
        if self.source.data == ReferralSource.AGENCY and not (field.data or "").strip():
            raise ValidationError("Enter the name of your organisation.")

    def validate_agency_type(self, field):
        known = service_lists.codes(ServiceList.AGENCY_KIND)
        if self.source.data == ReferralSource.AGENCY and field.data not in known:
            raise ValidationError("Choose the kind of organisation.")

    def validate_referrer_name(self, field):
        if self.source.data == ReferralSource.AGENCY and not (field.data or "").strip():
            raise ValidationError("Enter your name, so that we can contact you about the referral.")

    def validate_people(self, field):
        first = field.entries[0].form
        if not (first.name.data or "").strip():
            first.name.errors = list(first.name.errors) + ["Enter the name of the first person."]
            raise ValidationError("Enter the name of the first person involved.")
        for number, entry in enumerate(field.entries[1:], start=2):
            person = entry.form
            if not person.is_blank() and not (person.name.data or "").strip():
                person.name.errors = list(person.name.errors) + [f"Enter the name of person {number}."]
                raise ValidationError(f"Enter the name of person {number}, or leave their details empty.")

    def filled_people(self):
        return [entry.form for entry in self.people.entries if not entry.form.is_blank()]


DECISIONS = [(CaseKind.MEDIATION, "Accept for mediation"), (CaseKind.COACHING, "Accept for one-to-one coaching"),
             ("decline", "Decline")]


class TriageForm(FlaskForm):
    decision = RadioField("Decision", choices=choices(DECISIONS),
                          validators=[DataRequired("Choose a decision.")])
    reason = TextAreaField("Reason for declining",
                           description="Needed when declining. Staff see it; the referrer is not sent it.",
                           validators=[Length(max=2000)])
    submit = SubmitField("Record decision")

    def validate_reason(self, field):
        if self.decision.data == "decline" and not (field.data or "").strip():
            raise ValidationError("Give a reason for declining.")


class QueueFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter

    status = SelectField("Status", validators=[Optional()],
                         choices=choices([("", "Any status")] + [(s, labels.label(s)) for s in ReferralStatus]))
    # Retired entries too: the queue holds referrals that name them.
    dispute_type = SelectField("Dispute", validators=[Optional()])
    source = SelectField("Source", validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.dispute_type.choices = choices([("", "Any dispute")] + _every(ServiceList.DISPUTE_TYPE))
        self.source.choices = choices([("", "Any source")] + _every(ServiceList.REFERRAL_SOURCE))


def _every(name):
    return [(entry.code, entry.label) for entry in service_lists.entries(name)]
