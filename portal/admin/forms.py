"""Forms for inviting people and managing their accounts, and the audit trail's and the
Messages page's filters."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, RadioField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from portal import audit
from portal.forms import choices
from portal.labels import label
from portal.models import User
from portal.vocab import MessageState, Role

ROLE_CHOICES = [
    (Role.PARTY, "Party (a person taking part in a case)"),
    (Role.COACH, "Coach or mediator"),
    (Role.COORDINATOR, "Coordinator"),
]


class InviteForm(FlaskForm):
    name = StringField("Full name", validators=[DataRequired("Enter the person's full name."),
                                                Length(max=200, message="Use at most 200 characters.")])
    # People paste addresses with a space at either end; that is not a mistake to report.
    email = EmailField("Email", filters=[lambda value: value.strip() if value else value], validators=[
        DataRequired("Enter the person's email address."),
        Email("Enter an email address like name@example.org.", check_deliverability=False),
        Length(max=254),
    ])
    role = RadioField("Role", choices=choices(ROLE_CHOICES),
                      validators=[DataRequired("Choose the person's role.")])
    safeguarding_lead = BooleanField("Safeguarding lead (coordinators only)")
    admin = BooleanField("Administrator: can invite and deactivate people (coordinators only)")
    submit = SubmitField("Send invitation")

    def validate_email(self, field):
        if User.by_email(field.data).exists():
            raise ValidationError("Someone with this email address already has an account.")

    def validate_safeguarding_lead(self, field):
        if field.data and self.role.data != Role.COORDINATOR:
            raise ValidationError("Only a coordinator can be the safeguarding lead.")

    def validate_admin(self, field):
        if field.data and self.role.data != Role.COORDINATOR:
            raise ValidationError("Only a coordinator can be an administrator.")


def _stripped(value):
    return value.strip() if value else value


class AuditFilterForm(FlaskForm):
    """The audit trail's filters: a GET form, so no CSRF token. `kinds` are the event kinds the
    trail holds; a kind not among them is an error, and the filter is then left out."""

    class Meta:
        csrf = False

    person = StringField("Person", filters=[_stripped], validators=[Optional(), Length(max=200)],
                         description="Part of the name or email of who did it.")
    case = StringField("Case reference", filters=[_stripped, lambda v: v.upper() if v else v],
                       validators=[Optional(), Length(max=20)], description="For example AC-2026-0042.")
    event = SelectField("Event", validators=[Optional()])

    def __init__(self, *args, kinds=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.event.choices = choices([("", "Any event")] + [(k, audit.event_words(k)) for k in kinds])


class MessageFilterForm(FlaskForm):
    """The Messages page's filter: a GET form, so no CSRF token."""

    class Meta:
        csrf = False

    state = SelectField("State", validators=[Optional()], choices=choices(
        [("", "Any state")] + [(state, label(state, "message_state")) for state in MessageState]))


class EntryLabelForm(FlaskForm):
    """An entry's name, to add one to a list or rename one; `service_lists.label_problem` says
    whether the name may be used (required, at most 100 characters, not already in the list)."""

    label = StringField("Name", filters=[_stripped], validators=[
        DataRequired("Enter a name for the entry."),
        Length(max=100, message="Use at most 100 characters.")])

    def __init__(self, *args, words="Name", **kwargs):
        super().__init__(*args, **kwargs)
        self.label.label.text = words
