"""Helpers shared by the HTML forms of every area."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextInput
from wtforms import DateField, DecimalField, IntegerField, SubmitField
from wtforms.validators import InputRequired, NumberRange

from recruit.core.errors import DomainError


def apply_errors(form: FlaskForm, error: DomainError) -> None:
    """Show an operation's field errors beside the form's fields (or on the form)."""
    shown = False
    for name, messages in error.fields.items():
        field = getattr(form, name, None)
        if field is not None:
            field.errors = list(messages)
            shown = True
    if not shown:
        form.form_errors.append(error.message)


class DayMonthYearField(DateField):
    """A GOV.UK date (day, month and year boxes of one name). A request with other than
    three parts, as only a broken or crafted one sends, is a date left out, never an error
    page (the GOV.UK widget would fail to show it back)."""

    def process_formdata(self, valuelist):
        self.raw_data = ([str(v) for v in valuelist] + ["", "", ""])[:3]
        if any(part.strip() for part in self.raw_data):
            super().process_formdata(self.raw_data)


def safe_next(target: str | None, default: str) -> str:
    """Only follow `next` to a path on this site, never to another host."""
    if not target:
        return default
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in target):
        return default  # browsers drop tabs and newlines: "/\t/evil" would become "//evil"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    if "\\" in target:
        return default
    return target


class PolicyForm(FlaskForm):
    min_people_supported_share = DecimalField(
        "Smallest share of the decision for people supported panels (%)",
        description="A vacancy cannot start interviewing with less. The usual is 50.",
        widget=GovTextInput(),
        validators=[InputRequired("Enter a percentage"), NumberRange(0, 100)],
    )
    retention_months = IntegerField(
        "Keep candidates' personal details for (months)",
        description="After a vacancy closes. Scores and decisions are kept without names.",
        widget=GovTextInput(),
        validators=[InputRequired("Enter a number of months"), NumberRange(1, 120)],
    )
    submit = SubmitField("Save", widget=GovSubmitInput())
