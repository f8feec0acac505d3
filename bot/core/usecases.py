"""Team use cases: proposed from chat, reviewed at the gates, then pilot, production, retired.

The registry is the organisation's strongest evidence of maturity: a production use case has a
documented process (a link) and at least two owners, records what it achieved each quarter, and
when its proposer has left the owners while it stays in production it has *survived rotation*:
the capability no longer depends on a named individual. Every change is an audit entry.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core import audit, quarters, review
from bot.core.gates import GateConfig, list_gates, parse_chat_id
from bot.core.routing import TEAMS, platform_of_user
from bot.core.tool_names import tool_key
from bot.core.vocabulary import DATA_CLASSES, WORK_KINDS
from storage.models import UseCase
from storage.queries import usecases as q

STATES = ("proposed", "in_review", "pilot", "production", "retired")
MIN_PRODUCTION_OWNERS = 2
LIMITS = {
    "name": 200,
    "team": 200,
    "tool": 200,
    "description": 3000,
    "expected_outcome": 1000,
    "measurement": 1000,
}
URL = re.compile(r"^https?://[^\s<>|]+$")


class RegistryError(ValueError):
    """A refusal fit to show the person; `errors` maps form fields to messages."""

    def __init__(self, message: str, errors: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.errors = errors or {}


@dataclass(frozen=True)
class Proposal:
    name: str
    team: str
    tool: str
    data_class: str
    description: str
    expected_outcome: str
    measurement: str
    source_answer_id: int | None = None


def _clean(value: Any) -> str:
    return " ".join(str(value or "").split()) if value is not None else ""


def validate_proposal(raw: dict[str, Any]) -> Proposal:
    """Every field checked at once, so a form shows all its problems together."""
    values = {name: _clean(raw.get(name)) for name in LIMITS}
    values["description"] = str(raw.get("description") or "").strip()
    errors: dict[str, str] = {}
    labels = {
        "name": "a short name",
        "team": "the owning team",
        "tool": "the tool",
        "description": "what it does",
        "expected_outcome": "the outcome you expect",
        "measurement": "how you will measure it",
    }
    for name, cap in LIMITS.items():
        if not values[name]:
            errors[name] = f"Please give {labels[name]}."
        elif len(values[name]) > cap:
            errors[name] = f"Please keep this under {cap} characters."
    data_class = str(raw.get("data_class") or "")
    if data_class not in DATA_CLASSES:
        errors["data_class"] = "Please choose the kind of data involved."
    if errors:
        raise RegistryError("The proposal is incomplete.", errors)
    answer = raw.get("source_answer_id")
    return Proposal(
        values["name"],
        values["team"],
        values["tool"],
        data_class,
        values["description"],
        values["expected_outcome"],
        values["measurement"],
        int(str(answer)) if str(answer or "").isdigit() else None,
    )


# --- reading -------------------------------------------------------------------------------


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _gate_dict(r: Any) -> dict[str, Any]:
    return {
        "name": r.gate,
        "state": r.state,
        "due_at": _iso(r.due_at),
        "decided_by": r.decided_by,
        "decided_at": _iso(r.decided_at),
        "reason": r.reason,
        "revision": r.revision,
        "reviewers": [x for x in r.reviewers.split(",") if x],
        "review_id": r.id,
        "escalate_to": r.escalate_to,
        "sla_days": r.sla_days,
    }


def describe(uc: UseCase, reviews: list[Any], owners: list[str], outcomes: list[Any]) -> dict:
    """The registry's view of one use case (the `usecases list --json` contract and more)."""
    latest = review.latest_reviews(reviews)
    return {
        "id": uc.id,
        "kind": uc.kind,
        "name": uc.name,
        "team": uc.team,
        "state": uc.state,
        "tool": uc.tool,
        "new_tool": uc.new_tool,
        "data_class": uc.data_class,
        "description": uc.description,
        "expected_outcome": uc.expected_outcome,
        "measurement": uc.measurement,
        "proposer": uc.proposer,
        "owners": owners,
        "process_url": uc.process_url,
        "survived_rotation": uc.survived_rotation,
        "revision": uc.revision,
        "gates": [_gate_dict(r) for r in latest.values()],
        "outcomes": [
            {
                "quarter": o.quarter,
                "summary": o.summary,
                "metric": o.metric,
                "recorded_by": o.recorded_by,
            }
            for o in outcomes
        ],
        "created_at": _iso(uc.created_at),
        "pilot_at": _iso(uc.pilot_at),
        "production_at": _iso(uc.production_at),
        "retired_at": _iso(uc.retired_at),
        "retired_reason": uc.retired_reason,
        "source_answer_id": uc.source_answer_id,
    }


