"""What the use-case registry tells the aggregator: the strongest evidence for stages 3 to 5.

Survey answers say what people believe; the registry records what the organisation did:
production use cases with a documented process and two owners, measured outcomes, how fast the
gates decide against their SLA, pilots that are stuck, gates the clock had to approve, and use
cases that kept running after their proposer left (survived rotation). These are team use cases
with names on them, not people's answers, so no group-size threshold applies to them.
"""

from __future__ import annotations

import statistics
from dataclasses import asdict, dataclass
from datetime import timedelta
from typing import Any

from bot.core.facts import Facts
from storage.queries import usecases as q

DEFAULT_STUCK_DAYS = 90


@dataclass
class RegistrySignals:
    proposed: int = 0
    in_review: int = 0
    pilots: int = 0
    production: int = 0
    documented: int = 0
    measured: int = 0
    survived_rotation: int = 0
    stuck_pilots: int = 0
    stuck_days: int = DEFAULT_STUCK_DAYS
    retired: int = 0
    decided_reviews: int = 0
    auto_approved: int = 0
    median_cycle_days: float | None = None
    median_sla_days: float | None = None
    gates: int = 0
    max_sla_days: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def within_sla(self) -> bool | None:
        if self.median_cycle_days is None or self.median_sla_days is None:
            return None
        return self.median_cycle_days <= self.median_sla_days


async def registry_signals(services: Any, stuck_days: int | None = None) -> RegistrySignals:
    """`stuck_days` defaults to the install's LEVERAGE_PILOT_STUCK_DAYS (90)."""
    stuck_days = stuck_days or services.settings.pilot_stuck_days
    now = services.clock()
    async with services.db.session() as session:
        states = await q.state_counts(session)
        counts = await q.registry_counts(session, now - timedelta(days=stuck_days))
        measured = await q.measured_use_cases(session)
        decided = await q.decided_reviews(session)
        gates = await q.list_gates(session, active_only=True)
    cycles = [(d - o).total_seconds() / 86400 for _, o, d, _ in decided]
    return RegistrySignals(
        proposed=states.get("proposed", 0),
        in_review=states.get("in_review", 0),
        pilots=states.get("pilot", 0),
        production=counts["production"],
        documented=counts["documented"],
        measured=measured,
        survived_rotation=counts["survived_rotation"],
        stuck_pilots=counts["stuck_pilots"],
        stuck_days=stuck_days,
        retired=states.get("retired", 0),
        decided_reviews=len(decided),
        auto_approved=sum(1 for state, *_ in decided if state == "auto_approved"),
        median_cycle_days=round(statistics.median(cycles), 1) if cycles else None,
        median_sla_days=statistics.median(s for *_, s in decided) if decided else None,
        gates=len(gates),
        max_sla_days=max((g.sla_days for g in gates), default=None),
    )


def facts_with_gates(facts: Facts, sig: RegistrySignals) -> Facts:
    """Gates configured here are a review path with an SLA (the longest gate's): the registry
    records that, so admins need not also set the facts. A fact an admin did set still wins."""
    if not sig.gates or sig.max_sla_days is None or facts.flag("review_path") is False:
        return facts
    if facts.number("review_sla_days") is not None:
        return facts
    return Facts({**facts.values, "review_sla_days": str(sig.max_sla_days)})


def evidence(sig: RegistrySignals) -> list[dict[str, Any]]:
    """Evidence lines that cite the registry, for the stage. Everyone reads them, so they name
    no command (admins list the registry with `leverage-bot usecases list`)."""
    lines = [
        f"Registry: {sig.production} production use cases, {sig.documented} with a documented "
        f"process and two or more owners, {sig.measured} with measured outcomes",
        f"Registry: {sig.survived_rotation} use cases survived rotation (still in production "
        "after their proposer left the owners): capability that no longer depends on one person",
        f"Registry: {sig.pilots} pilots, {sig.stuck_pilots} stuck for more than "
        f"{sig.stuck_days} days; {sig.in_review} proposals in review",
    ]
    if sig.decided_reviews:
        verdict = "within" if sig.within_sla else "beyond"
        lines.append(
            f"Review gates: median decision in {sig.median_cycle_days:g} days against an SLA of "
            f"{sig.median_sla_days:g} ({verdict} the SLA); {sig.auto_approved} of "
            f"{sig.decided_reviews} decisions were auto-approvals by the clock"
        )
    elif sig.gates:
        lines.append(f"Review gates: {sig.gates} configured with an SLA, none decided yet")
    # Notes, not checks: a line is "met" when it shows strength, else neutral (None), so the
    # stage's own checks stay the only misses people read first.
    met = {0: sig.production > 0 or None, 1: sig.survived_rotation > 0 or None,
           2: (sig.pilots > 0 and sig.stuck_pilots == 0) or None}  # fmt: skip
    out = [
        {"stage": None, "met": met.get(i), "text": t, "source": "registry"}
        for i, t in enumerate(lines)
    ]
    if sig.decided_reviews:
        out[-1]["met"] = sig.within_sla or None
    return out


async def registry_export(services: Any) -> dict[str, Any]:
    """For `leverage-bot export --format json`: the registry, the catalog and the audit trail."""
    from bot.core import audit, tool_catalog, usecases

    return {
        "registry": {
            "signals": (await registry_signals(services)).to_dict(),
            "use_cases": await usecases.list_use_cases(services),
            "tool_requests": await usecases.list_use_cases(services, kind="tool_request"),
            "approved_tools": [t.to_dict() for t in await tool_catalog.catalog(services)],
        },
        "audit_trail": await audit.export(services),
    }
