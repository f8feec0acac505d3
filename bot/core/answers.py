"""Answers to the quarterly question: validate, save (one per person per campaign), forget.

Validation returns a neutral `{field: message}` map; the Slack handler turns fields into modal
block ids. Free text is trimmed and capped with a clear message rather than cut silently, so
nobody loses the end of an example without knowing.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from bot.core import quarters
from bot.core.campaigns import ensure_campaign
from bot.core.services import Services
from bot.core.vocabulary import (
    CONTINUITY,
    ESTABLISHMENT,
    OBSTACLES,
    SPREAD,
    TOOL_APPROVAL,
    WORK_KINDS,
)
from storage.models import Answer, Campaign, Person
from storage.queries import answers as aq
from storage.queries import campaigns as cq
from storage.queries import org as org_queries
from storage.queries.usecases import catalog as catalog_query

EXAMPLE_MAX = 2000
TOOL_MAX = 200
METRIC_MAX = 300
HOURS_MAX = 744.0  # hours in a 31-day month
CHOICES: dict[str, dict[str, str]] = {
    "work_kind": WORK_KINDS,
    "tool_approved": TOOL_APPROVAL,
    "establishment": ESTABLISHMENT,
    "spread": SPREAD,
    "continues_without_me": CONTINUITY,
}
UNLINKED_NOTE = (
    "Anonymous disclosures were never linked to you, so nobody (including us) can find them "
    "to erase them; they only ever count in anonymous totals."
)
Errors = dict[str, str]


class NotInDirectory(Exception):
    """The chat user is not (or no longer) in the people directory."""


class CampaignUnavailable(Exception):
    """The campaign named by a button or a modal is unknown or closed; `str()` says which."""


# The quarterly question asks for these three; everything else is an optional second step.
REQUIRED = ("example", "work_kind", "tool")
# The structured maturity questions: unanswered is stored as NULL, which the aggregator
# treats as unknown (never as "no"), and the stage evidence says how many are unknown.
MATURITY = ("tool_approved", "establishment", "spread", "continues_without_me")
DETAILS = (*MATURITY, "hours_saved_per_month", "metric", "obstacles")


@dataclass
class AnswerInput:
    example: str
    work_kind: str
    tool: str
    tool_approved: str | None = None
    establishment: str | None = None
    spread: str | None = None
    continues_without_me: str | None = None
    hours_saved_per_month: float | None = None
    metric: str | None = None
    obstacles: list[str] = field(default_factory=list)
    share_consent: bool = False


@dataclass(frozen=True)
class FormContext:
    person_id: int
    team_id: int | None
    campaign_id: str
    closes_at: datetime
    existing: Answer | None
    manager_name: str | None = None  # who (with the managers above) sees a shared example
    approved_tools: tuple[str, ...] = ()  # the approved catalog, offered by the form


def _text(raw: Mapping[str, Any], name: str, cap: int, label: str, errors: Errors) -> str:
    """Trim; one-line fields also collapse runs of spaces (the example keeps its line breaks)."""
    value = str(raw.get(name) or "").strip()
    if name != "example":
        value = " ".join(value.split())
    if len(value) > cap:
        errors[name] = f"{label} is {len(value)} characters long; the limit is {cap}."
    return value


def _hours(raw: Mapping[str, Any], errors: Errors) -> float | None:
    text = str(raw.get("hours_saved_per_month") or "").strip().replace(",", ".")
    if not text:
        return None
    try:
        hours = float(text)
    except ValueError:
        hours = math.nan
    if not math.isfinite(hours) or not 0 <= hours <= HOURS_MAX:
        errors["hours_saved_per_month"] = (
            "Hours saved must be a number between 0 and 744, like 4 or 2.5."
        )
        return None
    return round(hours, 2)


def _choices(
    raw: Mapping[str, Any], errors: Errors, names: tuple[str, ...] = tuple(CHOICES)
) -> dict[str, Any]:
    """The kind of work is required; a maturity question left empty stays None (unknown)."""
    choices: dict[str, Any] = {}
    for name in names:
        options = CHOICES[name]
        value = raw.get(name)
        if value in (None, "") and name in MATURITY:
            choices[name] = None
        elif value not in options:
            errors[name] = "Please choose one of the options."
        else:
            choices[name] = str(value)
    return choices


def validate_answer(raw: Mapping[str, Any]) -> tuple[AnswerInput | None, Errors]:
    """Check a submitted form (field -> value); returns the clean input or the errors."""
    errors: Errors = {}
    example = _text(raw, "example", EXAMPLE_MAX, "Your example", errors)
    if not example and "example" not in errors:
        errors["example"] = "Please describe your example in a sentence or two."
    tool = _text(raw, "tool", TOOL_MAX, "The tool name", errors)
    if not tool and "tool" not in errors:
        errors["tool"] = "Please name the tool (for example the product or model you used)."
    metric = _text(raw, "metric", METRIC_MAX, "The metric", errors) or None
    choices = _choices(raw, errors)
    obstacles = [str(o) for o in raw.get("obstacles") or []]
    if any(o not in OBSTACLES for o in obstacles):
        errors["obstacles"] = "Please pick obstacles from the list."
    hours = _hours(raw, errors)
    if errors:
        return None, errors
    return AnswerInput(
        example=example, tool=tool, metric=metric, hours_saved_per_month=hours,
        obstacles=sorted(set(obstacles)), share_consent=bool(raw.get("share_consent")),
        **choices,
    ), {}  # fmt: skip


async def person_for(services: Services, chat_user_id: str) -> Person:
    async with services.db.session() as s:
        person = await org_queries.person_by_slack_id(s, chat_user_id)
    if person is None or person.id is None:
        raise NotInDirectory(chat_user_id)
    return person


async def form_context(
    services: Services, chat_user_id: str, campaign_id: str | None = None
) -> FormContext:
    """Who is answering, for which campaign, and their current answer (to prefill an edit)."""
    now = services.clock()
    async with services.db.session() as s:
        person = await org_queries.person_by_slack_id(s, chat_user_id)
        if person is None or person.id is None:
            raise NotInDirectory(chat_user_id)
        campaign = await _campaign_for(s, campaign_id, now)
        existing = await aq.answer_for(s, campaign.id, person.id) if campaign else None
        manager = (
            await org_queries.person_by_id(s, person.manager_id) if person.manager_id else None
        )
        approved = tuple(t.label for t in await catalog_query(s))
    if campaign is None and campaign_id is None:
        campaign = await _off_cycle(services, now)
    _check_open(campaign, campaign_id, now)
    assert campaign is not None
    return FormContext(
        person.id, person.team_id, campaign.id, campaign.closes_at, existing,
        manager.name if manager is not None else None, approved,
    )  # fmt: skip


async def _campaign_for(s: Any, campaign_id: str | None, now: datetime) -> Campaign | None:
    if campaign_id:
        return await cq.get_campaign(s, campaign_id)
    return await cq.latest_open_campaign(s) or await cq.get_campaign(s, quarters.quarter_of(now))


async def _off_cycle(services: Services, now: datetime) -> Campaign:
    """Someone answers before the quarter's prompt: the answer still belongs to the quarter."""
    label = quarters.quarter_of(now)
    return await ensure_campaign(services, label, now, quarters.quarter_end(label))


