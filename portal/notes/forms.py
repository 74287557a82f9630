"""Forms for notes: write or edit one (with the audience in words), consent to a share, the
safeguarding override's reason, and the query behind "Check who can read it"."""

from flask import current_app
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, RadioField, SelectField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError

from portal import labels, policy, storage, times
from portal.forms import DATE_EXAMPLE, checkboxes, choices, scope_ids, uk_date  # noqa: F401 (scope_ids is re-exported)
from portal.notes.service import NoteInput, Upload
from portal.times import local_today
from portal.vocab import Audience, ShareConsentMethod, ShareState

MAX_BODY = 20_000
AUDIENCE_CHOICES = [(a.value, labels.label(a)) for a in Audience]
CONSENT_METHODS = [(ShareConsentMethod.IN_PERSON, "In person"), (ShareConsentMethod.PHONE, "By phone")]
ANSWER_WORDS = {
    ShareState.GIVEN: "They agreed to share it",
    ShareState.REFUSED: "They did not agree",
    ShareState.WITHDRAWN: "They withdrew their agreement",
}
BODY_HINT = ("Write as you would in an email. Leave an empty line between paragraphs. For a list, "
             "start each line with a dash, or with a number and a full stop. To make words stand "
             "out, put a star on each side of them; two stars on each side make them bold. Links "
             "and pictures are not shown.")


def _int_or_none(value):
    return int(value) if value and str(value).isdigit() else None


class _Audience:
    """Audience, named parties and source party: what decides who can read a note."""

    def _set_party_choices(self, parties):
        self.case_parties = {str(p.id): p for p in parties}
        self.parties.choices = choices([(i, p.name) for i, p in self.case_parties.items()])
        self.source_party.choices = choices(
            [("", "Nobody in particular (your own words, or the parties' together)")]
            + [(i, p.name) for i, p in self.case_parties.items()])

    def chosen_party_ids(self):
        return tuple(int(i) for i in (self.parties.data or ()) if i in self.case_parties)

    def chosen_source_id(self):
        value = self.source_party.data or ""
        return int(value) if value in self.case_parties else None


