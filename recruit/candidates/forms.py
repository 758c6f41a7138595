from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import (
    GovDateInput,
    GovFileInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    DateField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, Optional


class CandidateForm(FlaskForm):
    name = StringField(
        "Name",
        widget=GovTextInput(),
        validators=[InputRequired("Enter the candidate's name"), Length(max=200)],
    )
    alias = StringField(
        "Name the panels will see (optional)",
        description="Their first name, or leave empty for “Candidate A”, “Candidate B”…",
        widget=GovTextInput(),
        validators=[Optional(), Length(max=60)],
    )
    email = StringField(
        "Email (optional)", widget=GovTextInput(), validators=[Optional(), Length(max=254)]
    )
    phone = StringField(
        "Phone (optional)", widget=GovTextInput(), validators=[Optional(), Length(max=40)]
    )
    notes = TextAreaField(
        "Notes for HR (optional)",
        description="Panels never see these.",
        widget=GovTextArea(),
        validators=[Optional(), Length(max=5000)],
    )
    submit = SubmitField("Add the candidate", widget=GovSubmitInput())


class ImportForm(FlaskForm):
    file = FileField(
        "A CSV file",
        description="The first row names the columns: name, and optionally email, phone, notes.",
        widget=GovFileInput(),
        validators=[InputRequired("Choose a CSV file")],
    )
    submit = SubmitField("Import", widget=GovSubmitInput())


class ApplicationForm(FlaskForm):
    text = TextAreaField(
        "Application",
        description="Paste the application. Panels see it without names or contact details.",
        widget=GovTextArea(),
        validators=[Optional(), Length(max=50_000)],
    )
    redact_terms = TextAreaField(
        "Other words to hide from panels (one per line)",
        description="For example: a past employer, a school, a town.",
        widget=GovTextArea(),
        validators=[Optional(), Length(max=5000)],
    )
    submit = SubmitField("Save", widget=GovSubmitInput())


class WithdrawForm(FlaskForm):
    reason = TextAreaField(
        "Why are they withdrawing? (optional)",
        description="Kept with their details for HR, and erased with them. Panels are not told "
        "the reason.",
        widget=GovTextArea(),
        validators=[Optional(), Length(max=2000)],
    )
    submit = SubmitField("Record the withdrawal", widget=GovSubmitInput())


class SlotForm(FlaskForm):
    candidate_id = SelectField(
        "Candidate",
        coerce=int,
        widget=GovSelect(),
        validators=[InputRequired("Choose a candidate")],
    )
    panel_id = SelectField(
        "Panel", coerce=int, widget=GovSelect(), validators=[InputRequired("Choose a panel")]
    )
    day = DateField(
        "Date of the interview",
        description="For example, 27 3 2027",
        format="%d %m %Y",
        widget=GovDateInput(),
        validators=[InputRequired("Enter the day of the interview")],
    )
    time = StringField(
        "Start time",
        description="In 24-hour time, like 14:30",
        widget=GovTextInput(),
        validators=[InputRequired("Enter the start time"), Length(max=5)],
    )
    minutes = IntegerField(
        "How long, in minutes",
        default=45,
        widget=GovTextInput(),
        validators=[InputRequired("Enter how long the interview lasts")],
    )
    place = StringField("Where", widget=GovTextInput(), validators=[Optional(), Length(max=200)])
    submit = SubmitField("Book the interview", widget=GovSubmitInput())
