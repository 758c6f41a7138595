"""Pages for co-evaluation and insights.

* `/check-ins/<id>`: the easy-read check-in on the tablet, one question a screen with the
  scoring screens' pictures and read-aloud; it works as plain forms (the answers so far
  travel with each screen), nothing is kept until the person presses Send.
* `/appointments/<candidate_id>`: an appointed person's interview scores beside what the
  people supported said since, and the probation views (staff, the line manager).
* `/insights`: the organisation's figures with charts and tables, the co-production report
  among them (its old address, /vacancies/report, sends people here).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from recruit import permissions
from recruit.core.errors import DomainError, Forbidden
from recruit.extensions import db
from recruit.insights import figures, operations
from recruit.insights.models import GOING_LABELS, OUTCOME_LABELS, InvitationKind
from recruit.people.models import Role, User
from recruit.people.sessions import require_fresh
from recruit.qualities.models import Quality
from recruit.scoring.views import NOT_SURE, SCALES, choice_for

insights = Blueprint("insights", __name__)

SCALE = SCALES[3]  # No, A bit, Yes: the pictorial scale of the people supported panels
# Rows of "each appointment's figures" on the page; its CSV has them all. An organisation's
# year can hold a few thousand appointments: as a table that is a megabyte of HTML to a
# tablet, and unreadable with a screen reader.
APPOINTMENTS_SHOWN = 100


def _no_store(response):
    """A person's own answers on a shared tablet: never kept in the browser's cache."""
    response.headers["Cache-Control"] = "no-store"
    return response


# --- the check-in ----------------------------------------------------------------------------


@dataclass
class CheckInStep:
    kind: str  # "quality", "comment" or "summary"
    quality: Quality | None = None
    number: int | None = None


NEW_STAFF_MEMBER = re.compile(r"\bthe new (?:staff member|member of staff)\b", re.IGNORECASE)


def check_in_question(name: str, quality: Quality) -> str:
    """The quality's own check-in question with the person's name in it ("Does Sam listen to
    you?"), else one made from its easy-read words."""
    own = (quality.check_in_question or "").strip()
    if not own:
        return f"Is {name} like this: {(quality.easy_read or quality.text).strip()}?"
    if NEW_STAFF_MEMBER.search(own):
        return NEW_STAFF_MEMBER.sub(lambda _match: name, own)
    return f"About {name}: {own}"


def _answers_from(form, qualities: list[Quality]) -> tuple[dict[int, int | None], list[str]]:
    values: dict[int, int | None] = {}
    problems = []
    for quality in qualities:
        raw = form.get(f"q-{quality.id}")
        if raw in (None, ""):
            continue
        if raw == NOT_SURE.value:
            values[quality.id] = None
        elif raw in {c.value for c in SCALE}:
            values[quality.id] = int(raw)
        else:
            problems.append(f"Choose one of the pictures for “{quality.text}”.")
    return values, problems


def _checked(values: dict[int, int | None], quality_id: int) -> str | None:
    if quality_id not in values:
        return None
    value = values[quality_id]
    return NOT_SURE.value if value is None else str(value)


def _render_check_in(check_in, *, step: int, values, comment, problems=(), status=200):
    candidate, vacancy, _ = operations.get_appointment(check_in.candidate_id)
    name = operations.name_for(candidate)
    qualities = operations.check_in_qualities(check_in)
    steps = [CheckInStep("quality", q, number=n) for n, q in enumerate(qualities, start=1)] + [
        CheckInStep("comment"),
        CheckInStep("summary"),
    ]
    step = max(0, min(step, len(steps) - 1))
    response = current_app.make_response(
        (
            render_template(
                "insights/check_in.html",
                check_in=check_in,
                name=name,
                vacancy=vacancy,
                qualities=qualities,
                steps=steps,
                current=step,
                values=values,
                comment=comment,
                checked=_checked,
                scale=SCALE,
                not_sure=NOT_SURE,
                choice_for=choice_for,
                question=check_in_question,
                problems=list(problems),
            ),
            status,
        )
    )
    return _no_store(response)


@insights.route("/check-ins/<int:check_in_id>", methods=["GET", "POST"])
@login_required
def check_in(check_in_id: int):
    check_in = operations.get_check_in(check_in_id)
    invitation = operations.invitation_of(current_user, check_in)
    if invitation is None or invitation.kind != InvitationKind.CHECK_IN:
        raise Forbidden("This check-in is for the people supported who were asked.")
    qualities = operations.check_in_qualities(check_in)
    if request.method == "GET":
        response = operations.response_of(current_user, check_in)
        if response is not None and request.args.get("change") is None:
            return _render_done(check_in, response)
        values = {v.quality_id: v.value for v in response.values} if response else {}
        return _render_check_in(
            check_in,
            step=request.args.get("step", 0, type=int),
            values=values,
            comment=response.comment if response else "",
        )
    if request.form.get("as_user") not in (None, str(current_user.id)):
        raise Forbidden(
            "Someone else is signed in on this tablet now. Please sign in as yourself again."
        )
    values, problems = _answers_from(request.form, qualities)
    comment = request.form.get("comment", "")
    step = request.form.get("step", 0, type=int)
    go = request.form.get("go", "next")
    if problems:
        return _render_check_in(
            check_in, step=step, values=values, comment=comment, problems=problems, status=422
        )
    if go == "next" and step < len(qualities) and qualities[step].id not in values:
        return _render_check_in(
            check_in,
            step=step,
            values=values,
            comment=comment,
            problems=["Tap a picture. If you do not know, tap “Not sure”."],
            status=422,
        )
    if go != "send":
        target = step - 1 if go == "back" else step + 1
        return _render_check_in(check_in, step=target, values=values, comment=comment)
    try:
        response = operations.save_check_in(current_user, check_in, values=values, comment=comment)
    except DomainError as error:
        db.session.rollback()
        messages = [m for ms in error.fields.values() for m in ms] or [error.message]
        return _render_check_in(
            check_in,
            step=len(qualities) + 1,
            values=values,
            comment=comment,
            problems=messages,
            status=error.status,
        )
    db.session.commit()
    flash("Thank you. Your answers are sent.", "success")
    return redirect(url_for("insights.check_in", check_in_id=check_in.id))


def _render_done(check_in, response):
    candidate, vacancy, _ = operations.get_appointment(check_in.candidate_id)
    qualities = operations.check_in_qualities(check_in)
    values = {v.quality_id: v.value for v in response.values}
    return _no_store(
        current_app.make_response(
            render_template(
                "insights/check_in_done.html",
                check_in=check_in,
                name=operations.name_for(candidate),
                qualities=qualities,
                values=values,
                response=response,
                choice_for=choice_for,
                question=check_in_question,
            )
        )
    )


# --- an appointment: scores beside what was said since ----------------------------------------


@insights.route("/appointments/<int:candidate_id>", methods=["GET", "POST"])
@login_required
def appointment(candidate_id: int):
    candidate, vacancy, decision = operations.get_appointment(candidate_id)
    if not (
        permissions.can_add_probation_view(current_user, vacancy.id)
        or permissions.can_see_insights(current_user)
    ):
        raise Forbidden("Only staff on the panel, its lead, HR and admins see this page.")
    problems: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        action = request.form.get("action", "view")
        try:
            if action == "consent":
                operations.record_first_name_consent(
                    current_user,
                    candidate,
                    first_name=request.form.get("first_name"),
                    consent=request.form.get("consent") == "yes",
                )
                message = "Consent to share the first name is recorded."
            else:
                operations.record_probation_view(
                    current_user,
                    candidate,
                    vacancy,
                    going=request.form.get("going", ""),
                    comment=request.form.get("comment", ""),
                    outcome=request.form.get("outcome") or None,
                )
                message = "Your probation view is saved."
        except DomainError as error:
            db.session.rollback()
            problems = error.fields or {"": [error.message]}
            status = error.status
        else:
            db.session.commit()
            flash(message, "success")
            return redirect(url_for("insights.appointment", candidate_id=candidate.id))
    story = figures.appointment_story(candidate, vacancy)
    mine = next((v for v in story.views if v.user_id == current_user.id), None)
    return (
        render_template(
            "insights/appointment.html",
            candidate=candidate,
            vacancy=vacancy,
            decision=decision,
            name=operations.name_for(candidate),
            story=story,
            mine=mine,
            users={u.id: u for u in db.session.query(User).filter(User.id.in_(story.user_ids))},
            going_labels=GOING_LABELS,
            outcome_labels=OUTCOME_LABELS,
            problems=problems,
            form=request.form,
            can_outcome=permissions.can_record_probation_outcome(current_user, vacancy.id),
            can_view=permissions.can_add_probation_view(current_user, vacancy.id),
        ),
        status,
    )


# --- the service a person supported belongs to ---------------------------------------------


@insights.route("/admin/users/<int:user_id>/service", methods=["GET", "POST"])
@login_required
def user_service(user_id: int):
    if not permissions.can_set_service(current_user):
        raise Forbidden("Only HR and admins set someone's service.")
    require_fresh()  # an admin page, like the rest of /admin/
    user = db.session.get(User, user_id)
    if user is None or user.role != Role.PERSON_SUPPORTED:
        from recruit.core.errors import NotFound

        raise NotFound("We could not find that person supported.")
    problems: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        try:
            operations.set_service(current_user, user, request.form.get("service"))
        except DomainError as error:
            db.session.rollback()
            problems, status = error.fields or {"service": [error.message]}, error.status
        else:
            db.session.commit()
            flash(f"{user.display_name}'s service is saved.", "success")
            return redirect(url_for("people.users"))
    return (
        render_template(
            "insights/user_service.html",
            person=user,
            services=operations.services(),
            problems=problems,
            value=request.form.get("service", user.service or ""),
        ),
        status,
    )


@insights.app_template_filter("score")
def score_filter(value: float | None) -> str:
    """A 0–100 figure as people read it: two decimals, rounded half up; a dash when none."""
    from recruit.scoring.results import two

    return "–" if value is None else f"{two(value):.2f}"


# --- insights for the organisation -------------------------------------------------------------


def _filters() -> tuple[figures.Filters, dict[str, list[str]]]:
    """The service and period asked for; what cannot be read is said, and the last year
    shown instead."""
    from datetime import date

    from recruit.core.time import local_today

    today = local_today()
    default = figures.Filters.last_year(today)
    problems: dict[str, list[str]] = {}
    service = (request.args.get("service") or "").strip() or None
    dates = {}
    for name, fallback in (("start", default.start), ("end", default.end)):
        raw = (request.args.get(name) or "").strip()
        if not raw:
            dates[name] = fallback
            continue
        try:
            dates[name] = date.fromisoformat(raw)
        except ValueError:
            problems[name] = ["Give the date like 2026-04-01."]
            dates[name] = fallback
    if not problems and dates["start"] > dates["end"]:
        problems["start"] = ["The start of the period must be before its end."]
        dates = {"start": default.start, "end": default.end}
    return figures.Filters(dates["start"], dates["end"], service), problems


def _insight_tables(filters: figures.Filters) -> dict[str, object]:
    from recruit.insights import tables

    shares = figures.panel_shares(filters)
    found = figures.appointments(filters)
    choice = figures.first_choice(filters, found)
    correlations = figures.predictions(filters, found)
    taking_part = figures.participation(filters)
    times = figures.stage_times(filters)
    return {
        "shares": shares,
        "choice": choice,
        "correlations": correlations,
        "taking_part": taking_part,
        "times": times,
        "found": found,
        "tables": {
            t.name: t
            for t in (
                tables.shares_by_quarter(shares),
                tables.shares_by_service(shares),
                tables.first_choice(choice),
                tables.first_choice_by_service(choice),
                tables.overrides(choice),
                tables.predictions(correlations),
                tables.appointments(found),
                tables.participation_summary(taking_part),
                tables.participation_by_activity(taking_part),
                tables.stages(times),
            )
        },
    }


def _charts(data: dict) -> dict:
    from recruit.insights import charts
    from recruit.insights.tables import num, pct

    shares, choice = data["shares"], data["choice"]
    series = ["Vacancies with a people supported panel", "People supported share of the weight"]

    def share_rows(rows):
        return [
            (r.label, [(r.panel_share, pct(r.panel_share)), (r.weight_share, pct(r.weight_share))])
            for r in rows
        ]

    total = choice.first + choice.not_first + choice.no_ranking
    return {
        "by_quarter": charts.bar_chart(
            "People supported panels per quarter",
            share_rows(shares.by_quarter),
            series,
            maximum=100,
        ),
        "by_service": charts.bar_chart(
            "People supported panels per service",
            share_rows(shares.by_service),
            series,
            maximum=100,
            styles=[0, 1],
        ),
        "first_choice": charts.bar_chart(
            "Appointments and the people supported panels' first choice",
            [
                ("Their first choice", [(choice.first, f"{choice.first} of {total}")]),
                ("Not their first choice", [(choice.not_first, f"{choice.not_first} of {total}")]),
                ("No people supported scores", [(choice.no_ranking, f"{choice.no_ranking}")]),
            ],
            ["Appointments"],
            maximum=max(total, 1),
            styles=[2],
        ),
        "predictions": charts.diverging_chart(
            "How closely interview scores matched what happened later (r from −1 to 1)",
            [
                (
                    f"{c.group_label.replace(' panels', '')} → "
                    f"{'check-ins' if c.outcome == 'co_evaluation' else 'stayed'}",
                    c.r,
                    (num(c.r, 2) if c.r is not None else "none") + f" (n={c.cases})",
                )
                for c in data["correlations"]
            ],
            3,
        ),
        "participation": charts.bar_chart(
            "Hours people supported gave, by activity",
            [(r.label, [(r.hours, f"{num(r.hours)} h")]) for r in data["taking_part"].by_activity],
            ["Hours"],
            styles=[0],
        ),
        "stages": charts.bar_chart(
            "Mean days in each stage, from vacancy to decision",
            [(r.label, [(r.mean_days, f"{num(r.mean_days)} days")]) for r in data["times"].stages],
            ["Days"],
            styles=[1],
        ),
    }


@insights.get("/insights")
@login_required
def page():
    from recruit.decisions.charts import fill, patterns
    from recruit.insights import charts as chart_geometry

    if not permissions.can_see_insights(current_user):
        raise Forbidden("Only HR and admins see the organisation's insights.")
    filters, problems = _filters()
    data = _insight_tables(filters)
    query = {
        "service": filters.service or "",
        "start": filters.start.isoformat(),
        "end": filters.end.isoformat(),
    }
    return (
        render_template(
            "insights/page.html",
            filters=filters,
            problems=problems,
            services=operations.services(),
            query=query,
            charts=_charts(data),
            patterns=patterns(),
            fill_for=fill,
            bar_x=chart_geometry.bar_x,
            min_cases=figures.MIN_CASES,
            appointments_shown=APPOINTMENTS_SHOWN,
            **data,
        ),
        200,  # a filter that cannot be read is said on the page, with the last year shown
    )


@insights.get("/insights/<name>.csv")
@login_required
def csv_file(name: str):
    from recruit.core.errors import NotFound
    from recruit.decisions.pack import to_csv

    if not permissions.can_see_insights(current_user):
        raise Forbidden("Only HR and admins see the organisation's insights.")
    require_fresh()  # an export
    filters, problems = _filters()
    if problems:
        from recruit.core.errors import ValidationFailed

        raise ValidationFailed(fields=problems)
    table = _insight_tables(filters)["tables"].get(name)
    if table is None:
        raise NotFound("There is no such table.")
    where = filters.service or "all-services"
    filename = re.sub(r"[^a-z0-9-]+", "-", f"{name}-{where}-{filters.start}-{filters.end}".lower())
    filename += ".csv"
    response = current_app.response_class(
        to_csv([table.headers, *table.rows]), mimetype="text/csv; charset=utf-8"
    )
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- for the people supported: what we did together this year ----------------------------------


@insights.get("/our-year")
@login_required
def our_year():
    from recruit.core.time import local_today

    service = (request.args.get("service") or current_user.service or "").strip()
    this_year = local_today().year
    year = request.args.get("year", this_year, type=int)
    if not service:
        return render_template("insights/our_year_none.html")
    if not permissions.can_see_our_year(current_user, service):
        raise Forbidden("This page is for the people at that service and the staff.")
    if not 2000 <= year <= this_year:
        year = this_year
    return render_template(
        "insights/our_year.html",
        story=figures.our_year(service, year),
        this_year=this_year,
    )
