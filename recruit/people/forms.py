from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovPasswordInput,
    GovRadioInput,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import (
    PasswordField,
    RadioField,
    SelectMultipleField,
    StringField,
    SubmitField,
)
from wtforms.validators import InputRequired, Length, Optional

from recruit.people.models import ROLE_LABELS


class SignInForm(FlaskForm):
    username = StringField(
        "Username",
        widget=GovTextInput(),
        validators=[InputRequired("Enter your username"), Length(max=64)],
    )
    password = PasswordField(
        "Password",
        widget=GovPasswordInput(),
        validators=[InputRequired("Enter your password"), Length(max=256)],
    )
    submit = SubmitField("Sign in", widget=GovSubmitInput())


class ConfirmForm(FlaskForm):
    password = PasswordField(
        "Your password",
        widget=GovPasswordInput(),
        validators=[InputRequired("Enter your password"), Length(max=256)],
    )
    submit = SubmitField("Confirm it is me", widget=GovSubmitInput())


class PinForm(FlaskForm):
    pin = PasswordField(
        "Your PIN",
        widget=GovPasswordInput(),
        validators=[InputRequired("Enter your 4 numbers"), Length(max=16)],
    )
    submit = SubmitField("Sign in", widget=GovSubmitInput())


class UserForm(FlaskForm):
    display_name = StringField(
        "Name",
        description="The name people know them by, like Jo Jones",
        widget=GovTextInput(),
        validators=[InputRequired("Enter their name"), Length(max=100)],
    )
    username = StringField(
        "Username",
        description="What they type or choose to sign in, like jo.jones",
        widget=GovTextInput(),
        validators=[InputRequired("Enter a username"), Length(max=64)],
    )
    role = RadioField(
        "Role",
        choices=[(role.value, label) for role, label in ROLE_LABELS.items()],
        widget=GovRadioInput(),
        validators=[InputRequired("Choose a role")],
    )
    email = StringField(
        "Email address (optional)",
        widget=GovTextInput(),
        validators=[Optional(), Length(max=254)],
    )
    password = PasswordField(
        "Password (optional for people who use a PIN)",
        description="At least 8 characters",
        widget=GovPasswordInput(),
        validators=[Optional(), Length(max=256)],
    )
    pin = PasswordField(
        "PIN (optional)",
        description="4 numbers, for signing in on a tablet",
        widget=GovPasswordInput(),
        validators=[Optional(), Length(max=16)],
    )
    submit = SubmitField("Add person", widget=GovSubmitInput())


class ResetPinForm(FlaskForm):
    pin = PasswordField(
        "New PIN",
        description="4 numbers. Tell the person their new PIN in private.",
        widget=GovPasswordInput(),
        validators=[InputRequired("Enter 4 numbers"), Length(max=16)],
    )
    submit = SubmitField("Save PIN", widget=GovSubmitInput())


class ResetPasswordForm(FlaskForm):
    password = PasswordField(
        "New password",
        description="At least 8 characters",
        widget=GovPasswordInput(),
        validators=[InputRequired("Enter a password"), Length(max=256)],
    )
    submit = SubmitField("Save password", widget=GovSubmitInput())


class OpenTabletForm(FlaskForm):
    label = StringField(
        "Name for this tablet",
        description="For example: Interviews at Oak House",
        widget=GovTextInput(),
        validators=[InputRequired("Give the tablet a name"), Length(max=100)],
    )
    people = SelectMultipleField(
        "Who will sign in on this tablet today?",
        coerce=int,
        widget=GovCheckboxesInput(),
        validators=[InputRequired("Choose at least one person")],
    )
    submit = SubmitField("Open the tablet", widget=GovSubmitInput())