async def _describe_many(session: AsyncSession, rows: list[UseCase]) -> list[dict[str, Any]]:
    ids = [r.id or 0 for r in rows]
    reviews = await q.reviews_for(session, ids)
    owners = await q.owners(session, ids)
    outcomes = await q.outcomes(session, ids)
    out = [
        describe(
            r, reviews.get(r.id or 0, []), owners.get(r.id or 0, []), outcomes.get(r.id or 0, [])
        )
        for r in rows
    ]

    # Teams users have no Slack mention: Slack's views name them from the directory.
    def people_of(d: dict[str, Any]) -> list[str]:
        gates = [(g["decided_by"], g["escalate_to"], *g["reviewers"]) for g in d["gates"]]
        return [d["proposer"], *d["owners"], *(u for g in gates for u in g if u)]

    people = {u for d in out for u in people_of(d) if platform_of_user(u) == TEAMS}
    names = await q.names_by_aad(session, sorted(people))
    for d in out:
        d["teams_names"] = {u: names[u] for u in people_of(d) if u in names}
    return out


async def list_use_cases(
    services: Any, state: str | None = None, kind: str = "use_case"
) -> list[dict[str, Any]]:
    async with services.db.session() as session:
        return await _describe_many(session, await q.list_use_cases(session, kind, state))


async def show(services: Any, use_case_id: int) -> dict[str, Any] | None:
    async with services.db.session() as session:
        row = await q.get_use_case(session, use_case_id)
        if row is None:
            return None
        data = (await _describe_many(session, [row]))[0]
        data["reviews"] = [
            _gate_dict(r)
            for r in (await q.reviews_for(session, [use_case_id])).get(use_case_id, [])
        ]
        data["audit"] = [audit.entry_dict(e) for e in await q.audit_entries(session, use_case_id)]
    return data


async def can_manage(services: Any, case: dict[str, Any], user_id: str) -> bool:
    """Owners, the proposer and admins move a use case on; everyone else reads it."""
    return services.is_admin(user_id) or user_id == case["proposer"] or user_id in case["owners"]


async def prefill_from_answer(
    services: Any, user_id: str, campaign_id: str
) -> tuple[dict[str, Any], int | None]:
    """A proposal pre-filled from the person's example for `campaign_id` (their own only)."""
    from bot.core.answers import NotInDirectory, person_for
    from storage.queries import answers as answer_q

    try:
        person = await person_for(services, user_id)
    except NotInDirectory:
        return {}, None
    async with services.db.session() as session:
        answer = await answer_q.answer_for(session, campaign_id, person.id or 0)
    if answer is None or not answer.has_example:
        return {}, None
    kind = WORK_KINDS.get(answer.work_kind or "", "")
    hours = answer.hours_saved_per_month
    return {
        "name": f"{kind} with {answer.tool}" if kind and answer.tool else "",
        "tool": answer.tool or "",
        "description": answer.example or "",
        "expected_outcome": f"About {hours:g} hours saved per person each month" if hours else "",
        "measurement": answer.metric or "",
    }, answer.id


async def default_team(services: Any, user_id: str) -> str | None:
    async with services.db.session() as session:
        return await q.team_of(session, user_id)


# --- proposing -----------------------------------------------------------------------------


async def _applicable(services: Any, new_tool: bool) -> list[tuple[GateConfig, list[str]]]:
    gates = [g for g in await list_gates(services) if g.applies_to == "all" or new_tool]
    return [(g, await review.expand_groups(services, g.reviewers)) for g in gates]


async def _in_catalog(services: Any, key: str) -> bool:
    async with services.db.session() as session:
        return any(t.tool_key == key for t in await q.catalog(session))


