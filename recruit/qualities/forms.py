from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovRadioInput,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import RadioField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional


class ProposeForm(FlaskForm):
    text = StringField(
        "What should the new staff member be like?",
        description="Use your own words. For example: kind, listens to me, likes football.",
        widget=GovTextInput(),
        validators=[InputRequired("Write what you would like"), Length(max=200)],
    )
    symbol = RadioField(
        "Choose a picture (you do not have to)",
        widget=GovRadioInput(),
        validators=[Optional()],
        validate_choice=False,
    )
    submit = SubmitField("Add my idea", widget=GovSubmitInput())


class DeclineForm(FlaskForm):
    reason = TextAreaField(
        "Why not? The person who suggested it will see this.",
        widget=GovTextArea(),
        validators=[Optional(), Length(max=2000)],
    )


class WordingForm(FlaskForm):
    easy_read = TextAreaField(
        "Easy-read words",
        description="How the quality is shown to people supported when they score.",
        widget=GovTextArea(),
        validators=[Optional(), Length(max=500)],
    )
    prompt = TextAreaField(
        "Question on the scoring screen",
        description="For example: Did this person listen to you?",
        widget=GovTextArea(),
        validators=[Optional(), Length(max=1000)],
    )
    interview_question = TextAreaField(
        "Suggested interview question",
        description="For example: Tell us about a time you listened to someone.",
        widget=GovTextArea(),
        validators=[Optional(), Length(max=1000)],
    )
    check_in_question = TextAreaField(
        "Question at the check-ins after the appointment",
        description="People supported are asked it some months after the person starts. "
        "Write “the new staff member” and we put in their name. For example: Does the new "
        "staff member listen to you?",
        widget=GovTextArea(),
        validators=[Optional(), Length(max=1000)],
    )
    submit = SubmitField("Save the wording", widget=GovSubmitInput())
