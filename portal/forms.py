"""Forms shared by several blueprints."""

from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from wtforms import DateField, SelectChoice, SelectMultipleField, SubmitField, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget, Select


class ConfirmForm(FlaskForm):
    """No fields: carries the CSRF token for button-only actions (sign out, deactivate...)."""
    submit = SubmitField("Confirm")


def box_value(form, field):
    """A checkbox sends "y" or nothing: anything else is not a tick (a forged or broken form),
    so it is refused rather than read as one."""
    if field.raw_data and field.raw_data[0] != "y":
        raise ValidationError("Tick the box, or leave it empty.")


def choices(pairs):
    """(value, label) pairs as WTForms choices (tuples are deprecated from WTForms 3.3)."""
    return [SelectChoice(value, label) for value, label in pairs]


class QuickSelect(Select):
    """WTForms' select, the same HTML, each plain option written at once: WTForms formats every
    attribute through a Markup template, which made a list of a few hundred coaches most of a
    page's rendering."""

    @classmethod
    def render_option(cls, choice, **kwargs):
        if choice.render_kw or kwargs:
            return super().render_option(choice, **kwargs)
        value = str(choice.value) if isinstance(choice.value, bool) else choice.value
        # As WTForms writes it: attributes in name order, `selected` bare.
        selected = "selected " if choice.selected else ""
        return Markup(f'<option {selected}value="{escape(value)}">{escape(choice.label or choice.value)}</option>')


def checkboxes(label, **kwargs):
    """A multiple choice drawn as checkboxes; the template draws the fieldset around them."""
    return SelectMultipleField(label, validate_choice=False, widget=ListWidget(prefix_label=False),
                               option_widget=CheckboxInput(), **kwargs)


def scope_ids(form, scope):
    """Prefix every field's id (not its name): several inline forms can be open on one page."""
    for field in form:
        field.id = f"{scope}-{field.id}"
        field.label.field_id = field.id
    return form


# What a date picker sends, then what a person types where there is no picker (UK order).
DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]
DATE_EXAMPLE = "21/11/2026"


def uk_date(label, validators=None, **kwargs):
    """A date field that reads 2026-11-21 (a date picker) and 21/11/2026 (typed by hand), and
    asks for the date in the form people here write it."""
    return DateField(label, validators, format=DATE_FORMATS,
                     invalid_value_message=f"Enter the date as day/month/year, for example {DATE_EXAMPLE}.",
                     **kwargs)
