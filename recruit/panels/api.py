"""JSON API for panels, their members, and members' declarations."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field, StrictBool

from recruit import permissions
from recruit.core.api import Body, Id, endpoint, parse_body
from recruit.core.errors import Forbidden
from recruit.extensions import db
from recruit.panels import operations
from recruit.panels.models import Panel
from recruit.vacancies.api import load_vacancy
from recruit.vacancies.operations import get_vacancy


class PanelIn(Body):
    name: str = Field(max_length=100)
    kind: str = Field(max_length=32, description="people_supported, staff or mixed")
    weight: float = Field(description="a number > 0; what counts is each panel's share")
    scale: int = Field(description="3 (pictorial) or 5")
    max_interviews_per_day: int | None = None
    break_minutes: int | None = None


class PanelPatch(Body):
    name: str | None = Field(default=None, max_length=100)
    kind: str | None = Field(default=None, max_length=32)
    weight: float | None = None
    scale: int | None = None
    max_interviews_per_day: int | None = None
    break_minutes: int | None = None


class PanelOut(BaseModel):
    id: int
    vacancy_id: int
    name: str
    kind: str
    weight: float
    share: float = Field(description="this panel's share of the vacancy's total weight, in %")
    scale: int
    max_interviews_per_day: int | None
    break_minutes: int
    members: int


class MemberIn(Body):
    user_id: Id
    role: Literal["member", "lead"] = "member"
    supporter_id: Id | None = None


class MemberOut(BaseModel):
    id: int
    panel_id: int
    user_id: int
    role: str
    supporter_id: int | None


class DeclarationIn(Body):
    confidentiality: StrictBool
    conflicts: list[Id] = Field(default_factory=list, max_length=1000)


class DeclarationOut(BaseModel):
    id: int
    vacancy_id: int
    user_id: int
    confidentiality: bool
    conflicts: list[int]
    made_at: datetime


def out(panel: Panel) -> PanelOut:
    vacancy = get_vacancy(panel.vacancy_id)
    panels = operations.panels_of(vacancy)
    total = sum(p.weight for p in panels) or 1.0
    return PanelOut(
        id=panel.id,
        vacancy_id=panel.vacancy_id,
        name=panel.name,
        kind=panel.kind,
        weight=panel.weight,
        share=round(100.0 * panel.weight / total, 2),
        scale=panel.scale,
        max_interviews_per_day=panel.max_interviews_per_day,
        break_minutes=panel.break_minutes,
        members=len(panel.members),
    )


def load_panel(panel_id: int, user):
    panel = operations.get_panel(panel_id)
    vacancy = get_vacancy(panel.vacancy_id)
    if not permissions.can_manage_panels(user, vacancy.id):
        raise Forbidden("Only HR can set up panels.")
    return panel, vacancy


@endpoint(
    "/vacancies/<int:vacancy_id>/panels",
    "POST",
    summary="Add a panel (HR)",
    body=PanelIn,
    response=PanelOut,
    status=201,
    errors=(403, 404, 409),
)
def create_panel(user, vacancy_id: int):
    vacancy = load_vacancy(
        vacancy_id, user, permissions.can_manage_panels, "Only HR can set up panels."
    )
    body = parse_body(PanelIn)
    panel = operations.create_panel(user, vacancy, **body.model_dump())
    db.session.commit()
    return out(panel)


@endpoint(
    "/panels/<int:panel_id>",
    "PATCH",
    summary="Change a panel (HR, before interviewing)",
    body=PanelPatch,
    response=PanelOut,
    errors=(403, 404, 409),
)
def edit_panel(user, panel_id: int):
    panel, vacancy = load_panel(panel_id, user)
    body = parse_body(PanelPatch)
    operations.update_panel(user, panel, vacancy, **body.model_dump(exclude_unset=True))
    db.session.commit()
    return out(panel)


@endpoint(
    "/panels/<int:panel_id>/members",
    "POST",
    summary="Add a member or the lead to a panel (HR)",
    body=MemberIn,
    response=MemberOut,
    status=201,
    errors=(403, 404, 409),
)
def add_member(user, panel_id: int):
    panel, vacancy = load_panel(panel_id, user)
    body = parse_body(MemberIn)
    member = operations.add_member(user, panel, vacancy, **body.model_dump())
    db.session.commit()
    return MemberOut(
        id=member.id,
        panel_id=panel.id,
        user_id=member.user_id,
        role=member.role,
        supporter_id=member.supporter_id,
    )


@endpoint(
    "/vacancies/<int:vacancy_id>/declarations",
    "POST",
    summary="Agree to confidentiality and declare conflicts of interest (its panel members)",
    body=DeclarationIn,
    response=DeclarationOut,
    status=201,
    errors=(403, 404, 409),
)
def make_declaration(user, vacancy_id: int):
    vacancy = load_vacancy(
        vacancy_id,
        user,
        permissions.can_declare,
        "Only this vacancy's panel members make declarations.",
    )
    body = parse_body(DeclarationIn)
    declaration = operations.declare(
        user, vacancy, confidentiality=body.confidentiality, conflicts=body.conflicts
    )
    db.session.commit()
    return DeclarationOut(
        id=declaration.id,
        vacancy_id=vacancy.id,
        user_id=user.id,
        confidentiality=True,
        conflicts=[c.candidate_id for c in declaration.conflicts],
        made_at=declaration.made_at,
    )
