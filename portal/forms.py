"""Forms shared by several blueprints."""

from flask_wtf import FlaskForm
from wtforms import SubmitField


class ConfirmForm(FlaskForm):
    """No fields: carries the CSRF token for button-only actions (sign out, deactivate...)."""
    submit = SubmitField("Confirm")
