"""The decision pack: a CSV (opens cleanly in Excel) and a PDF of everything that led to the
decision. Built by a worker (`decisions.build_pack`), with progress the page can show."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from fpdf import FPDF
from sqlalchemy import LargeBinary, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column

from recruit.core import audit, outbox
from recruit.core.errors import Conflict, NotFound
from recruit.core.time import UTCDateTime, utcnow
from recruit.extensions import db
from recruit.people.models import User
from recruit.qualities.operations import qualities_of
from recruit.scoring.results import two, vacancy_results
from recruit.vacancies.models import Status, Vacancy

BUILD_TASK = "decisions.build_pack"
QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")


class DecisionPack(db.Model):
    __tablename__ = "decision_pack"

    id: Mapped[int] = mapped_column(primary_key=True)
    vacancy_id: Mapped[int] = mapped_column(db.ForeignKey("vacancy.id", ondelete="CASCADE"))
    requested_by_id: Mapped[int | None] = mapped_column(
        db.ForeignKey("user.id", ondelete="SET NULL")
    )
    status: Mapped[str] = mapped_column(String(10), default=QUEUED)
    progress: Mapped[int] = mapped_column(default=0)
    csv_data: Mapped[bytes | None] = mapped_column(LargeBinary)
    pdf_data: Mapped[bytes | None] = mapped_column(LargeBinary)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


def request_pack(actor: User, vacancy: Vacancy) -> DecisionPack:
    """Queue a new pack for the workers to build."""
    if vacancy.before(Status.INTERVIEWING) or vacancy.status == Status.WITHDRAWN:
        raise Conflict("There is nothing to put in a decision pack before interviewing.")
    pack = DecisionPack(vacancy_id=vacancy.id, requested_by_id=actor.id, status=QUEUED)
    db.session.add(pack)
    db.session.flush()
    outbox.enqueue(BUILD_TASK, pack_id=pack.id)
    audit.record("decision_pack.requested", pack, actor=actor)
    return pack


def latest_pack(vacancy: Vacancy) -> DecisionPack | None:
    return db.session.scalar(
        select(DecisionPack)
        .where(DecisionPack.vacancy_id == vacancy.id)
        .order_by(DecisionPack.id.desc())
        .limit(1)
    )


def get_pack(pack_id: int) -> DecisionPack:
    pack = db.session.get(DecisionPack, pack_id)
    if pack is None:
        raise NotFound("We could not find that decision pack.")
    return pack


# What makes Excel, LibreOffice or Google Sheets read a cell as a formula (or DDE), also
# after leading spaces or line breaks, and in the full-width forms some keyboards type.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def safe_cell(value) -> str:
    """A cell that a spreadsheet will never run as a formula."""
    text = "" if value is None else str(value)
    if text[:1] in FORMULA_STARTS or text.lstrip(" \t\r\n")[:1] in FORMULA_STARTS:
        return "'" + text
    return text


def _number(value: float | None) -> str:
    return "" if value is None else f"{two(value):.2f}"


def pack_rows(vacancy: Vacancy) -> list[list[str]]:
    """Every row of the pack, in sections, as plain text cells."""
    from recruit.decisions.operations import decisions_of

    panels, results = vacancy_results(vacancy)
    decided = decisions_of(vacancy)
    proposers = {u.id: u.display_name for u in db.session.scalars(select(User)).all()}
    rows: list[list[str]] = [
        ["Decision pack", vacancy.title, vacancy.service],
        ["Made on", utcnow().date().isoformat(), "Closing date", vacancy.closes_on.isoformat()],
        ["Stage", vacancy.status_label, "Posts", str(vacancy.posts)],
        [],
        ["Qualities", "Proposed by", "Group", "Status", "Reason if declined"],
    ]
    for quality in qualities_of(vacancy):
        rows.append(
            [
                quality.text,
                proposers.get(quality.proposed_by_id, ""),
                quality.group_label,
                quality.status,
                quality.decline_reason,
            ]
        )
    total = sum(p.weight for p in panels) or 1.0
    rows += [[], ["Panels", "Kind", "Weight", "Share of the decision (%)", "Scale"]]
    for panel in panels:
        rows.append(
            [
                panel.name,
                panel.kind,
                f"{panel.weight:g}",
                f"{100 * panel.weight / total:.2f}",
                str(panel.scale),
            ]
        )
    header = [
        "Results",
        "Rank",
        "Overall",
        "Complete",
        "Flags",
        "People supported score",
        "People supported rank",
    ]
    for panel in panels:
        header += [
            f"{panel.name}: score",
            f"{panel.name}: contribution",
            f"{panel.name}: sent/expected",
        ]
    rows += [[], header]
    for result in results:
        row = [
            result.alias,
            str(result.rank or ""),
            _number(result.overall),
            "yes" if result.complete else "no",
            " ".join(result.flags),
            _number(result.people_supported_score),
            str(result.people_supported_rank or ""),
        ]
        for part in result.panels:
            row += [
                _number(part.score),
                _number(part.contribution),
                f"{part.submitted}/{part.expected}",
            ]
        rows.append(row)
    rows += [
        [],
        ["Decisions", "Outcome", "Rationale", "Override reason", "Flags at the time", "Decided on"],
    ]
    alias = {r.candidate_id: r.alias for r in results}
    for candidate_id, decision in decided.items():
        rows.append(
            [
                alias.get(candidate_id, str(candidate_id)),
                decision.outcome,
                decision.rationale,
                decision.override_reason,
                " ".join(decision.flags),
                decision.decided_at.date().isoformat(),
            ]
        )
    return rows


def to_csv(rows: list[list[str]]) -> bytes:
    """UTF-8 with a byte-order mark and CRLF line ends, so Excel opens it cleanly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


