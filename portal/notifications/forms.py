"""The notification preferences form."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, SubmitField, ValidationError

from portal import labels
from portal.forms import checkboxes, choices


class PreferencesForm(FlaskForm):
    email_kinds = checkboxes("Email me when")
    email_digest = BooleanField("One email a day listing them, instead of one email each",
                                description="Your Notifications page still shows each one as it comes.")
    submit = SubmitField("Save my choices")

    def validate_email_kinds(self, field):
        offered = {choice.value for choice in field.choices}
        if not set(field.data or ()) <= offered:
            raise ValidationError("Choose from the kinds of message listed.")

    @classmethod
    def for_user(cls, user, kinds, **kwargs):
        """The form for `user`, offering `kinds` (what they can receive), ticked as they chose."""
        form = cls(**kwargs)
        form.email_kinds.choices = choices((kind, labels.label(kind, "notification")) for kind in kinds)
        if not form.is_submitted():
            off = set((user.email_off or "").split(","))
            form.email_kinds.data = [kind for kind in kinds if kind not in off]
            form.email_digest.data = user.email_digest
        return form
