"""Forms for sessions: schedule one, move it (when and where), record what happened."""

from urllib.parse import urlsplit

from flask import current_app
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from portal.forms import DATE_EXAMPLE, checkboxes, choices, scope_ids, uk_date  # noqa: F401 (scope_ids is re-exported)
from portal.models import utcnow
from portal.sessions.service import Plan, Seat
from portal.times import local_to_utc, to_local
from portal.vocab import CancelledBy, SessionKind, SessionMode, SessionRequestKind, SessionStatus

KIND_CHOICES = {
    SessionKind.PRE_MEDIATION: "Pre-mediation meeting (one party)",
    SessionKind.JOINT_MEDIATION: "Joint mediation",
    SessionKind.COACHING: "Coaching session (one party)",
    SessionKind.POST_MEDIATION_COACHING: "Post-mediation coaching (one party)",
}
MODES = [(SessionMode.FACE_TO_FACE, "Face to face at an office"), (SessionMode.ONLINE, "Online"),
         (SessionMode.TELEPHONE, "Telephone"), (SessionMode.HOME_VISIT, "Home visit"),
         (SessionMode.COMMUNITY_VENUE, "At a community venue")]
OUTCOMES = [(SessionStatus.HELD, "Held"), (SessionStatus.DID_NOT_ATTEND, "Party did not attend"),
            (SessionStatus.CANCELLED, "Cancelled")]
CANCELLED_BY = [(CancelledBy.PARTY, "A party"), (CancelledBy.COACH, "The coach"), (CancelledBy.SERVICE, "The service")]
# Where each mode's place is typed (an online session has its link instead).
PLACE_FIELDS = {SessionMode.FACE_TO_FACE: "office", SessionMode.HOME_VISIT: "address",
                SessionMode.COMMUNITY_VENUE: "venue"}
MIN_MINUTES, MAX_MINUTES = 15, 480


def is_https_url(value):
    """A full https:// link to a named host, with no spaces in it."""
    value = (value or "").strip()
    if not value or any(c.isspace() for c in value):
        return False
    try:
        parts = urlsplit(value)
        host = parts.hostname
        parts.port  # noqa: B018  (raises on a malformed port)
    except ValueError:
        return False
    return parts.scheme == "https" and bool(host) and "." in host


