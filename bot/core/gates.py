"""Review gates as admins configure them: who reviews, within how many days, what the clock does.

A gate with no decision by its deadline either auto-approves (the article's 14-day SLA, with
logging) or escalates to a named person where auto-approval is not acceptable. Every change to
a gate is an audit entry, because the SLA is part of the organisation's governance record.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any

from bot.core import audit
from storage.models import ReviewGate
from storage.queries import usecases as q

DEFAULT_SLA_DAYS = 14
DEFAULT_REMIND_DAYS = 3
ON_TIMEOUT = ("approve", "escalate")
APPLIES_TO = {"all": "every proposal", "new_tool": "proposals with a tool not in the catalog"}
NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
# Slack user (U…/W…) or user group (S…) IDs, also as pasted from Slack: <@U123>, <!subteam^S1>
CHAT_ID = re.compile(r"^<?[@!]?(?:subteam\^)?([UWS][A-Z0-9]{1,31})(?:\|[^>]*)?>?$")
# A Teams user: their Entra ID object id (a GUID), which is how the directory knows them.
TEAMS_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)


class GateError(ValueError):
    """A gate setting that cannot work; the message says which and why."""


@dataclass(frozen=True)
class GateConfig:
    name: str
    reviewers: list[str]
    sla_days: int
    on_timeout: str
    escalate_to: str | None
    applies_to: str
    remind_days: int
    active: bool

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @staticmethod
    def of(row: ReviewGate) -> GateConfig:
        return GateConfig(
            row.name,
            split_ids(row.reviewers),
            row.sla_days,
            row.on_timeout,
            row.escalate_to,
            row.applies_to,
            row.remind_days,
            row.active,
        )


def split_ids(raw: str) -> list[str]:
    return [part for part in (p.strip() for p in raw.split(",")) if part]


def parse_chat_id(raw: str) -> str:
    if TEAMS_ID.match(raw.strip()):
        return raw.strip().lower()  # stored as the Teams adapter reads it from an activity
    match = CHAT_ID.match(raw.strip())
    if not match:
        raise GateError(
            f"{raw.strip()!r} is not a Slack user or user-group ID (like U0123ABCD or S0123ABCD) "
            "nor a Teams user's Entra object ID"
        )
    return match.group(1)


def parse_reviewers(raw: str | list[str]) -> list[str]:
    items = split_ids(raw) if isinstance(raw, str) else raw
    found: list[str] = []
    for item in items:
        chat_id = parse_chat_id(item)
        if chat_id not in found:
            found.append(chat_id)
    if not found:
        raise GateError("a gate needs at least one reviewer (a Slack user or user group)")
    return found


def _check(
    name: str,
    sla_days: int,
    on_timeout: str,
    escalate_to: str | None,
    applies_to: str,
    remind_days: int,
) -> None:
    if not NAME.match(name):
        raise GateError("a gate name is lower-case letters, digits, - or _ (e.g. legal)")
    if not 1 <= sla_days <= 365:
        raise GateError("the SLA is a whole number of days from 1 to 365")
    if on_timeout not in ON_TIMEOUT:
        raise GateError("on timeout the gate either approves or escalates")
    if on_timeout == "escalate" and not escalate_to:
        raise GateError("a gate that escalates needs --escalate-to (a Slack user ID)")
    if escalate_to and escalate_to.startswith("S"):
        raise GateError("escalate to one named person, not a user group")
    if applies_to not in APPLIES_TO:
        raise GateError("a gate applies to all proposals or to new tools only (new_tool)")
    if not 0 <= remind_days <= 365:
        raise GateError("reminders are a number of days before the deadline (0 for none)")


async def set_gate(
    services: Any,
    name: str,
    reviewers: str | list[str] | None = None,
    *,
    sla_days: int | None = None,
    on_timeout: str | None = None,
    escalate_to: str | None = None,
    applies_to: str | None = None,
    remind_days: int | None = None,
    by: str = "cli",
) -> GateConfig:
    """Create or change a gate; settings not given keep their current (or default) values.

    Changes apply to reviews opened from now on; open reviews keep the SLA they started with.
    """
    name = name.strip().lower()
    now = services.clock()
    async with services.db.session() as session:
        current = await q.get_gate(session, name)
        if reviewers is None and current is None:
            raise GateError("a new gate needs --reviewers")
        people = parse_reviewers(reviewers) if reviewers is not None else None
        target = parse_chat_id(escalate_to) if escalate_to else None
        row = ReviewGate(
            name=name,
            reviewers=",".join(people) if people else (current.reviewers if current else ""),
            sla_days=sla_days
            if sla_days is not None
            else (current.sla_days if current else DEFAULT_SLA_DAYS),
            on_timeout=on_timeout or (current.on_timeout if current else "approve"),
            escalate_to=target or (current.escalate_to if current else None),
            applies_to=applies_to or (current.applies_to if current else "all"),
            remind_days=remind_days
            if remind_days is not None
            else (current.remind_days if current else DEFAULT_REMIND_DAYS),
            active=True,
            updated_by=by[:64],
            updated_at=now,
        )
        _check(name, row.sla_days, row.on_timeout, row.escalate_to, row.applies_to, row.remind_days)
        before = GateConfig.of(current).to_dict() if current else None
        after = GateConfig.of(row)
        if before == after.to_dict():
            return after
        await q.save_gate(session, row)
        await audit.append(
            session, now, by, "gate.configured", gate=name, before=before, after=after.to_dict()
        )
    return after


async def remove_gate(services: Any, name: str, by: str = "cli") -> bool:
    """Stop applying a gate to new proposals (its history and open reviews remain)."""
    now = services.clock()
    async with services.db.session() as session:
        current = await q.get_gate(session, name.strip().lower())
        if current is None or not current.active:
            return False
        current.active = False
        current.updated_by, current.updated_at = by[:64], now
        session.add(current)
        await audit.append(session, now, by, "gate.removed", gate=current.name)
    return True


async def list_gates(services: Any, *, active_only: bool = True) -> list[GateConfig]:
    async with services.db.session() as session:
        return [GateConfig.of(g) for g in await q.list_gates(session, active_only=active_only)]
