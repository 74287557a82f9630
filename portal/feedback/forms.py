"""The forms of feedback, a coaching case's outcome and equality monitoring."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from portal import labels
from portal.forms import box_value, choices
from portal.vocab import (
    AgeBand,
    Disability,
    Ethnicity,
    FeedbackHelped,
    FeedbackSituation,
    FirstLanguage,
    Gender,
    GoalsMet,
    Satisfaction,
)

COMMENT_MAX = 2000


def _coded(label, vocabulary, group, description=None):
    """An optional question whose answers are a vocabulary's codes, in its words."""
    return RadioField(label, choices=choices([(code, labels.label(code, group)) for code in vocabulary]),
                      validators=[Optional()], description=description)


class FeedbackForm(FlaskForm):
    """A party's feedback: every question optional, at least one answered."""
    satisfaction = _coded("How satisfied are you with the service you had?", Satisfaction, "satisfaction")
    helped = _coded("Did the service help you deal with the conflict?", FeedbackHelped, "feedback_helped")
    situation = _coded("Is the situation better, about the same or worse than before?", FeedbackSituation,
                       "feedback_situation")
    comment = TextAreaField("Anything else you would like to tell us (optional)",
                            description="Only the staff who worked on your case read this. It is never "
                                        "shown to anyone else involved, and never in our reports.",
                            validators=[Optional(), Length(max=COMMENT_MAX, message=(
                                f"Keep it to {COMMENT_MAX} characters or fewer."))])
    submit = SubmitField("Send feedback")

    def validate(self, extra_validators=None):
        if not super().validate(extra_validators):
            return False
        if not any((self.satisfaction.data, self.helped.data, self.situation.data,
                    (self.comment.data or "").strip())):
            self.satisfaction.errors.append("Answer at least one question, or write something in the box.")
            return False
        return True


class CoachingOutcomeForm(FlaskForm):
    goals_met = RadioField("Were the party's goals met?",
                           validators=[DataRequired("Choose how far the goals were met.")],
                           choices=choices([(code, labels.label(code, "goals_met")) for code in GoalsMet]))
    submit = SubmitField("Record the outcome")


class EqualityForm(FlaskForm):
    """Equality monitoring: voluntary, every question optional, "prefer not to say" on each."""
    age_band = _coded("Age", AgeBand, "age_band")
    gender = _coded("Gender: how do you describe yourself?", Gender, "gender")
    ethnicity = _coded("Ethnic group", Ethnicity, "ethnicity")
    disability = _coded("Do you consider yourself to have a disability?", Disability, "disability",
                        description="A physical or mental condition with a long-term effect on day-to-day life.")
    first_language = _coded("First language", FirstLanguage, "first_language")
    submit = SubmitField("Save answers")

    QUESTIONS = ("age_band", "gender", "ethnicity", "disability", "first_language")

    def answers(self):
        return {name: self[name].data or None for name in self.QUESTIONS}

    def validate(self, extra_validators=None):
        if not super().validate(extra_validators):
            return False
        if not any(self.answers().values()):
            self.age_band.errors.append("Answer at least one question, or choose \u201cPrefer not to say\u201d.")
            return False
        return True


class StaffEqualityForm(EqualityForm):
    """The same answers recorded by a coordinator, only with the party's permission."""
    permission = BooleanField("The party agreed to us recording this", validators=[box_value])
    submit = SubmitField("Save answers")

    def validate_permission(self, field):
        if not field.data:
            raise ValidationError("Tick the box to confirm that the party agreed to us recording this.")


