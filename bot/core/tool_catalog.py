"""The approved-tools catalog: tools with their approved uses and data classes.

It makes AI the path of least resistance: the proposal form offers the catalog, a tool outside
it goes through the procurement gate (gates that apply to `new_tool`), and tools that people
name in anonymous disclosures but that are not in the catalog reach the admins as *demand*
(aggregate only, never below K disclosures, via `bot.core.disclosure_reports.demand`), one
click from a procurement request. The amnesty channel feeds the approval path, not a blame list.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core import audit, disclosure_reports
from bot.core.tool_names import tool_key
from bot.core.vocabulary import DATA_CLASSES, WORK_KINDS
from storage.models import ApprovedTool
from storage.queries import usecases as q

TOOL_MAX = 200


class CatalogError(ValueError):
    """A catalog change that cannot be made; the message says why."""


@dataclass(frozen=True)
class Tool:
    key: str
    label: str
    uses: list[str]
    data_classes: list[str]
    via: str | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _split(raw: str) -> list[str]:
    return [p.strip() for p in raw.split(",") if p.strip()]


def check_list(raw: str | list[str] | None, known: dict[str, str], what: str) -> list[str]:
    items = _split(raw) if isinstance(raw, str) else list(raw or [])
    unknown = [i for i in items if i not in known]
    if unknown:
        raise CatalogError(f"unknown {what}: {', '.join(unknown)} (known: {', '.join(known)})")
    return list(dict.fromkeys(items))


async def catalog(services: Any) -> list[Tool]:
    async with services.db.session() as session:
        rows = await q.catalog(session)
    return [Tool(r.tool_key, r.label, _split(r.uses), _split(r.data_classes), r.via) for r in rows]


async def approve_in_session(
    session: AsyncSession,
    now: datetime,
    label: str,
    *,
    uses: str = "",
    data_classes: str = "",
    by: str,
    via: str,
) -> bool:
    """Add (or update) a catalog entry inside the caller's transaction, with its audit entry."""
    key = tool_key(label)
    if await session.get(ApprovedTool, key) is None:
        session.add(ApprovedTool(tool_key=key, label=label))
        await session.flush()
    await q.upsert_tool_approval(
        session,
        {
            "tool_key": key,
            "uses": uses[:500],
            "data_classes": data_classes[:500],
            "approved_by": by[:64],
            "approved_at": now,
            "via": via[:32],
        },
    )
    await audit.append(
        session,
        now,
        by,
        "tool.approved",
        tool=label,
        uses=_split(uses),
        data_classes=_split(data_classes),
        via=via,
    )
    return True


async def add_tool(
    services: Any,
    label: str,
    *,
    uses: str | list[str] | None = None,
    data_classes: str | list[str] | None = None,
    by: str = "cli",
) -> Tool:
    """An admin adds a tool (or changes its approved uses and data classes)."""
    label = " ".join((label or "").split())
    if not label or len(label) > TOOL_MAX:
        raise CatalogError(f"give a tool name of 1 to {TOOL_MAX} characters")
    use_list = check_list(uses, WORK_KINDS, "kinds of work")
    class_list = check_list(data_classes, DATA_CLASSES, "data classes")
    async with services.db.session() as session:
        await approve_in_session(
            session,
            services.clock(),
            label,
            uses=",".join(use_list),
            data_classes=",".join(class_list),
            by=by,
            via="admin",
        )
    return Tool(tool_key(label), label, use_list, class_list, "admin")


@dataclass
class DemandItem:
    """A disclosed tool outside the catalog: counts only, never a disclosure."""

    tool: str
    count: int
    work_kinds: dict[str, int]
    request_id: int | None  # an open procurement request for it, if any
    requestable: bool  # a real tool name (not the pooled "other tools" line)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


async def demand_queue(services: Any, quarter: str | None = None) -> list[DemandItem] | None:
    """The admins' queue: tools named in at least K disclosures that are not in the catalog.

    None while there are fewer than K disclosures (nothing about them is shown at all).
    """
    items = await disclosure_reports.demand(services, quarter)
    if items is None:
        return None
    async with services.db.session() as session:
        open_requests = await q.open_tool_requests(session)
    out = []
    for item in items:
        real = item.count >= services.min_group_size and item.work_kinds is not None
        pooled = item.tool.startswith(("other tools", "tools named fewer"))
        out.append(
            DemandItem(
                item.tool,
                item.count,
                dict(item.work_kinds),
                open_requests.get(tool_key(item.tool)),
                real and not pooled,
            )
        )
    return out


async def request_tool(
    services: Any,
    user_id: str,
    label: str,
    *,
    why: str = "",
    data_class: str = "internal",
    uses: str = "",
    from_demand: bool = False,
) -> dict[str, Any]:
    """A procurement request: a `tool_request` through the gates that apply to new tools.

    From the demand queue the request carries the aggregate demand (counts and kinds of work,
    at least K each), never anything about an individual disclosure.
    """
    from bot.core import usecases

    label = " ".join((label or "").split())
    if not label or len(label) > TOOL_MAX:
        raise CatalogError(f"give a tool name of 1 to {TOOL_MAX} characters")
    if any(t.key == tool_key(label) for t in await catalog(services)):
        raise CatalogError(f"{label} is already in the approved catalog")
    async with services.db.session() as session:
        existing = (await q.open_tool_requests(session)).get(tool_key(label))
    if existing is not None:
        raise CatalogError(f"{label} already has an open procurement request (#{existing})")
    if from_demand:
        why = await _demand_note(services, label) or why
    team = await usecases.default_team(services, user_id) or "organisation"
    proposal = usecases.Proposal(
        name=f"Add {label} to the approved tools",
        team=team,
        tool=label,
        data_class=data_class if data_class in DATA_CLASSES else "internal",
        description=why or f"Procurement request for {label}.",
        expected_outcome=uses or "Approved uses to be set by procurement",
        measurement="Use of the tool in answers and fewer disclosures naming it",
    )
    return await usecases.propose(services, user_id, proposal, kind="tool_request")


async def _demand_note(services: Any, label: str) -> str | None:
    for item in await demand_queue(services) or []:
        if tool_key(item.tool) == tool_key(label) and item.requestable:
            kinds = ", ".join(f"{WORK_KINDS.get(k, k)} {n}" for k, n in item.work_kinds.items())
            return (
                f"Named in {item.count} anonymous disclosures as used outside the catalog"
                + (f" (kinds of work: {kinds})" if kinds else "")
                + ". Requested from the admins' demand queue."
            )
    return None
