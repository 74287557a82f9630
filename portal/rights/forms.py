"""The data rights forms: a legal hold's reason (set or lifted), an erasure request."""

from flask_wtf import FlaskForm
from wtforms import SelectField, SubmitField, TextAreaField, ValidationError
from wtforms.validators import DataRequired, InputRequired, Length

from portal.forms import choices, uk_date
from portal.labels import GROUPS
from portal.times import local_today
from portal.vocab import ConsentMethod


def _reason(label, missing):
    return TextAreaField(label, validators=[
        DataRequired(missing), Length(max=1000, message="Keep the reason under 1,000 characters.")],
        render_kw={"maxlength": 1000})


class LegalHoldForm(FlaskForm):
    reason = _reason("Why the case must be kept", "Say why the case must be kept (for example, a claim).")
    submit = SubmitField("Set the legal hold")


class LiftHoldForm(FlaskForm):
    reason = _reason("Why the hold can end", "Say why the hold can end.")
    submit = SubmitField("Lift the legal hold")


class ErasureRequestForm(FlaskForm):
    received_on = uk_date("When they asked", validators=[InputRequired("Enter the date they asked.")])
    method = SelectField("How they asked", choices=choices(GROUPS["consent_method"].items()),
                         validate_choice=False)
    submit = SubmitField("Record the request")

    def validate_received_on(self, field):
        if field.data and field.data > local_today():
            raise ValidationError("The date they asked cannot be in the future.")

    def validate_method(self, field):
        if not ConsentMethod.has(field.data or ""):
            raise ValidationError("Choose how they asked.")
