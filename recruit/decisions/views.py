"""The decision page (combined scores with the weighting made visible, decisions with
reasons), releasing results, and "you said, we did" for panel members."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required

from recruit import permissions
from recruit.core.errors import Conflict, DomainError, Forbidden, as_id
from recruit.decisions import charts, operations
from recruit.decisions import pack as pack_ops
from recruit.extensions import db
from recruit.panels.operations import membership
from recruit.people.sessions import require_fresh
from recruit.qualities.operations import accepted_qualities
from recruit.scoring.results import (
    quality_breakdown,
    submitted_comments,
    two,
    vacancy_results,
)
from recruit.vacancies.models import Status
from recruit.vacancies.operations import get_vacancy
from recruit.vacancies.views import vacancy_for

decisions = Blueprint("decisions", __name__)

FLAG_WORDS = {
    "people_supported_preferred_other": "People supported preferred someone else",
    "concern_raised": "A person supported said “no” to being supported by this person",
    "incomplete": "Not every panel has sent scores for this person: the overall score is worked "
    "out from the other panels only, and the share of a panel without scores is left empty",
    "tie": "Same overall score as another candidate",
    "panel_without_score": "A panel sent scores, but every answer was “not sure”, so that panel "
    "has no score: the overall score is worked out from the other panels only, and its share "
    "of the bar is left empty",
}
OUTCOME_WORDS = {"appoint": "Appoint", "reserve": "Reserve", "not_appointed": "Not appointed"}


@decisions.app_template_filter("and_list")
def and_list(words) -> str:
    """["A", "B", "C"] as "A, B and C"."""
    return charts.and_list(list(words))


def _results_context(vacancy) -> dict:
    """What the decision page and the members' results page draw: each candidate's bar, with
    every panel's slot as wide as its share of all the panels' weight, and its words."""
    panels, results = vacancy_results(vacancy)
    styles = {p.id: n for n, p in enumerate(panels)}
    by_id = {p.id: p for p in panels}
    total_weight = sum(p.weight for p in panels) or 1.0
    share = {p.id: 100 * p.weight / total_weight for p in panels}
    bars = {
        r.candidate_id: charts.layout(
            [
                charts.Slot(
                    by_id[p.panel_id].name,
                    share[p.panel_id],
                    p.score,
                    styles[p.panel_id],
                    reason=charts.no_score_reason(p.submitted, p.expected, p.score),
                )
                for p in r.panels
            ]
        )
        for r in results
    }
    return {
        "panels": panels,
        "results": results,
        "styles": styles,
        "share": share,
        "bars": bars,
        "notes": {cid: charts.note(slots) for cid, slots in bars.items()},
        "no_score": {
            (r.candidate_id, p.panel_id): charts.no_score_reason(p.submitted, p.expected, p.score)
            for r in results
            for p in r.panels
        },
        "no_score_words": charts.NO_SCORE_WORDS,
        "patterns": charts.patterns(),
        "fill": charts.fill,
        "two": two,
    }


@decisions.get("/vacancies/<int:vacancy_id>/decision")
@login_required
def page(vacancy_id: int):
    vacancy = vacancy_for(vacancy_id, permissions.can_see_results)
    if vacancy.before(Status.INTERVIEWING) or vacancy.status == Status.WITHDRAWN:
        raise Conflict("There are no results before interviewing starts.")
    return render_template(
        "decisions/page.html",
        vacancy=vacancy,
        held_back=operations.figures_held_back(current_user, vacancy),
        **_results_context(vacancy),
        qualities=accepted_qualities(vacancy),
        breakdown=quality_breakdown(vacancy),
        comments=submitted_comments(vacancy),
        decided=operations.decisions_of(vacancy),
        flag_words=FLAG_WORDS,
        outcome_words=OUTCOME_WORDS,
        deciding=vacancy.status == Status.DECIDING,
        pack=pack_ops.latest_pack(vacancy),
    )


@decisions.post("/vacancies/<int:vacancy_id>/decision")
@login_required
def decide(vacancy_id: int):
    vacancy = vacancy_for(vacancy_id, permissions.can_decide)
    candidate_id = as_id(request.form.get("candidate_id", "")) or 0
    try:
        decision = operations.record_decision(
            current_user,
            vacancy,
            candidate_id=candidate_id,
            outcome=request.form.get("outcome", ""),
            rationale=request.form.get("rationale", ""),
            override_reason=request.form.get("override_reason", ""),
        )
    except DomainError as error:
        db.session.rollback()
        details = " ".join(m for msgs in error.fields.values() for m in msgs)
        flash(f"The decision was not saved. {error.message} {details}".strip(), "error")
        return redirect(url_for("decisions.page", vacancy_id=vacancy.id) + f"#c-{candidate_id}")
    db.session.commit()
    flash(f"Decision saved: {OUTCOME_WORDS[decision.outcome]}.", "success")
    return redirect(url_for("decisions.page", vacancy_id=vacancy.id) + f"#c-{candidate_id}")


@decisions.post("/vacancies/<int:vacancy_id>/release")
@login_required
def release(vacancy_id: int):
    vacancy = vacancy_for(vacancy_id, permissions.can_decide)
    try:
        operations.release_results(current_user, vacancy)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash("Panel members can now see the combined results.", "success")
    return redirect(url_for("decisions.page", vacancy_id=vacancy.id))


@decisions.get("/vacancies/<int:vacancy_id>/our-results")
@login_required
def released(vacancy_id: int):
    """The combined results as panel members see them, once the lead has released them."""
    vacancy = vacancy_for(vacancy_id, permissions.is_member)
    if not vacancy.results_shared:
        raise Forbidden("The results have not been shared yet. The panel lead will share them.")
    return render_template(
        "decisions/released.html",
        vacancy=vacancy,
        **_results_context(vacancy),
        easy_read=current_user.role == "person_supported",
    )


@decisions.get("/vacancies/<int:vacancy_id>/outcome")
@login_required
def outcome(vacancy_id: int):
    """'You said, we did': who was chosen and how this member's panel counted."""
    vacancy = vacancy_for(vacancy_id)
    if vacancy.before(Status.DECIDED) or vacancy.status == Status.WITHDRAWN:
        raise Conflict("The decision has not been made yet.")
    summary = operations.outcome_for(vacancy, membership(current_user, vacancy.id))
    return render_template(
        "decisions/outcome.html",
        vacancy=vacancy,
        summary=summary,
        two=two,
        easy_read=current_user.role == "person_supported",
    )


