"""All tables, imported together so that `SQLModel.metadata` (and alembic) sees every one."""

from storage.models.campaigns import Answer, Campaign, Delivery
from storage.models.coordination import DataVersion, RateLimitState
from storage.models.disclosures import (
    ApprovedTool,
    Disclosure,
    DisclosureContact,
    DisclosureReply,
    QuarterNote,
    SubmissionGuard,
)
from storage.models.facts import FactChange, OrgFact
from storage.models.org import Person, Team
from storage.models.releases import TeamRelease
from storage.models.replay import SeenRequest
from storage.models.scheduler import ScheduledJob
from storage.models.teams import TeamsConversation, TeamsSent
from storage.models.usecases import (
    AuditEntry,
    AuditHead,
    GateNotice,
    GateReview,
    ReviewGate,
    ToolApproval,
    UseCase,
    UseCaseOutcome,
    UseCaseOwner,
)

__all__ = [
    "Answer",
    "ApprovedTool",
    "AuditEntry",
    "AuditHead",
    "Campaign",
    "DataVersion",
    "Delivery",
    "Disclosure",
    "DisclosureContact",
    "DisclosureReply",
    "FactChange",
    "GateNotice",
    "GateReview",
    "OrgFact",
    "Person",
    "QuarterNote",
    "RateLimitState",
    "ReviewGate",
    "ScheduledJob",
    "SeenRequest",
    "SubmissionGuard",
    "Team",
    "TeamRelease",
    "TeamsConversation",
    "TeamsSent",
    "ToolApproval",
    "UseCase",
    "UseCaseOutcome",
    "UseCaseOwner",
]