async def propose(
    services: Any,
    user_id: str,
    proposal: Proposal,
    *,
    kind: str = "use_case",
    gates: list[str] | None = None,
) -> dict[str, Any]:
    """Register a proposal and open its gates (a tool outside the catalog adds the gates that
    apply to new tools, such as procurement). With no gate to pass it starts as a pilot."""
    key = tool_key(proposal.tool)
    new_tool = kind == "tool_request" or not await _in_catalog(services, key)
    applicable = await _applicable(services, new_tool)
    if kind == "tool_request":
        only_tools = [(g, r) for g, r in applicable if g.applies_to == "new_tool"]
        applicable = only_tools or applicable
    if gates is not None:
        applicable = [(g, r) for g, r in applicable if g.name in gates]
    now = services.clock()
    async with services.db.session() as session:
        if kind == "tool_request":
            await _one_open_request(session, key, proposal.tool)
        uc = await q.add_use_case(
            session,
            UseCase(
                kind=kind,
                name=proposal.name,
                team=proposal.team,
                tool=proposal.tool,
                tool_key=key,
                new_tool=new_tool,
                data_class=proposal.data_class,
                description=proposal.description,
                expected_outcome=proposal.expected_outcome,
                measurement=proposal.measurement,
                state="proposed",
                proposer=user_id[:64],
                source_answer_id=proposal.source_answer_id,
                created_at=now,
                updated_at=now,
            ),
        )
        use_case_id = uc.id or 0
        if kind == "use_case":
            await q.set_owner(session, use_case_id, user_id, now)
        await audit.append(
            session,
            now,
            user_id,
            f"{kind.replace('_', '')}.proposed",
            use_case_id=use_case_id,
            name=proposal.name,
            team=proposal.team,
            tool=proposal.tool,
            new_tool=new_tool,
            data_class=proposal.data_class,
            from_answer=proposal.source_answer_id,
            gates=[g.name for g, _ in applicable],
        )
        await q.set_use_case_state(session, use_case_id, ["proposed"], "in_review")
        if applicable:
            await review.open_reviews(session, uc, applicable, now, user_id)
        else:
            await audit.append(session, now, "gates", "gates.none_apply", use_case_id=use_case_id)
            await review.advance(services, session, use_case_id, now)
    return await show(services, use_case_id) or {}


async def _one_open_request(session: AsyncSession, key: str, label: str) -> None:
    """A double click (or two admins at once) opens one procurement request per tool: the
    check runs under the trail's head lock, which every audited change takes anyway."""
    from bot.core.tool_catalog import CatalogError

    await q.lock_audit_head(session)
    existing = (await q.open_tool_requests(session)).get(key)
    if existing is not None:
        raise CatalogError(f"{label} already has an open procurement request (#{existing})")


async def revise(
    services: Any, user_id: str, use_case_id: int, proposal: Proposal, *, trusted: bool = False
) -> dict[str, Any]:
    """After "ask for changes": update the proposal and reopen the gates that asked, at once."""
    gates = {g.name: g for g in await list_gates(services, active_only=False)}
    resolved = {
        name: await review.expand_groups(services, gate.reviewers) for name, gate in gates.items()
    }
    now = services.clock()
    async with services.db.session() as session:
        uc = await _managed(session, services, use_case_id, user_id, trusted)
        reviews = (await q.reviews_for(session, [use_case_id])).get(use_case_id, [])
        latest = review.latest_reviews(reviews).values()
        asked = [r.gate for r in latest if r.state == "changes_requested"]
        if uc.state != "in_review" or not asked:
            raise RegistryError("Only a proposal that a reviewer asked to change can be revised.")
        await q.update_use_case(
            session,
            use_case_id,
            name=proposal.name,
            team=proposal.team,
            description=proposal.description,
            expected_outcome=proposal.expected_outcome,
            measurement=proposal.measurement,
            data_class=proposal.data_class,
            revision=uc.revision + 1,
            updated_at=now,
        )
        revised = await q.get_use_case(session, use_case_id)
        assert revised is not None
        await audit.append(
            session,
            now,
            user_id,
            "usecase.revised",
            use_case_id=use_case_id,
            revision=revised.revision,
            gates=asked,
        )
        reopen = [(gates[g], resolved[g]) for g in asked if g in gates]
        await review.open_reviews(session, revised, reopen, now, user_id)
    return await show(services, use_case_id) or {}