class WhenWhereForm(FlaskForm):
    """Date, time, length and place: what rescheduling changes."""
    day = uk_date("Date", validators=[DataRequired(f"Enter the date, for example {DATE_EXAMPLE}.")])
    start = TimeField("Start time", format=["%H:%M", "%H:%M:%S"],
                      validators=[DataRequired("Enter the start time, for example 14:30.")])
    duration = IntegerField("Length in minutes", default=60, validators=[
        InputRequired("Enter the length in minutes."),
        NumberRange(MIN_MINUTES, MAX_MINUTES,
                    f"Enter a length between {MIN_MINUTES} and {MAX_MINUTES} minutes.")])
    mode = RadioField("How will it happen?", choices=choices(MODES),
                      validators=[DataRequired("Choose how the session will happen.")])
    office = SelectField("Office", validate_choice=False, description="For a face-to-face session.")
    online_link = StringField("Online meeting link", validators=[Length(max=500)],
                              description="For an online session: the full link, starting https://")
    address = TextAreaField("Address for the home visit", validators=[Length(max=300)])
    venue = TextAreaField("Community venue: name and address", validators=[Length(max=300)])
    submit = SubmitField("Save the new time and place")

    def __init__(self, *args, offices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self._offices = list(offices)
        self.office.choices = choices([("", "Choose an office")] + [(o, o) for o in self._offices])
        self.start.description = (f"Local time ({current_app.config['TIMEZONE']}), 24-hour clock, "
                                  "for example 14:30.")

    def validate_start(self, field):
        if self.day.data is None or field.data is None:
            return
        starts_at = self.starts_at()
        if to_local(starts_at).time() != field.data.replace(second=0, microsecond=0):
            raise ValidationError("That time does not exist on that day because the clocks go "
                                  "forward. Choose another time.")
        if starts_at <= utcnow():
            raise ValidationError("Choose a date and time in the future.")

    def validate_office(self, field):
        if self.mode.data == SessionMode.FACE_TO_FACE and field.data not in self._offices:
            raise ValidationError("Choose the office for a face-to-face session.")

    def validate_online_link(self, field):
        if self.mode.data == SessionMode.ONLINE and not is_https_url(field.data):
            raise ValidationError("Enter the full meeting link, starting https://")

    def validate_address(self, field):
        if self.mode.data == SessionMode.HOME_VISIT and not (field.data or "").strip():
            raise ValidationError("Enter the address for the home visit.")

    def validate_venue(self, field):
        if self.mode.data == SessionMode.COMMUNITY_VENUE and not (field.data or "").strip():
            raise ValidationError("Enter the name and address of the venue.")

    def starts_at(self):
        return local_to_utc(self.day.data, self.start.data.replace(second=0, microsecond=0))

    def place(self):
        """(location, online_link) for the chosen mode; what was typed for other modes is dropped."""
        mode = self.mode.data
        if mode == SessionMode.ONLINE:
            return "", self.online_link.data.strip()
        place = getattr(self, PLACE_FIELDS[mode]) if mode in PLACE_FIELDS else None
        return ((place.data or "").strip() if place else ""), ""

    def when_where(self):
        """The Plan fields this form sets."""
        location, online_link = self.place()
        return {"starts_at": self.starts_at(), "duration_minutes": self.duration.data,
                "mode": self.mode.data, "location": location, "online_link": online_link}


def when_where_data(session):
    """A session's time and place as the form shows them (local time)."""
    local = to_local(session.starts_at)
    data = {"day": local.date(), "start": local.time().replace(tzinfo=None),
            "duration": session.duration_minutes, "mode": session.mode,
            "online_link": session.online_link}
    if session.mode in PLACE_FIELDS:
        data[PLACE_FIELDS[session.mode]] = session.location
    return data


class ScheduleForm(WhenWhereForm):
    """A new session. Supporter fields are added per party by `schedule_form`."""
    kind = RadioField("Kind of session", validate_choice=False,
                      validators=[DataRequired("Choose the kind of session.")])
    attendees = checkboxes("Who attends?")
    coaches = checkboxes("Coaches")
    over_allowance_reason = TextAreaField("Reason for a coaching session over the allowance",
                                          validators=[Optional(), Length(max=1000)])
    submit = SubmitField("Schedule the session")

    def __init__(self, *args, kinds=(), parties=(), coaches=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = choices([(k, KIND_CHOICES[k]) for k in kinds])
        self.parties = {str(p.id): p for p in parties}
        self.coach_users = {str(c.id): c for c in coaches}
        self.attendees.choices = choices([(i, p.name) for i, p in self.parties.items()])
        self.coaches.choices = choices([(i, c.name) for i, c in self.coach_users.items()])

    def validate_kind(self, field):
        if not SessionKind.has(field.data):
            raise ValidationError("Choose the kind of session.")

    def validate_attendees(self, field):
        if not field.data:
            raise ValidationError("Choose who attends.")
        if not set(field.data) <= set(self.parties):
            raise ValidationError("Choose parties on this case.")

    def validate_coaches(self, field):
        if not field.data:
            raise ValidationError("Choose at least one coach.")
        if not set(field.data) <= set(self.coach_users):
            raise ValidationError("Choose coaches who are allocated to this case.")

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        for party in self.chosen_parties():
            name, relationship, _ = self.supporter_fields(party)
            if (name.data or "").strip() and not (relationship.data or "").strip():
                relationship.errors.append(f"Say how the supporter is related to {party.name}, "
                                           "for example friend or relative.")
                valid = False
        return valid

    def supporter_fields(self, party):
        return (self[f"supporter_name_{party.id}"], self[f"supporter_relationship_{party.id}"],
                self[f"supporter_told_{party.id}"])

    def chosen_parties(self):
        return [p for i, p in self.parties.items() if i in (self.attendees.data or ())]

    def seat(self, party):
        """The party's seat; supporter details only when a supporter is named."""
        name, relationship, told = (f.data for f in self.supporter_fields(party))
        supporter = (name or "").strip()
        if not supporter:
            return Seat(party=party)
        return Seat(party=party, supporter_name=supporter,
                    supporter_relationship=(relationship or "").strip(), supporter_coach_told=bool(told))

    def plan(self):
        """The session as asked for, for `service.schedule` to check and book."""
        return Plan(kind=self.kind.data, **self.when_where(),
                    coaches=[c for i, c in self.coach_users.items() if i in self.coaches.data],
                    seats=[self.seat(party) for party in self.chosen_parties()],
                    over_allowance_reason=(self.over_allowance_reason.data or "").strip() or None)


def schedule_form(parties, **kwargs):
    """A ScheduleForm with supporter fields (name, relationship, coach told) for each party."""
    class CaseScheduleForm(ScheduleForm):
        pass
    for party in parties:
        setattr(CaseScheduleForm, f"supporter_name_{party.id}",
                StringField("Supporter's name (optional)", validators=[Optional(), Length(max=200)]))
        setattr(CaseScheduleForm, f"supporter_relationship_{party.id}",
                StringField("Relationship to the party", validators=[Optional(), Length(max=100)]))
        setattr(CaseScheduleForm, f"supporter_told_{party.id}",
                BooleanField("The coach was told about the supporter in advance"))
    return CaseScheduleForm(parties=parties, **kwargs)


class OutcomeForm(FlaskForm):
    """After the session: who came and what happened, or who cancelled it."""
    status = RadioField("What happened?", choices=choices(OUTCOMES),
                        validators=[DataRequired("Choose what happened.")])
    attended = checkboxes("Who came?")
    cancelled_by = RadioField("If it was cancelled: who cancelled it?", choices=choices(CANCELLED_BY),
                              validate_choice=False)
    submit = SubmitField("Save")

    def __init__(self, *args, seats=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.parties = {str(seat.party.id): seat.party for seat in seats}
        self.attended.choices = choices([(i, p.name) for i, p in self.parties.items()])

    def validate_attended(self, field):
        came = set(field.data or ())
        if not came <= set(self.parties):
            raise ValidationError("Choose parties attending this session.")
        if self.status.data == SessionStatus.HELD and not came:
            raise ValidationError("Tick who came. If nobody came, choose “Party did not attend”.")
        if self.status.data == SessionStatus.DID_NOT_ATTEND and came == set(self.parties):
            raise ValidationError("Everyone came: choose “Held”, or untick who did not come.")

    def validate_cancelled_by(self, field):
        if self.status.data == SessionStatus.CANCELLED and field.data not in dict(CANCELLED_BY):
            raise ValidationError("Say who cancelled the session.")

    def attendance(self):
        """party id -> attended (None for a cancelled session: nobody was expected)."""
        if self.status.data == SessionStatus.CANCELLED:
            return {int(i): None for i in self.parties}
        return {int(i): i in (self.attended.data or ()) for i in self.parties}


# --- a party's own seat at a session --------------------------------------------------------

REQUEST_CHOICES = [(SessionRequestKind.CANNOT_COME, "I cannot come to this session"),
                   (SessionRequestKind.REARRANGE, "I would like to move it to another time")]


class SessionRequestForm(FlaskForm):
    """A party tells their coaches they cannot come, or want the session rearranged."""
    kind = RadioField("What do you want to tell your coach?", choices=choices(REQUEST_CHOICES),
                      validators=[InputRequired("Choose what you want to tell your coach.")])
    reason = TextAreaField("Anything you want your coach to know (optional)",
                           description="Only your coach and the service's staff read this, "
                                       "never the other people in your case.",
                           validators=[Optional(), Length(max=1000)])
    submit = SubmitField("Send to your coach")


class SupporterForm(FlaskForm):
    """Whom a party brings to a session: a name and how they know them, or nobody."""
    supporter_name = StringField("Their name", validators=[Optional(), Length(max=200)],
                                 description="Leave both empty if you are coming on your own.")
    supporter_relationship = StringField("Who they are to you (for example: a friend, my sister, "
                                         "a support worker)", validators=[Optional(), Length(max=100)])
    submit = SubmitField("Save")

    def validate(self, extra_validators=None):
        """Both or neither: a name with who they are, or nobody."""
        valid = super().validate(extra_validators)
        name = (self.supporter_name.data or "").strip()
        relationship = (self.supporter_relationship.data or "").strip()
        if name and not relationship:
            self.supporter_relationship.errors = [*self.supporter_relationship.errors,
                                                  "Say who your supporter is to you, or leave their name empty."]
            return False
        if relationship and not name:
            self.supporter_name.errors = [*self.supporter_name.errors,
                                          "Give your supporter's name too, or leave both empty."]
            return False
        return valid
