"""Forms for raising a concern, filtering the dashboard, and the safeguarding lead's work."""


from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from portal import labels
from portal.forms import DATE_EXAMPLE, QuickSelect, choices, uk_date
from portal.times import local_today
from portal.vocab import ConcernCategory, ConcernLevel, ConcernOutcome, ConcernState

LEVEL_WORDS = {
    ConcernLevel.IMMEDIATE: "Immediate: someone may be in danger now",
    ConcernLevel.HIGH: "High: needs action today",
    ConcernLevel.MEDIUM: "Medium: needs action within a few days",
    ConcernLevel.LOW: "Low: to record and keep an eye on",
}
LEVELS = [(level, LEVEL_WORDS[level]) for level in ConcernLevel]
CATEGORIES = [(code, labels.label(code)) for code in ConcernCategory]
OUTCOMES = [(code, labels.label(code)) for code in ConcernOutcome]
NOBODY, SOMEONE_ELSE, PARTY_PREFIX = "nobody", "someone_else", "party-"


class RaiseConcernForm(FlaskForm):
    about = RadioField("Who is the concern about?", default=NOBODY,
                       validators=[DataRequired("Say who the concern is about.")])
    about_other_person = StringField(
        "Their name", description="Needed when the concern is about someone else.",
        validators=[Length(max=200, message="Use at most 200 characters.")])
    category = RadioField("What kind of concern is it?", choices=choices(CATEGORIES),
                          validators=[DataRequired("Choose what kind of concern it is.")])
    level = RadioField("How urgent is it?", choices=choices(LEVELS),
                       description="If someone is in danger now, call 999 first.",
                       validators=[DataRequired("Choose how urgent it is.")])
    description = TextAreaField(
        "What did you see or hear?",
        description="In the words used, as exactly as you can remember them.",
        validators=[DataRequired("Write what you saw or heard, in the words used."),
                    Length(max=10000, message="Use at most 10,000 characters.")])
    occurred_at = StringField(
        "When and where (optional)",
        description="For example: Tuesday 3 March, about 4pm, at the joint session.",
        validators=[Optional(), Length(max=200, message="Use at most 200 characters.")])
    submit = SubmitField("Raise the concern")

    def __init__(self, *args, parties=(), **kwargs):
        super().__init__(*args, **kwargs)
        self._parties = {f"{PARTY_PREFIX}{p.id}": p for p in parties}
        self.about.choices = choices(
            [(NOBODY, "No one person: the situation as a whole")]
            + [(key, party.name) for key, party in self._parties.items()]
            + [(SOMEONE_ELSE, "Someone else")])

    def validate_about_other_person(self, field):
        if self.about.data == SOMEONE_ELSE and not (field.data or "").strip():
            raise ValidationError("Enter the name of the person the concern is about.")

    def about_party(self):
        return self._parties.get(self.about.data)

    def other_person(self):
        return (self.about_other_person.data or "").strip() if self.about.data == SOMEONE_ELSE else ""


STATUSES = [("", "Not yet closed (all)"), (ConcernState.OPEN, "Not yet acknowledged"),
            (ConcernState.ACKNOWLEDGED, "Acknowledged"), (ConcernState.CLOSED, "Closed")]


class DashboardFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter

    status = SelectField("Status", choices=choices(STATUSES), validators=[Optional()])
    level = SelectField("Level", choices=choices([("", "Any level")] + [
        (code, labels.label(code)) for code in ConcernLevel]), validators=[Optional()])
    category = SelectField("Category", choices=choices([("", "Any category")] + CATEGORIES),
                           validators=[Optional()])
    # Everyone who has raised a concern: a long list, written by the quicker widget (same HTML).
    raised_by = SelectField("Raised by", validators=[Optional()], widget=QuickSelect())
    raised_from = uk_date("Raised from", validators=[Optional()])
    raised_to = uk_date("Raised up to", validators=[Optional()])

    def __init__(self, *args, raisers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.raised_by.choices = choices([("", "Anyone")] + [(str(u.id), u.name) for u in raisers])

    def validate_raised_to(self, field):
        if field.data and self.raised_from.data and field.data < self.raised_from.data:
            raise ValidationError("The end of the date range is before its start.")

    def chosen(self):
        """{filter name: value} for the filters that were given and understood."""
        names = ("status", "level", "category", "raised_by", "raised_from", "raised_to")
        return {name: self[name].data for name in names if self[name].data and not self[name].errors}

    def problems(self):
        return [f"{self[name].label.text}: {message}" for name in self.errors
                for message in self[name].errors]


class ActionForm(FlaskForm):
    text = TextAreaField("What was done", validators=[
        DataRequired("Say what was done."), Length(max=5000, message="Use at most 5,000 characters.")])
    agency = StringField("Which agency (optional)",
                         description="For example: children's social care, adult social care, police.",
                         validators=[Optional(), Length(max=200, message="Use at most 200 characters.")])
    agency_reference = StringField(
        "The agency's reference (optional)",
        validators=[Optional(), Length(max=100, message="Use at most 100 characters.")])
    action_on = uk_date("Date", default=local_today,
                          validators=[DataRequired(f"Enter the date, for example {DATE_EXAMPLE}.")])
    submit = SubmitField("Record the action")

    def validate_action_on(self, field):
        if field.data and field.data > local_today():
            raise ValidationError("The date cannot be in the future.")


class CloseConcernForm(FlaskForm):
    outcome = RadioField("Outcome", choices=choices(OUTCOMES),
                         validators=[DataRequired("Choose the outcome.")])
    sign_off_note = TextAreaField("Sign-off note", description="Why the concern can be closed.",
                                  validators=[DataRequired("Write a short sign-off note."),
                                              Length(max=2000, message="Use at most 2,000 characters.")])
    confirm = BooleanField("I sign off this concern",
                           validators=[DataRequired("Confirm that you sign off this concern.")])
    submit = SubmitField("Close and sign off")

    def __init__(self, *args, signer_name="", **kwargs):
        super().__init__(*args, **kwargs)
        self.confirm.label.text = f"I, {signer_name}, sign off this concern"


class ReopenConcernForm(FlaskForm):
    reason = TextAreaField("Why reopen it?", validators=[
        DataRequired("Give a reason for reopening."),
        Length(max=2000, message="Use at most 2,000 characters.")])
    submit = SubmitField("Reopen the concern")


class AddendumForm(FlaskForm):
    text = TextAreaField(
        "Correction or addition",
        description="The original text stays as it is. This is added to the chronology with "
                    "your name and the time.",
        validators=[DataRequired("Write the correction or addition."),
                    Length(max=5000, message="Use at most 5,000 characters.")])
    submit = SubmitField("Add to the record")