class _PackPDF(FPDF):
    def __init__(self, title: str) -> None:
        super().__init__(orientation="L", format="A4")
        self.pack_title = title
        if (FONT_DIR / "DejaVuSans.ttf").exists():
            self.add_font("Body", "", str(FONT_DIR / "DejaVuSans.ttf"))
            self.add_font("Body", "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
            self.body_font = "Body"
        else:  # without a Unicode font, fall back to the built-in one (Latin-1 only)
            self.body_font = "Helvetica"
        self.set_auto_page_break(auto=True, margin=15)

    def text_for(self, value: str) -> str:
        if self.body_font == "Helvetica":
            return value.encode("latin-1", "replace").decode("latin-1")
        return value

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(self.body_font, "", 8)
        self.cell(0, 8, self.text_for(f"{self.pack_title} — page {self.page_no()}"), align="C")


def to_pdf(rows: list[list[str]], title: str) -> bytes:
    pdf = _PackPDF(title)
    pdf.add_page()
    pdf.set_font(pdf.body_font, "B", 16)
    pdf.multi_cell(0, 9, pdf.text_for(f"Decision pack: {title}"), new_x="LMARGIN", new_y="NEXT")
    for row in rows:
        if not row:
            pdf.ln(3)
            continue
        first, *rest = row
        is_heading = first in ("Qualities", "Panels", "Results", "Decisions")
        pdf.set_font(pdf.body_font, "B" if is_heading else "", 11 if is_heading else 9)
        line = "  |  ".join([first, *[c for c in rest if c != ""]])
        pdf.multi_cell(0, 6 if is_heading else 5, pdf.text_for(line), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def build_pack(pack: DecisionPack, checkpoint: Callable[[], None]) -> None:
    """Build both files. `checkpoint()` (the task's commit) makes progress visible."""
    vacancy = db.session.get(Vacancy, pack.vacancy_id)
    pack.status, pack.progress = RUNNING, 10
    checkpoint()
    rows = pack_rows(vacancy)
    pack.csv_data, pack.progress = to_csv(rows), 50
    checkpoint()
    pack.pdf_data = to_pdf(rows, f"{vacancy.title}, {vacancy.service}")
    pack.status, pack.progress, pack.finished_at = DONE, 100, utcnow()
    checkpoint()


def pack_failed(pack: DecisionPack, error: str) -> None:
    pack.status = FAILED
    pack.error = error[:2000]
    pack.finished_at = utcnow()
