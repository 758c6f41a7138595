"""JSON API for vacancies: create, read, edit, list, move between stages."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from pydantic import BaseModel, Field
from sqlalchemy import select

from recruit import permissions
from recruit.core.api import Body, endpoint, parse_body
from recruit.core.errors import Forbidden
from recruit.extensions import db
from recruit.panels.models import PanelMember
from recruit.vacancies import operations
from recruit.vacancies.models import Vacancy


def load_vacancy(vacancy_id: int, user, allowed: Callable, message: str) -> Vacancy:
    """404 if there is no such vacancy, 403 if this user may not do this to it."""
    vacancy = operations.get_vacancy(vacancy_id)
    if not allowed(user, vacancy.id):
        raise Forbidden(message)
    return vacancy


class VacancyIn(Body):
    title: str = Field(max_length=200)
    service: str = Field(max_length=200)
    description: str = Field(default="", max_length=20_000)
    easy_read_summary: str = Field(default="", max_length=5_000)
    closes_on: date
    posts: int = 1


class VacancyPatch(Body):
    title: str | None = Field(default=None, max_length=200)
    service: str | None = Field(default=None, max_length=200)
    description: str | None = Field(default=None, max_length=20_000)
    easy_read_summary: str | None = Field(default=None, max_length=5_000)
    closes_on: date | None = None
    posts: int | None = None


class VacancyOut(BaseModel):
    id: int
    title: str
    service: str
    description: str
    easy_read_summary: str
    closes_on: date
    posts: int
    status: str
    created_at: datetime
    updated_at: datetime


class VacancyList(BaseModel):
    vacancies: list[VacancyOut]


class TransitionIn(Body):
    to: str = Field(max_length=32)


class StatusOut(BaseModel):
    id: int
    status: str


def out(vacancy: Vacancy) -> VacancyOut:
    return VacancyOut.model_validate(vacancy, from_attributes=True)


@endpoint(
    "/vacancies",
    "POST",
    summary="Create a vacancy (HR)",
    body=VacancyIn,
    response=VacancyOut,
    status=201,
    errors=(403,),
)
def create_vacancy(user):
    if not permissions.can_create_vacancy(user):
        raise Forbidden("Only HR can create vacancies.")
    body = parse_body(VacancyIn)
    vacancy = operations.create_vacancy(user, **body.model_dump())
    db.session.commit()
    return out(vacancy)


@endpoint(
    "/vacancies",
    "GET",
    summary="Vacancies you can see (HR: all; panel members: theirs)",
    response=VacancyList,
)
def list_vacancies(user):
    query = select(Vacancy).order_by(Vacancy.id)
    if not permissions.is_hr(user):
        query = query.where(
            Vacancy.id.in_(select(PanelMember.vacancy_id).where(PanelMember.user_id == user.id))
        )
    return VacancyList(vacancies=[out(v) for v in db.session.scalars(query).all()])


@endpoint(
    "/vacancies/<int:vacancy_id>",
    "GET",
    summary="A vacancy (HR, its panel members)",
    response=VacancyOut,
    errors=(403, 404),
)
def get_vacancy(user, vacancy_id: int):
    vacancy = load_vacancy(
        vacancy_id,
        user,
        permissions.can_view_vacancy,
        "Only HR and this vacancy's panels can see it.",
    )
    return out(vacancy)


@endpoint(
    "/vacancies/<int:vacancy_id>",
    "PATCH",
    summary="Edit a vacancy (HR)",
    body=VacancyPatch,
    response=VacancyOut,
    errors=(403, 404, 409),
)
def edit_vacancy(user, vacancy_id: int):
    vacancy = load_vacancy(
        vacancy_id, user, permissions.can_edit_vacancy, "Only HR can edit vacancies."
    )
    body = parse_body(VacancyPatch)
    operations.update_vacancy(user, vacancy, **body.model_dump(exclude_unset=True))
    db.session.commit()
    return out(vacancy)


@endpoint(
    "/vacancies/<int:vacancy_id>/transitions",
    "POST",
    summary="Move a vacancy to another stage (HR, its panel lead)",
    body=TransitionIn,
    response=StatusOut,
    errors=(403, 404, 409),
)
def move_vacancy(user, vacancy_id: int):
    vacancy = load_vacancy(
        vacancy_id,
        user,
        permissions.can_move_vacancy,
        "Only HR and this vacancy's panel leads can move it on.",
    )
    body = parse_body(TransitionIn)
    operations.transition(user, vacancy, body.to)
    db.session.commit()
    return StatusOut(id=vacancy.id, status=vacancy.status)