@decisions.post("/vacancies/<int:vacancy_id>/packs")
@login_required
def request_pack(vacancy_id: int):
    vacancy = vacancy_for(vacancy_id, permissions.can_see_results)
    if operations.figures_held_back(current_user, vacancy):
        raise Forbidden("Send your own scores first: the pack holds everyone's scores.")
    try:
        pack_ops.request_pack(current_user, vacancy)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash("The decision pack is being made. This page shows when it is ready.", "success")
    return redirect(url_for("decisions.page", vacancy_id=vacancy.id) + "#pack")


def _pack_for(pack_id: int):
    pack = pack_ops.get_pack(pack_id)
    if not permissions.can_see_results(current_user, pack.vacancy_id):
        raise Forbidden()
    if operations.figures_held_back(current_user, get_vacancy(pack.vacancy_id)):
        raise Forbidden("Send your own scores first: the pack holds everyone's scores.")
    return pack


@decisions.get("/packs/<int:pack_id>.json")
@login_required
def pack_status(pack_id: int):
    pack = _pack_for(pack_id)
    return jsonify(
        {
            "id": pack.id,
            "status": pack.status,
            "progress": pack.progress,
            "csv": url_for("decisions.pack_file", pack_id=pack.id, kind="csv")
            if pack.status == pack_ops.DONE
            else None,
            "pdf": url_for("decisions.pack_file", pack_id=pack.id, kind="pdf")
            if pack.status == pack_ops.DONE
            else None,
        }
    )


@decisions.get("/packs/<int:pack_id>.<any(csv, pdf):kind>")
@login_required
def pack_file(pack_id: int, kind: str):
    pack = _pack_for(pack_id)
    require_fresh()
    if pack.status != pack_ops.DONE:
        raise Conflict("The decision pack is not ready yet.")
    data = pack.csv_data if kind == "csv" else pack.pdf_data
    mimetype = "text/csv; charset=utf-8" if kind == "csv" else "application/pdf"
    return Response(
        data,
        mimetype=mimetype,
        headers={
            "Content-Disposition": f'attachment; filename="decision-pack-{pack.vacancy_id}.{kind}"',
            "Cache-Control": "no-store",
        },
    )
