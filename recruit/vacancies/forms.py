from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovDateInput,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import IntegerField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from recruit.core.forms import DayMonthYearField


class VacancyForm(FlaskForm):
    title = StringField(
        "Job title",
        widget=GovTextInput(),
        validators=[InputRequired("Enter the job title"), Length(max=200)],
    )
    service = StringField(
        "Service",
        description="Where the person will work, like Oak House",
        widget=GovTextInput(),
        validators=[InputRequired("Enter the service"), Length(max=200)],
    )
    description = TextAreaField(
        "Description",
        widget=GovTextArea(),
        validators=[Optional(), Length(max=20_000)],
    )
    easy_read_summary = TextAreaField(
        "Easy-read summary",
        description="Short sentences and everyday words. People supported will read this.",
        widget=GovTextArea(),
        validators=[Optional(), Length(max=5_000)],
    )
    closes_on = DayMonthYearField(
        "Closing date",
        description="For example, 27 3 2027",
        format="%d %m %Y",
        widget=GovDateInput(),
        validators=[InputRequired("Enter the closing date")],
    )
    posts = IntegerField(
        "Number of posts",
        default=1,
        widget=GovTextInput(),
        validators=[InputRequired("Enter how many people you will appoint"), NumberRange(1, 100)],
    )
    submit = SubmitField("Save", widget=GovSubmitInput())
