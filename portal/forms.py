"""Forms shared by several blueprints."""

from flask_wtf import FlaskForm
from wtforms import SelectChoice, SubmitField


class ConfirmForm(FlaskForm):
    """No fields: carries the CSRF token for button-only actions (sign out, deactivate...)."""
    submit = SubmitField("Confirm")


def choices(pairs):
    """(value, label) pairs as WTForms choices (tuples are deprecated from WTForms 3.3)."""
    return [SelectChoice(value, label) for value, label in pairs]