def _check_open(campaign: Campaign | None, asked: str | None, now: datetime) -> None:
    if campaign is None:
        raise CampaignUnavailable(
            "This button belongs to a question I do not know about. "
            "Use /ai-leverage to share an example for this quarter."
        )
    if campaign.status != "open" or campaign.closes_at <= now:
        nxt = quarters.next_open_day(now.date())
        raise CampaignUnavailable(
            f"The {quarters.quarter_label(campaign.id)} question closed on "
            f"{campaign.closes_at:%d %B %Y}, so answers are no longer collected for it. "
            f"The next one opens on {nxt:%d %B %Y}."
        )


async def save_answer(
    services: Services,
    chat_user_id: str,
    campaign_id: str,
    data: AnswerInput,
    *,
    keep_details: bool = False,
) -> bool:
    """Store (or edit in place) the person's answer; True when it was an edit.

    `keep_details` writes only the example, kind of work, tool and consent (the form's first
    step), so editing the example never wipes the optional details given in the second step.
    """
    ctx = await form_context(services, chat_user_id, campaign_id)
    now = services.clock()
    values = asdict(data)
    chosen = set(values.pop("obstacles"))
    if keep_details:
        for name in DETAILS:
            values.pop(name, None)
    else:
        values.update({f"obstacle_{key}": key in chosen for key in OBSTACLES})
    values.update(_identity(ctx, now), has_example=True)
    async with services.db.session() as s:
        await aq.upsert_answer(s, values)
        await org_queries.note_answered_on(s, ctx.person_id, chat_user_id)
    return ctx.existing is not None