# --- lifecycle -----------------------------------------------------------------------------


async def _managed(
    session: AsyncSession, services: Any, use_case_id: int, user_id: str, trusted: bool
) -> UseCase:
    """Lock the use case and check that the person may manage it (an owner, its proposer,
    an admin, or the operator's CLI)."""
    await q.lock_use_case(session, use_case_id)
    uc = await q.get_use_case(session, use_case_id)
    if uc is None:
        raise RegistryError(f"There is no use case {use_case_id}.")
    if trusted or services.is_admin(user_id) or user_id == uc.proposer:
        return uc
    if user_id in (await q.owners(session, [use_case_id])).get(use_case_id, []):
        return uc
    raise RegistryError("Only the use case's owners (or an admin) can change it.")


def parse_owners(raw: str | list[str]) -> list[str]:
    items = [p for p in re.split(r"[,\s]+", raw) if p] if isinstance(raw, str) else raw
    try:
        return list(dict.fromkeys(parse_chat_id(i) for i in items))
    except ValueError as error:
        raise RegistryError(str(error), {"owners": str(error)}) from None


async def _set_owners(
    session: AsyncSession, uc: UseCase, wanted: list[str], now: datetime, actor: str
) -> tuple[list[str], list[str]]:
    use_case_id = uc.id or 0
    current = (await q.owners(session, [use_case_id])).get(use_case_id, [])
    added = [u for u in wanted if u not in current]
    removed = [u for u in current if u not in wanted]
    for user in added:
        await q.set_owner(session, use_case_id, user, now)
    for user in removed:
        await q.remove_owner(session, use_case_id, user, now)
    if added or removed:
        await audit.append(
            session,
            now,
            actor,
            "usecase.owners",
            use_case_id=use_case_id,
            added=added,
            removed=removed,
            owners=wanted,
        )
    return added, removed


async def move_to_production(
    services: Any,
    user_id: str,
    use_case_id: int,
    process_url: str,
    owners: str | list[str],
    *,
    trusted: bool = False,
) -> dict[str, Any]:
    """Pilot -> production: needs the documented process (a link) and at least two owners.
    On a use case already in production, updates the link and the owners."""
    url = (process_url or "").strip()
    errors = {}
    if not URL.match(url) or len(url) > 500:
        errors["process_url"] = "Link the documented process (an http(s) address)."
    wanted = parse_owners(owners)
    if len(wanted) < MIN_PRODUCTION_OWNERS:
        errors["owners"] = "A production use case needs at least two owners."
    if errors:
        raise RegistryError(" ".join(errors.values()), errors)
    now = services.clock()
    async with services.db.session() as session:
        uc = await _managed(session, services, use_case_id, user_id, trusted)
        if uc.state not in ("pilot", "production"):
            raise RegistryError("Only a pilot can move to production (its gates must pass).")
        await _set_owners(session, uc, wanted, now, user_id)
        if uc.state == "pilot":
            await q.set_use_case_state(
                session,
                use_case_id,
                ["pilot"],
                "production",
                production_at=now,
                process_url=url,
                updated_at=now,
            )
            await audit.append(
                session,
                now,
                user_id,
                "usecase.production",
                use_case_id=use_case_id,
                process_url=url,
                owners=wanted,
            )
        elif url != uc.process_url:
            await q.update_use_case(session, use_case_id, process_url=url, updated_at=now)
            await audit.append(
                session, now, user_id, "usecase.process", use_case_id=use_case_id, process_url=url
            )
        await _rotation(session, use_case_id, now)
    return await show(services, use_case_id) or {}


async def set_owners(
    services: Any,
    user_id: str,
    use_case_id: int,
    owners: str | list[str],
    *,
    trusted: bool = False,
) -> dict[str, Any]:
    wanted = parse_owners(owners)
    now = services.clock()
    async with services.db.session() as session:
        uc = await _managed(session, services, use_case_id, user_id, trusted)
        if uc.state == "retired":
            raise RegistryError("A retired use case keeps the owners it had.")
        if uc.state == "production" and len(wanted) < MIN_PRODUCTION_OWNERS:
            raise RegistryError(
                "A production use case needs at least two owners.",
                {"owners": "At least two owners."},
            )
        if not wanted:
            raise RegistryError("A use case needs an owner.", {"owners": "At least one owner."})
        await _set_owners(session, uc, wanted, now, user_id)
        await _rotation(session, use_case_id, now)
    return await show(services, use_case_id) or {}


