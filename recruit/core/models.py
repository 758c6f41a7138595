"""Imports every area's models so that metadata (and Alembic) sees all tables."""

from recruit.candidates.models import Candidate, InterviewSlot, ShortlistView
from recruit.core.audit import AuditRecord
from recruit.core.checkpoints import AuditCheckpoint
from recruit.core.idempotency import IdempotencyRecord
from recruit.core.notices import Notice
from recruit.core.organisation import OrganisationPolicy
from recruit.core.outbox import OutboxMessage
from recruit.decisions.models import Decision
from recruit.decisions.pack import DecisionPack
from recruit.insights.models import (
    CheckIn,
    CheckInInvitation,
    CheckInResponse,
    CheckInValue,
    ProbationView,
)
from recruit.involvement.models import FinanceExport, Participation, Payment, Rate
from recruit.panels.models import (
    Declaration,
    DeclaredAbout,
    DeclaredConflict,
    Panel,
    PanelMember,
    Training,
)
from recruit.people.models import ApiToken, TabletMember, TabletSession, User
from recruit.qualities.models import Quality, QualityVote
from recruit.scoring.models import Score, Scoresheet
from recruit.vacancies.models import StatusChange, Vacancy

__all__ = [
    "ApiToken",
    "AuditCheckpoint",
    "AuditRecord",
    "Candidate",
    "CheckIn",
    "CheckInInvitation",
    "CheckInResponse",
    "CheckInValue",
    "Declaration",
    "DeclaredAbout",
    "DeclaredConflict",
    "Decision",
    "DecisionPack",
    "FinanceExport",
    "IdempotencyRecord",
    "InterviewSlot",
    "Notice",
    "OrganisationPolicy",
    "OutboxMessage",
    "Panel",
    "PanelMember",
    "ProbationView",
    "Participation",
    "Payment",
    "Quality",
    "QualityVote",
    "Rate",
    "Score",
    "Scoresheet",
    "ShortlistView",
    "StatusChange",
    "TabletMember",
    "TabletSession",
    "Training",
    "User",
    "Vacancy",
]