def validate_details(raw: Mapping[str, Any]) -> tuple[dict[str, Any] | None, Errors]:
    """The optional second step: maturity questions, hours, metric, obstacles -> columns."""
    errors: Errors = {}
    values = _choices(raw, errors, MATURITY)
    values["metric"] = _text(raw, "metric", METRIC_MAX, "The metric", errors) or None
    values["hours_saved_per_month"] = _hours(raw, errors)
    obstacles = {str(o) for o in raw.get("obstacles") or []}
    if obstacles - set(OBSTACLES):
        errors["obstacles"] = "Please pick obstacles from the list."
    values.update({f"obstacle_{key}": key in obstacles for key in OBSTACLES})
    return (None, errors) if errors else (values, {})


async def save_details(
    services: Services, chat_user_id: str, campaign_id: str, values: dict[str, Any]
) -> bool:
    """Add the second step's details to this quarter's example; False when there is none."""
    ctx = await form_context(services, chat_user_id, campaign_id)
    if ctx.existing is None or not ctx.existing.has_example:
        return False
    async with services.db.session() as s:
        return await aq.update_details(s, ctx.campaign_id, ctx.person_id, values, services.clock())


def _identity(ctx: FormContext, now: datetime) -> dict[str, Any]:
    return {
        "campaign_id": ctx.campaign_id,
        "quarter": ctx.campaign_id,
        "person_id": ctx.person_id,
        "team_id": ctx.team_id,
        "created_at": now,
        "updated_at": now,
    }


async def not_this_quarter(services: Services, chat_user_id: str, campaign_id: str) -> bool:
    """Record "no example this quarter" (it counts as an answer, so no more reminders).

    Returns False when the person had already answered; their answer is kept as it is.
    """
    ctx = await form_context(services, chat_user_id, campaign_id)
    values = {**_identity(ctx, services.clock()), "has_example": False}
    async with services.db.session() as s:
        recorded = await aq.insert_if_absent(s, values)
        await org_queries.note_answered_on(s, ctx.person_id, chat_user_id)
        return recorded


async def forget(services: Services, person_id: int) -> int:
    """Erase every answer attributed to the person; returns how many were erased.

    Erasing an answer must not make the person look unanswered: they are marked as opted out
    of reminders in every open campaign, so forgetting does not restart the nagging.
    """
    async with services.db.session() as s:
        erased = await aq.delete_answers_of(s, person_id)
        await cq.mark_optout(s, person_id, services.clock())
        return erased


@dataclass(frozen=True)
class CurrentState:
    campaign_id: str
    closes_at: datetime
    is_open: bool
    answered: bool
    has_example: bool


@dataclass(frozen=True)
class MyHistory:
    answers: list[Answer]
    current: CurrentState | None


async def my_history(services: Services, person_id: int) -> MyHistory:
    """The person's own examples by quarter and where the current campaign stands for them."""
    async with services.db.session() as s:
        answers = await aq.history_of(s, person_id)
        campaign = await cq.latest_open_campaign(s)
    current = None
    if campaign is not None:
        mine = next((a for a in answers if a.campaign_id == campaign.id), None)
        current = CurrentState(
            campaign.id,
            campaign.closes_at,
            campaign.closes_at > services.clock(),
            mine is not None,
            bool(mine and mine.has_example),
        )
    return MyHistory(answers, current)


@dataclass(frozen=True)
class PromptState:
    """Where a person stands in one campaign, and the DMs that should show it."""

    campaign_id: str
    closes_at: datetime
    is_open: bool
    answered: bool
    has_example: bool
    messages: list[tuple[str, str]]
    person_id: int = 0


async def prompt_state(services: Services, chat_user_id: str, campaign_id: str) -> PromptState:
    """The state a campaign DM shows after an answer, an edit, a decline or the close.

    Raises NotInDirectory / CampaignUnavailable (unknown campaign) like the form does; a closed
    campaign is a state here, not an error, so its DMs can lose their buttons.
    """
    person = await person_for(services, chat_user_id)
    person_id = int(person.id or 0)
    async with services.db.session() as s:
        campaign = await cq.get_campaign(s, campaign_id)
        if campaign is None:
            raise CampaignUnavailable(
                f"There is no {quarters.quarter_label(campaign_id)} question."
            )
        answer = await aq.answer_for(s, campaign_id, person_id)
        messages = await cq.sent_prompts(s, campaign_id, person_id)
    is_open = campaign.status == "open" and campaign.closes_at > services.clock()
    return PromptState(
        campaign.id, campaign.closes_at, is_open, answer is not None,
        bool(answer and answer.has_example), messages, person_id,
    )  # fmt: skip
