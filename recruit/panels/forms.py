from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovCheckboxInput,
    GovDateInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import (
    BooleanField,
    DecimalField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from recruit.core.forms import DayMonthYearField
from recruit.panels.models import KIND_LABELS


class PanelForm(FlaskForm):
    name = StringField(
        "Panel name",
        description="For example: Residents' panel",
        widget=GovTextInput(),
        validators=[InputRequired("Give the panel a name"), Length(max=100)],
    )
    kind = RadioField(
        "Who is on this panel?",
        choices=[(k.value, label) for k, label in KIND_LABELS.items()],
        widget=GovRadioInput(),
        validators=[InputRequired("Choose who is on the panel")],
    )
    weight = DecimalField(
        "Weight",
        description="A number above 0. What counts is each panel's share of all the weights.",
        widget=GovTextInput(),
        validators=[InputRequired("Give the panel a weight"), NumberRange(min=0.001)],
    )
    scale = RadioField(
        "Scoring scale",
        choices=[("3", "3 faces (easy to use)"), ("5", "5 points")],
        widget=GovRadioInput(),
        validators=[InputRequired("Choose a scale")],
    )
    max_interviews_per_day = IntegerField(
        "Most interviews in a day (optional)",
        description="Pacing for people supported: the schedule warns when a day has more.",
        widget=GovTextInput(),
        validators=[Optional(), NumberRange(1, 20)],
    )
    break_minutes = IntegerField(
        "Break between interviews, in minutes (optional)",
        widget=GovTextInput(),
        validators=[Optional(), NumberRange(0, 240)],
    )
    submit = SubmitField("Save the panel", widget=GovSubmitInput())


class MemberForm(FlaskForm):
    user_id = SelectField(
        "Person", coerce=int, widget=GovSelect(), validators=[InputRequired("Choose a person")]
    )
    role = RadioField(
        "Role on the panel",
        choices=[("member", "Member"), ("lead", "Lead (runs the panel, also scores)")],
        default="member",
        widget=GovRadioInput(),
        validators=[InputRequired("Choose a role")],
    )
    supporter_id = SelectField(
        "Supporter (optional, for a person supported)",
        description="Helps them take part. A supporter never scores.",
        coerce=int,
        widget=GovSelect(),
        validators=[Optional()],
    )
    submit = SubmitField("Add to the panel", widget=GovSubmitInput())


class DeclarationForm(FlaskForm):
    confidentiality = BooleanField(
        "I agree",
        widget=GovCheckboxInput(),
        validators=[InputRequired("You need to agree before you can see the candidates")],
    )
    conflicts = SelectMultipleField(
        "Do you know any of these people?",
        coerce=int,
        widget=GovCheckboxesInput(),
        validators=[Optional()],
    )
    submit = SubmitField("Save", widget=GovSubmitInput())


class TrainingForm(FlaskForm):
    course = StringField(
        "Training",
        description="For example: Being on an interview panel",
        widget=GovTextInput(),
        validators=[InputRequired("Say which training"), Length(max=200)],
    )
    completed_on = DayMonthYearField(
        "Date done",
        format="%d %m %Y",
        widget=GovDateInput(),
        validators=[InputRequired("Enter the date")],
    )
    submit = SubmitField("Record the training", widget=GovSubmitInput())
