"""Forms for agreements: the coach's drafting, and the party's acceptance or request for a change."""

import re

from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from portal import labels
from portal.forms import DATE_EXAMPLE, checkboxes, choices, uk_date
from portal.times import local_today
from portal.vocab import Audience, ReviewOutcome

BOTH = "both"


def _tidy(value):
    """Line breaks as one character each (browsers count them so for maxlength), no outer spaces."""
    return value.replace("\r\n", "\n").strip() if isinstance(value, str) else value


def _check_date(field, keep=None):
    """A real date, not in the past (an earlier date may stay as it was when editing)."""
    if field.data is None and field.raw_data and field.raw_data[0].strip():
        field.errors[:] = []
        raise ValidationError(f"Enter the date as day/month/year, for example {DATE_EXAMPLE}.")
    if field.data and field.data < local_today() and field.data != keep:
        raise ValidationError("The date cannot be in the past.")


class NewAgreementForm(FlaskForm):
    template = RadioField("Start from", validators=[DataRequired("Choose where to start from.")])
    submit = SubmitField("Start the draft")

    def __init__(self, templates, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.template.choices = choices([(t.key, t.name) for t in templates])


class DetailsForm(FlaskForm):
    title = StringField("Title", filters=[_tidy], validators=[
        DataRequired("Give the agreement a title."),
        Length(max=200, message="Keep the title to 200 characters or fewer.")])
    review_on = uk_date("Review date (optional)", validators=[Optional()],
                          description="When the service will check how the agreement is "
                                      f"working, for example {DATE_EXAMPLE}.")
    other_terms = TextAreaField("Other terms (optional)", filters=[_tidy], validators=[
        Length(max=5000, message="Keep the other terms to 5,000 characters or fewer.")],
        description="Plain text. Leave an empty line between paragraphs.")
    submit = SubmitField("Save the details")

    def __init__(self, *args, keep_review_on=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._keep = keep_review_on

    def validate_review_on(self, field):
        _check_date(field, self._keep)


class IssueForm(FlaskForm):
    text = TextAreaField("Issue", filters=[_tidy], validators=[
        DataRequired("Describe the issue."),
        Length(max=500, message="Keep the issue to 500 characters or fewer.")])
    submit = SubmitField("Add the issue")


class TermForm(FlaskForm):
    what = TextAreaField("What will be done", filters=[_tidy], validators=[
        DataRequired("Say what will be done."),
        Length(max=1000, message="Keep the term to 1,000 characters or fewer.")])
    who = SelectField("Who will do it", validators=[DataRequired("Choose who will do it.")])
    due_on = uk_date("By when (optional)", validators=[Optional()],
                      description=f"A date, for example {DATE_EXAMPLE}. Leave it empty for no date.")
    submit = SubmitField("Add the term")

    def __init__(self, parties, *args, keep_due_on=None, **kwargs):
        super().__init__(*args, **kwargs)
        everyone = "Both parties" if len(parties) == 2 else "All parties"
        self.who.choices = choices([(BOTH, everyone)] + [(str(p.id), p.name) for p in parties])
        self._keep = keep_due_on

    def validate_due_on(self, field):
        _check_date(field, self._keep)

    def party_id(self):
        return None if self.who.data == BOTH else int(self.who.data)


def _same_name(typed, name):
    """Names compared as a person would: case, spacing and punctuation around them aside."""
    def simple(text):
        return re.sub(r"[\s.,'’-]+", " ", text).strip().casefold()
    return simple(typed) == simple(name)


class AcceptForm(FlaskForm):
    typed_name = StringField("Type your full name", filters=[_tidy], render_kw={"autocomplete": "name"},
                             validators=[
        DataRequired("Type your full name to accept."),
        Length(max=200, message="Keep your name to 200 characters or fewer.")])
    has_read = BooleanField("I have read the whole agreement and I accept it",
                            validators=[DataRequired("Tick to say you have read it and accept it.")])
    submit = SubmitField("Accept the agreement")

    def __init__(self, expected_name, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._expected = expected_name
        self.typed_name.description = f"As it appears on the agreement: {expected_name}."

    def validate_typed_name(self, field):
        if field.data and not _same_name(field.data, self._expected):
            raise ValidationError(
                f"Type your full name as it appears on the agreement: {self._expected}. "
                "If it is wrong, ask for a change instead.")


class ChangeRequestForm(FlaskForm):
    comment = TextAreaField("What would you like changed?", filters=[_tidy], validators=[
        DataRequired("Say what you would like changed."),
        Length(max=2000, message="Keep it to 2,000 characters or fewer.")],
        description="Your coach will read this. The other party will not.")
    submit = SubmitField("Ask for the change")


class RecordAcceptanceForm(FlaskForm):
    """A coach records the acceptance of a party without a portal account, given in person."""
    party = SelectField("Who accepted", validators=[DataRequired("Choose who accepted.")])
    typed_name = StringField("Their full name, as they wrote it", filters=[_tidy], validators=[
        DataRequired("Write their full name as they wrote it."),
        Length(max=200, message="Keep the name to 200 characters or fewer.")])
    has_read = BooleanField("They read the whole agreement and accepted it in front of me",
                            validators=[DataRequired("Tick to confirm they read it and accepted it.")])
    submit = SubmitField("Record the acceptance")

    def __init__(self, parties, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._names = {str(p.id): p.name for p in parties}
        self.party.choices = choices([("", "Choose a party")] + list(self._names.items()))

    def validate_typed_name(self, field):
        name = self._names.get(self.party.data)
        if field.data and name and not _same_name(field.data, name):
            raise ValidationError(f"The name must be the party's full name: {name}.")


class ReviewForm(FlaskForm):
    """The review of a final agreement: when, how its terms were kept, and an optional note of
    what was said, with an audience like any note."""
    reviewed_on = uk_date("Date of the review", validators=[DataRequired("Enter the date of the review.")],
                          description=f"For example {DATE_EXAMPLE}.")
    outcome = RadioField("How were the terms kept?",
                         choices=choices([(o.value, labels.label(o, "review_outcome")) for o in ReviewOutcome]),
                         validators=[DataRequired("Choose how the terms were kept.")])
    body = TextAreaField("Note of the review (optional)", filters=[_tidy], validators=[
        Length(max=20_000, message="Keep the note under 20,000 characters.")],
        description="What was said. It is kept with the case's notes, for the readers you choose.")
    audience = RadioField("Who can read the note?", choices=choices([(a.value, labels.label(a)) for a in Audience]),
                          default=Audience.STAFF)
    parties = checkboxes("Share the note with")
    submit = SubmitField("Record the review")

    def __init__(self, parties, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.case_parties = {str(p.id): p for p in parties}
        self.parties.choices = choices([(i, p.name) for i, p in self.case_parties.items()])

    def validate_reviewed_on(self, field):
        if field.data and field.data > local_today():
            raise ValidationError("The review date cannot be in the future: record it once held.")

    def validate_audience(self, field):
        if self.body.data and not Audience.has(field.data or ""):
            raise ValidationError("Choose who can read the note.")

    def validate_parties(self, field):
        if not set(field.data or ()) <= set(self.case_parties):
            raise ValidationError("Choose parties on this case.")
        if self.body.data and self.audience.data == Audience.PARTIES and not field.data:
            raise ValidationError("Choose at least one party to share the note with.")

    def note(self):
        """The note to write, as `notes.service.NoteInput`, or None without one."""
        from portal.notes.service import NoteInput
        if not self.body.data:
            return None
        party_ids = tuple(int(i) for i in self.parties.data or ()) \
            if self.audience.data == Audience.PARTIES else ()
        return NoteInput(body=self.body.data, audience=self.audience.data, party_ids=party_ids)
