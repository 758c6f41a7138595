from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxInput,
    GovDateInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    BooleanField,
    DecimalField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from recruit.core.forms import DayMonthYearField
from recruit.involvement.models import ACTIVITY_LABELS, PAYMENT_KIND_LABELS, Activity

ACTIVITY_CHOICES = [(a.value, label) for a, label in ACTIVITY_LABELS.items()]


class RatesForm(FlaskForm):
    """One fee per hour and one voucher value per activity (fields added below)."""

    submit = SubmitField("Save the rates", widget=GovSubmitInput())


def rate_field_name(kind: str, activity: str) -> str:
    return f"{kind}_{activity}"


for _activity, _label in ACTIVITY_LABELS.items():
    setattr(
        RatesForm,
        rate_field_name("fee_per_hour_pence", _activity),
        DecimalField(
            f"{_label}: fee per hour",
            places=2,
            widget=GovTextInput(),
            validators=[
                InputRequired("Enter a fee per hour (0 for none)"),
                NumberRange(0, 1000, "Give an amount from £0 to £1,000"),
            ],
        ),
    )
    setattr(
        RatesForm,
        rate_field_name("voucher_pence", _activity),
        DecimalField(
            f"{_label}: voucher value",
            places=2,
            widget=GovTextInput(),
            validators=[
                InputRequired("Enter a voucher value (0 for none)"),
                NumberRange(0, 1000, "Give an amount from £0 to £1,000"),
            ],
        ),
    )


class ParticipationForm(FlaskForm):
    user_id = SelectField(
        "Person supported",
        coerce=int,
        widget=GovSelect(),
        validators=[InputRequired("Choose a person")],
    )
    activity = RadioField(
        "What did they do?",
        choices=ACTIVITY_CHOICES,
        default=Activity.CO_DESIGN.value,
        widget=GovRadioInput(),
        validators=[InputRequired("Choose what they did")],
    )
    took_part_on = DayMonthYearField(
        "Date",
        format="%d %m %Y",
        widget=GovDateInput(),
        validators=[InputRequired("Enter the date")],
    )
    minutes = IntegerField(
        "Time spent, in minutes",
        description="Include travel if your policy pays for it. For example: 90",
        widget=GovTextInput(),
        validators=[
            InputRequired("Enter the time spent in minutes"),
            NumberRange(1, 1440, "Give the time spent in minutes, from 1 to 1440"),
        ],
    )
    vacancy_id = SelectField(
        "Vacancy (optional)", coerce=int, widget=GovSelect(), validators=[Optional()]
    )
    note = TextAreaField(
        "Note (optional)", widget=GovTextArea(), validators=[Optional(), Length(max=500)]
    )
    submit = SubmitField("Record participation", widget=GovSubmitInput())


class PaymentForm(FlaskForm):
    kind = RadioField(
        "How are they being thanked?",
        choices=[(k.value, label) for k, label in PAYMENT_KIND_LABELS.items()],
        widget=GovRadioInput(),
        validators=[InputRequired("Choose fee, voucher, expenses or declined")],
    )
    amount_pence = StringField(
        "Amount",
        description="Leave empty to use the suggested amount from the rates.",
        widget=GovTextInput(),
        validators=[Optional(), Length(max=12)],
    )
    benefits_reminder_given = BooleanField(
        "I have told them about benefits (needed for a fee or voucher)",
        widget=GovCheckboxInput(),
        validators=[Optional()],
    )
    submit = SubmitField("Record the payment", widget=GovSubmitInput())


class PanelParticipationForm(FlaskForm):
    took_part_on = DayMonthYearField(
        "Date of the interviews",
        format="%d %m %Y",
        widget=GovDateInput(),
        validators=[InputRequired("Enter the date")],
    )
    minutes = IntegerField(
        "Time each person spent, in minutes",
        description="For example: 180 for three hours",
        widget=GovTextInput(),
        validators=[
            InputRequired("Enter the time spent in minutes"),
            NumberRange(1, 1440, "Give the time spent in minutes, from 1 to 1440"),
        ],
    )
    submit = SubmitField(
        "Record panel participation for everyone on the panels", widget=GovSubmitInput()
    )


class FinanceMonthForm(FlaskForm):
    month = SelectField("Month", widget=GovSelect(), validators=[InputRequired("Choose a month")])
    submit = SubmitField("Make the finance file now", widget=GovSubmitInput())