class NoteForm(_Audience, FlaskForm):
    """A new note, or changes to one. `locked` (a note a party may have read) keeps its audience
    and source party as they are, and its parties named (more can be added)."""
    body = TextAreaField("The note", description=BODY_HINT,
                         validators=[Length(max=MAX_BODY, message=f"Keep the note under {MAX_BODY:,} characters.")])
    is_summary = BooleanField("This is a session summary")
    session = SelectField("Session it is about (optional)", validate_choice=False)
    file = FileField("Add a file (optional)")
    remove_files = checkboxes("Remove files")
    audience = RadioField("Who can read it?", choices=choices(AUDIENCE_CHOICES),
                          validators=[DataRequired("Choose who can read the note.")])
    parties = checkboxes("Share it with")
    source_party = SelectField("Whose words does it record?", validate_choice=False,
                               description="If it records what one party said, choose them: any "
                                           "other party sees it only once they agree. A summary "
                                           "of a session with one party, shared with another "
                                           "party, records that party's words.")
    check = SubmitField("Check who can read it")
    submit = SubmitField("Save the note")

    def __init__(self, *args, parties=(), sessions=(), note=None, locked=False, existing_files=(),
                 session_parties=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._set_party_choices(parties)
        self.case_sessions = {str(s.id): s for s in sessions}
        self.session.choices = choices(
            [("", "Not about one session")]
            + [(i, f"{labels.label(s.kind, 'session_kind')}, {times.long_date(s.starts_at)}")
               for i, s in self.case_sessions.items()])
        self.note, self.locked = note, locked
        self.existing_files = {str(f.id): f for f in existing_files}
        self.remove_files.choices = choices([(i, f"{f.original_name}") for i, f in self.existing_files.items()])
        max_mb = current_app.config["MAX_UPLOAD_BYTES"] // (1024 * 1024)
        self.file.description = (f"{storage.ALLOWED_IN_WORDS[0].upper()}{storage.ALLOWED_IN_WORDS[1:]}, "
                                 f"up to {max_mb} MB. The same people as the note can read it.")
        self.upload = None
        self.session_parties = session_parties or {}
        if self.is_submitted() and not locked:
            self._source_from_session()

    def _source_from_session(self):
        """A summary of a session with one party, shared with another party, records that
        party's words unless another party is chosen: their consent is asked before the other
        party sees it (left as "nobody in particular" it would be shown at once)."""
        party_ids = self.session_parties.get(_int_or_none(self.session.data), ())
        if (self.source_party.data or not self.is_summary.data or len(party_ids) != 1
                or self.audience.data != Audience.PARTIES):
            return
        (session_party,) = party_ids
        if set(self.chosen_party_ids()) - {session_party}:
            self.source_party.data = str(session_party)

    @property
    def checking(self):
        """The "Check who can read it" button: show the words again, save nothing."""
        return bool(self.check.data)

    def validate_parties(self, field):
        if not set(field.data or ()) <= set(self.case_parties):
            raise ValidationError("Choose parties on this case.")
        if self.audience.data == Audience.PARTIES and not field.data:
            raise ValidationError("Choose at least one party to share it with.")

    def validate_source_party(self, field):
        if field.data and field.data not in self.case_parties:
            raise ValidationError("Choose a party on this case, or nobody in particular.")
        if (self.note is not None and policy.source_party_is_fixed(self.note.facts())
                and field.data != str(self.note.source_party_id)):
            raise ValidationError("Whose words these are cannot change: they have already been "
                                  "asked about sharing them. Write a new note instead.")

    def validate_session(self, field):
        if field.data and field.data not in self.case_sessions:
            raise ValidationError("Choose a session of this case.")

    def validate_remove_files(self, field):
        if field.data and (self.locked or not set(field.data) <= set(self.existing_files)):
            raise ValidationError("Files of a note a party may have read stay with it; withdraw "
                                  "the note instead.")

    def validate_file(self, field):
        uploaded = field.data
        if not uploaded or not getattr(uploaded, "filename", ""):
            return
        data = uploaded.read()
        try:
            kind = storage.check(data, current_app.config["MAX_UPLOAD_BYTES"])
        except storage.FileRefused as refusal:
            raise ValidationError(str(refusal)) from None
        self.upload = Upload(data=data, original_name=uploaded.filename[:255], kind=kind)

    def validate(self, extra_validators=None):
        if self.locked:
            # Disabled controls are not posted, and a crafted post must not change these either.
            self.audience.data = self.note.audience
            self.source_party.data = str(self.note.source_party_id or "")
            self.parties.data = sorted(set(self.parties.data or ()) | self._already_shared())
        valid = super().validate(extra_validators)
        keeps_a_file = bool(set(self.existing_files) - set(self.remove_files.data or ()))
        if valid and not (self.body.data or "").strip() and not self.upload and not keeps_a_file:
            self.body.errors.append("Write the note, or add a file.")
            valid = False
        return valid

    def _already_shared(self):
        return {str(pid) for pid in (self.note.facts().shares if self.note else {})}

    def locked_party_ids(self):
        """Parties a locked note is already shared with: shown ticked, cannot be unticked."""
        return self._already_shared() if self.locked else set()

    def note_input(self):
        return NoteInput(
            body=(self.body.data or "").strip(),
            audience=self.audience.data,
            party_ids=self.chosen_party_ids() if self.audience.data == Audience.PARTIES else (),
            source_party_id=self.chosen_source_id(),
            session_id=_int_or_none(self.session.data),
            is_summary=bool(self.is_summary.data),
            remove_file_ids=tuple(int(i) for i in (self.remove_files.data or ())),
        )


class ReadersQuery(_Audience, FlaskForm):
    """The audience fields alone, from a GET: the words under the choice, without saving."""
    class Meta:
        csrf = False

    audience = RadioField("Who can read it?", choices=choices(AUDIENCE_CHOICES), validate_choice=False)
    parties = checkboxes("Share it with")
    source_party = SelectField("Whose words does it record?", validate_choice=False)

    def __init__(self, *args, parties=(), **kwargs):
        super().__init__(*args, **kwargs)
        self._set_party_choices(parties)

    def chosen_audience(self):
        return self.audience.data if Audience.has(self.audience.data) else None


class ShareConsentForm(FlaskForm):
    """A coach records the source party's answer, given in person or by phone."""
    answer = RadioField("What did they say?", validate_choice=False,
                        validators=[DataRequired("Choose what they said.")])
    method = RadioField("How did they tell you?", choices=choices(CONSENT_METHODS),
                        validators=[DataRequired("Say how they told you.")])
    day = uk_date("When?", default=local_today,
                    validators=[DataRequired(f"Enter the date, for example {DATE_EXAMPLE}.")])
    submit = SubmitField("Record their answer")

    def __init__(self, *args, answers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.answers = tuple(answers)
        self.answer.choices = choices([(a, ANSWER_WORDS[a]) for a in self.answers])

    def validate_answer(self, field):
        if field.data not in self.answers:
            raise ValidationError("Choose what they said.")

    def validate_day(self, field):
        if field.data and field.data > local_today():
            raise ValidationError("The date cannot be in the future.")


class OverrideForm(FlaskForm):
    """The safeguarding lead's reason for opening a note outside its audience."""
    reason = TextAreaField("Why do you need to open this note?",
                           description="Your reason is kept in the audit trail with your name and "
                                       "the time. The note's author is told that it was opened.",
                           validators=[DataRequired("Write why you need to open this note."),
                                       Length(min=10, max=2000, message="Write your reason in at least 10 "
                                                                        "and at most 2,000 characters.")])
    submit = SubmitField("Open the note")
