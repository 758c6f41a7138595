"""JSON API for people: tokens and users. Thin: parse, check, call the operation, commit."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from flask import Response, request
from pydantic import BaseModel, Field, model_validator

from recruit import permissions
from recruit.core.api import Body, endpoint, parse_body
from recruit.core.errors import Forbidden, InvalidCredentials, NotSignedIn
from recruit.core.limits import mark_failed, sign_in_limited
from recruit.extensions import db
from recruit.people import operations, sessions

RoleName = Literal["admin", "hr", "panel_lead", "staff", "person_supported"]


class TokenRequest(Body):
    username: str = Field(max_length=64)
    password: str | None = Field(default=None, max_length=256)
    pin: str | None = Field(default=None, max_length=16)

    @model_validator(mode="after")
    def one_secret(self):
        if (self.password is None) == (self.pin is None):
            raise ValueError("Send either a password or a PIN.")
        return self


class UserOut(BaseModel):
    id: int
    username: str
    role: RoleName


class TokenOut(BaseModel):
    token: str
    expires_at: datetime
    user: UserOut


class UserIn(Body):
    username: str = Field(max_length=64)
    display_name: str = Field(max_length=100)
    role: str = Field(max_length=32, description="admin, hr, panel_lead, staff or person_supported")
    email: str | None = Field(default=None, max_length=254)
    password: str | None = Field(default=None, max_length=256)
    pin: str | None = Field(default=None, max_length=16)


class UserCreated(UserOut):
    display_name: str
    email: str | None


@endpoint(
    "/tokens",
    "POST",
    summary="Exchange a username and password (or PIN) for a bearer token",
    body=TokenRequest,
    response=TokenOut,
    status=201,
    auth=False,
    errors=(401, 429),
)
@sign_in_limited
def create_token():
    body = parse_body(TokenRequest)
    try:
        if body.password is not None:
            user = operations.authenticate_password(body.username, body.password)
        else:
            user = operations.authenticate_pin(operations.find_user(body.username), body.pin)
    except InvalidCredentials:
        db.session.commit()  # keep the PIN failure count
        mark_failed()
        raise
    plain, token = operations.issue_token(user)
    db.session.commit()
    return TokenOut(
        token=plain,
        expires_at=token.expires_at,
        user=UserOut(id=user.id, username=user.username, role=user.role),
    )


@endpoint(
    "/tokens/current",
    "DELETE",
    summary="Revoke the bearer token this request is made with (sign out of the API)",
    status=204,
    auth=False,
    errors=(401,),
)
def revoke_current_token():
    scheme, _, plain = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not plain.strip():
        raise NotSignedIn("Send the token to revoke as Authorization: Bearer TOKEN.")
    if operations.user_for_token(plain.strip()) is None:
        raise NotSignedIn("The token is missing, wrong or expired. Ask for a new one.")
    operations.revoke_token(plain.strip())
    db.session.commit()
    return Response(status=204)


@endpoint(
    "/users",
    "POST",
    summary="Add a person (admin, HR)",
    body=UserIn,
    response=UserCreated,
    status=201,
    errors=(403, 409),
)
def create_user(user):
    if not permissions.can_create_user(user):
        raise Forbidden("Only admins and HR can add people.")
    sessions.require_fresh()  # a page session only; bearer tokens are not asked
    body = parse_body(UserIn)
    created = operations.create_user(user, **body.model_dump())
    db.session.commit()
    return UserCreated(
        id=created.id,
        username=created.username,
        role=created.role,
        display_name=created.display_name,
        email=created.email,
    )
