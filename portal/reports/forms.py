"""The report's one form, read from the address (GET): a period (From and To; the quick choices
are links, `?period=`, see `view.py`) and the filters."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField
from wtforms.validators import Optional

from portal.forms import QuickSelect, box_value, choices, uk_date

# A period longer than this is refused: a typing slip (2062 for 2026), not a report anyone wants.
LONGEST_DAYS = 366 * 10


class ReportForm(FlaskForm):
    class Meta:
        csrf = False  # a GET form: it changes nothing

    date_from = uk_date("From", validators=[Optional()])
    date_to = uk_date("To", validators=[Optional()])
    funding_scheme = SelectField("Funding scheme", validators=[Optional()], widget=QuickSelect())
    kind = SelectField("Kind", validators=[Optional()])
    dispute_type = SelectField("Dispute type", validators=[Optional()])
    referral_source = SelectField("Referral source", validators=[Optional()])
    sharing = BooleanField("For sharing outside the service", validators=[box_value],
                           description="Shows any count from 1 to 4 as \u201cfewer than 5\u201d and rounds the "
                                       "other counts, hours and money to the nearest 5, so that nobody can "
                                       "be recognised.")

    FILTERS = ("funding_scheme", "kind", "dispute_type", "referral_source")

    def __init__(self, *args, filter_choices, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.FILTERS:
            self[name].choices = choices([("", "Any")] + list(filter_choices[name]))

    def validate(self, extra_validators=None):
        """The fields, then the period as a whole: both ends or neither, To not before From."""
        valid = super().validate(extra_validators)
        start, end = self.date_from, self.date_to
        if start.errors or end.errors:
            return False
        problem = None
        if end.data and not start.data:
            problem = start, "Enter the From date, or choose a period."
        elif start.data and not end.data:
            problem = end, "Enter the To date, or choose a period."
        elif start.data and end.data < start.data:
            problem = end, "The To date must be the same as or after the From date."
        elif start.data and (end.data - start.data).days > LONGEST_DAYS:
            problem = end, "Choose a period of at most ten years."
        if problem:
            field, message = problem
            field.errors = [*field.errors, message]
            return False
        return valid

    def chosen_filters(self):
        return {name: self[name].data or None for name in self.FILTERS}

    def chosen_words(self):
        """[(filter, the words of its choice)] for the filters chosen."""
        return [(self[name].label.text, next(c.label for c in self[name].choices if c.value == self[name].data))
                for name in self.FILTERS if self[name].data]
