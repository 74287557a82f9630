"""The notification preferences form."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, SubmitField, ValidationError

from portal import labels
from portal.forms import box_value, checkboxes, choices


class PreferencesForm(FlaskForm):
    email_kinds = checkboxes("Email me when")
    email_digest = BooleanField("One email a day listing them, instead of one email each",
                                description="Your Notifications page still shows each one as it comes.")
    no_details = BooleanField(
        "Keep the details of my sessions out of emails", validators=[box_value],
        description="Emails then only say that a session was booked, moved or cancelled, with no "
                    "date, time or place and no calendar file; you see the details here in the portal.")
    submit = SubmitField("Save my choices")

    def validate_email_kinds(self, field):
        offered = {choice.value for choice in field.choices}
        if not set(field.data or ()) <= offered:
            raise ValidationError("Choose from the kinds of message listed.")

    @classmethod
    def for_user(cls, user, kinds, *, no_details=False, **kwargs):
        """The form for `user`, offering `kinds` (what they can receive), ticked as they chose;
        `no_details`, a party's "no details by email" as their records have it now."""
        form = cls(**kwargs)
        form.email_kinds.choices = choices((kind, labels.label(kind, "notification")) for kind in kinds)
        if not form.is_submitted():
            off = set((user.email_off or "").split(","))
            form.email_kinds.data = [kind for kind in kinds if kind not in off]
            form.email_digest.data = user.email_digest
            form.no_details.data = no_details
        return form
