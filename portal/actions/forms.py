"""Forms for action points and goals: the staff's on the case page, the party's on their own."""

from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from portal.forms import DATE_EXAMPLE, choices, uk_date
from portal.times import local_today
from portal.vocab import GoalKind

COMMENT_MAX = 500
GOAL_KINDS = [(GoalKind.GOAL, "A goal: something they are working towards"),
              (GoalKind.DESIRED_OUTCOME, "A desired outcome: what they hope the case will lead to")]
# Where a party's plain (no JavaScript) form sends them back to.
BACK_TO = {"home": "home.party", "list": "actions.mine"}


def _tidy(value):
    """Line breaks as one character each (browsers count them so for maxlength), no outer spaces."""
    return value.replace("\r\n", "\n").strip() if isinstance(value, str) else value


class ActionPointForm(FlaskForm):
    text = TextAreaField("What needs doing", filters=[_tidy], validators=[
        DataRequired("Say what the action point is."),
        Length(max=500, message="Keep the action point to 500 characters or fewer.")])
    due_on = uk_date("By when (optional)", validators=[Optional()],
                      description=f"A date, for example {DATE_EXAMPLE}. Leave it empty for no date.")
    detail = TextAreaField("Note (optional)", filters=[_tidy], validators=[
        Length(max=2000, message="Keep the note to 2,000 characters or fewer.")])
    submit = SubmitField("Set the action point")

    def __init__(self, *args, keep_due_on=None, **kwargs):
        super().__init__(*args, **kwargs)
        # Editing may leave an earlier date as it was, even once it has passed.
        self._keep_due_on = keep_due_on

    def validate_due_on(self, field):
        if field.data is None and field.raw_data and field.raw_data[0].strip():
            field.errors[:] = []
            raise ValidationError(f"Enter the date as day/month/year, for example {DATE_EXAMPLE}.")
        if field.data and field.data < local_today() and field.data != self._keep_due_on:
            raise ValidationError("The date cannot be in the past.")


class GoalForm(FlaskForm):
    kind = RadioField("Is it a goal or a desired outcome?", choices=choices(GOAL_KINDS),
                      validators=[DataRequired("Choose a goal or a desired outcome.")])
    text = TextAreaField("In their words", filters=[_tidy], validators=[
        DataRequired("Write the goal or desired outcome."),
        Length(max=1000, message="Keep it to 1,000 characters or fewer.")])
    submit = SubmitField("Record it")


class OwnActionPointForm(FlaskForm):
    """A party's button (done, not done) on their own action point: CSRF, and where to go back."""
    back = HiddenField()

    def back_endpoint(self):
        return BACK_TO.get(self.back.data, BACK_TO["list"])


class CommentForm(OwnActionPointForm):
    comment = TextAreaField("Your comment", filters=[_tidy], validators=[
        Length(max=COMMENT_MAX,
               message=f"Keep your comment to {COMMENT_MAX} characters or fewer.")])