async def record_outcome(
    services: Any,
    user_id: str,
    use_case_id: int,
    quarter: str,
    summary: str,
    metric: str | None = None,
    *,
    trusted: bool = False,
) -> dict[str, Any]:
    errors = {}
    if not quarters.is_quarter(quarter or ""):
        errors["quarter"] = "A quarter looks like 2026Q4."
    summary, metric = (summary or "").strip(), (metric or "").strip() or None
    if not summary or len(summary) > 1000:
        errors["summary"] = "Say what it achieved (up to 1000 characters)."
    if metric and len(metric) > 300:
        errors["metric"] = "Keep the measurement under 300 characters."
    if errors:
        raise RegistryError(" ".join(errors.values()), errors)
    label = quarters.normalise_quarter(quarter)
    now = services.clock()
    async with services.db.session() as session:
        uc = await _managed(session, services, use_case_id, user_id, trusted)
        if uc.state not in ("pilot", "production", "retired"):
            raise RegistryError("Outcomes are recorded once the use case runs (pilot or later).")
        await q.upsert_outcome(
            session,
            {
                "use_case_id": use_case_id,
                "quarter": label,
                "summary": summary,
                "metric": metric,
                "recorded_by": user_id[:64],
                "recorded_at": now,
            },
        )
        await audit.append(
            session,
            now,
            user_id,
            "usecase.outcome",
            use_case_id=use_case_id,
            quarter=label,
            summary=summary,
            metric=metric,
        )
    return await show(services, use_case_id) or {}


async def retire(
    services: Any, user_id: str, use_case_id: int, reason: str, *, trusted: bool = False
) -> dict[str, Any]:
    reason = (reason or "").strip()
    if not reason or len(reason) > 1000:
        raise RegistryError("Say why it is retired.", {"reason": "Say why (up to 1000 chars)."})
    now = services.clock()
    async with services.db.session() as session:
        await _managed(session, services, use_case_id, user_id, trusted)
        if not await q.set_use_case_state(
            session,
            use_case_id,
            ["proposed", "in_review", "pilot", "production"],
            "retired",
            retired_at=now,
            retired_reason=reason,
            updated_at=now,
        ):
            raise RegistryError("That use case is already retired.")
        await audit.append(
            session, now, user_id, "usecase.retired", use_case_id=use_case_id, reason=reason
        )
    return await show(services, use_case_id) or {}


# --- rotation ------------------------------------------------------------------------------


async def _rotation(session: AsyncSession, use_case_id: int, now: datetime) -> bool:
    """In production, and the proposer is no longer an active owner: it survived rotation."""
    uc = await q.get_use_case(session, use_case_id)
    if uc is None or uc.state != "production" or uc.survived_rotation:
        return False
    owners = (await q.owners(session, [use_case_id])).get(use_case_id, [])
    left = uc.proposer not in owners or uc.proposer in await q.inactive_people(
        session, [uc.proposer]
    )
    if left and await q.mark_survived(session, use_case_id):
        await audit.append(
            session,
            now,
            "registry",
            "usecase.survived_rotation",
            use_case_id=use_case_id,
            proposer=uc.proposer,
            owners=owners,
        )
        return True
    return False


async def check_rotation(services: Any, at: datetime) -> list[int]:
    """The tick's sweep: proposers who left the organisation (inactive in the directory)."""
    async with services.db.session() as session:
        candidates = await q.rotation_candidates(session)
        gone = await q.inactive_people(session, [p for _, p in candidates])
    marked = []
    for use_case_id, proposer in candidates:
        if proposer not in gone:
            continue
        async with services.db.session() as session:
            await q.lock_use_case(session, use_case_id)
            if await _rotation(session, use_case_id, at):
                marked.append(use_case_id)
    return marked
