"""Organisation-level capability signals, per quarter, org-wide and per team.

Signals turn individual answers and anonymous disclosures into what the organisation can do:
how many take part, how broad use is, how much of it is sanctioned, which use cases are
repeatable or in production without depending on one person, and which gates people hit.
All counting happens in SQL (`storage.queries.signals`); this module only combines small rows.
Team slices exist only for teams of at least K people, and any sub-group below K is withheld:
`redact` is the one place that decides what may be shown, for the org and for every team.
"""

from __future__ import annotations

import asyncio
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from bot.core.vocabulary import COVERT_REASON_GATE, GATES, OBSTACLE_GATE
from storage.queries import signals as q


@dataclass
class Signals:
    quarter: str
    scope: str = "org"
    team_id: int | None = None
    people: int = 0
    prompted: int = 0
    answered: int = 0
    response_rate: float | None = None
    with_example: int = 0
    breadth: float | None = None
    approved: int = 0
    not_approved: int = 0
    approval_unknown: int = 0
    covert: int = 0
    sanctioned_share: float | None = None
    covert_share: float | None = None
    continues: int = 0
    maturity_unknown: int = 0  # examples whose optional maturity questions were left empty
    pilots: int = 0
    production: int = 0
    measured: int = 0
    hours_saved: float = 0.0
    themes: dict[str, int] = field(default_factory=dict)
    repeatable_kinds: list[str] = field(default_factory=list)
    gates: dict[str, int] = field(default_factory=dict)
    demand: list[dict[str, Any]] = field(default_factory=list)
    withheld: list[str] = field(default_factory=list)
    other: dict[str, int] = field(default_factory=dict)
    hidden: list[str] = field(default_factory=list)
    obstacle_gates: dict[str, int] = field(default_factory=dict)
    reason_gates: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The shareable form: withheld figures are None, the per-source gate split is dropped."""
        data = asdict(self)
        data.pop("obstacle_gates")
        data.pop("reason_gates")
        for name in self.hidden:
            data[name] = None
        return data

    @property
    def top_gate(self) -> tuple[str, int] | None:
        ranked = sorted(self.gates.items(), key=lambda kv: (-kv[1], kv[0]))
        return ranked[0] if ranked and ranked[0][1] > 0 else None


def _ratio(part: float, whole: float) -> float | None:
    return round(part / whole, 3) if whole else None


def apply_answers(s: Signals, row: dict[str, Any] | None) -> None:
    row = row or {}
    for name in ("answered", "with_example", "approved", "not_approved", "approval_unknown"):
        setattr(s, name, int(row.get(name) or 0))
    s.continues = int(row.get("continues") or 0)
    s.maturity_unknown = int(row.get("maturity_unknown") or 0)
    s.measured = int(row.get("measured") or 0)
    s.hours_saved = float(row.get("hours_saved") or 0)
    s.breadth = _ratio(s.with_example, s.answered)
    for key, gate in OBSTACLE_GATE.items():
        n = int(row.get(f"obstacle_{key}") or 0)
        s.gates[gate] = s.gates.get(gate, 0) + n
        s.obstacle_gates[gate] = s.obstacle_gates.get(gate, 0) + n


def apply_disclosures(s: Signals, row: dict[str, Any] | None) -> None:
    row = row or {}
    s.covert = int(row.get("disclosures") or 0)
    for key, gate in COVERT_REASON_GATE.items():
        n = int(row.get(f"reason_{key}") or 0)
        s.gates[gate] = s.gates.get(gate, 0) + n
        s.reason_gates[gate] = s.reason_gates.get(gate, 0) + n


def finish(s: Signals) -> None:
    """Derived shares, once counts are in; the response rate falls back to directory size."""
    s.response_rate = _ratio(s.answered, s.prompted or s.people)
    s.sanctioned_share = _ratio(s.approved, s.approved + s.not_approved + s.covert)
    s.covert_share = _ratio(s.covert, s.with_example + s.covert)
    s.gates = {g: s.gates.get(g, 0) for g in GATES}


def repeatable(rows: list[dict[str, Any]], min_people: int, min_teams: int) -> list[str]:
    return sorted(
        str(r["work_kind"])
        for r in rows
        if int(r["repeatable_people"]) >= min_people and int(r["repeatable_teams"]) >= min_teams
    )


async def _in_one_session(services: Any, *fns: Any) -> list[Any]:
    async with services.db.session() as session:
        return [await fn(session) for fn in fns]


async def _org_rows(services: Any) -> list[Any]:
    """The GROUP BY queries in three sessions run concurrently: the two heavy scans of the
    answers each get their own connection, the light ones share a third. Reads run in parallel
    on SQLite (WAL) and PostgreSQL alike, and three stay inside the default pool of five."""
    heavy_a, heavy_b, light = await asyncio.gather(
        _in_one_session(services, q.answers_by_quarter),
        _in_one_session(services, q.work_kinds_by_quarter),
        _in_one_session(
            services,
            q.use_cases_by_quarter,
            q.disclosures_by_quarter,
            q.prompted_by_quarter,
            q.team_sizes,
            q.campaign_quarters,
        ),
    )
    cases, disclosures, prompted, sizes, campaigns = light
    return [heavy_a[0], disclosures, cases, heavy_b[0], prompted, sizes, campaigns]


async def org_signals(
    services: Any, min_people: int = 3, min_teams: int = 2, *, raw: bool = False
) -> dict[str, Signals]:
    """Org-wide signals for every quarter, oldest first (a handful of GROUP BY quarter queries).

    By default every figure behind fewer than K answers or K disclosures is withheld (`redact`);
    only the stage estimate itself reads the `raw` counts, since it is one organisation-wide number.
    """
    answer_rows, disclosure_rows, case_rows, kinds, prompted, sizes, campaigns = await _org_rows(
        services
    )
    answers = {r["quarter"]: r for r in answer_rows}
    disclosures = {r["quarter"]: r for r in disclosure_rows}
    cases = {r["quarter"]: r for r in case_rows}
    people = sum(sizes.values())
    result = {}
    for quarter in sorted(set(answers) | set(disclosures) | set(campaigns)):
        s = Signals(quarter=quarter, people=people, prompted=prompted.get(quarter, 0))
        apply_answers(s, answers.get(quarter))
        if people >= services.min_group_size:
            apply_disclosures(s, disclosures.get(quarter))
        elif disclosures.get(quarter):
            s.withheld.append("disclosures withheld: the directory is smaller than the group size")
        s.pilots = int((cases.get(quarter) or {}).get("pilots") or 0)
        s.production = int((cases.get(quarter) or {}).get("production") or 0)
        rows = [r for r in kinds if r["quarter"] == quarter]
        s.themes = {str(r["work_kind"]): int(r["people"]) for r in rows}
        s.repeatable_kinds = repeatable(rows, min_people, min_teams)
        finish(s)
        result[quarter] = s if raw else redact(s, services.min_group_size)
    return result


# Counts of people: each one below K is a cell that could single someone out.
SMALL_FIELDS = (
    "with_example",
    "approved",
    "not_approved",
    "approval_unknown",
    "continues",
    "measured",
    "maturity_unknown",
)
# Answer-derived figures, all withheld below K answers. Pilots and production count team use
# cases (team x kind of work), not people, so they are not cells of people.
ANSWER_FIELDS = (
    *SMALL_FIELDS,
    "pilots",
    "production",
    "breadth",
    "hours_saved",
    "repeatable_kinds",
)


def _small(n: int, k: int) -> bool:
    return 0 < n < k


def suppress_cells(cells: dict[str, int], k: int) -> tuple[dict[str, int], int, bool]:
    """Cells of at least K, the pooled count of the smaller ones (0 unless it reaches K) and
    whether any cell was left out: a count of 1 is a person, whatever the group around it."""
    shown = {key: n for key, n in cells.items() if n >= k}
    rest = sum(n for n in cells.values() if 0 < n < k)
    return shown, (rest if rest >= k else 0), rest > 0


def redact(s: Signals, k: int) -> Signals:
    """A copy safe to show anyone: no figure behind fewer than K answers or K disclosures.

    Answer-derived figures need K answers, disclosure-derived ones K disclosures that quarter,
    and inside a group that qualifies every single cell (a theme, a gate, a category) needs K
    too; small cells are pooled into "other" only when the pool reaches K, else left out.
    """
    p = replace(s, themes={}, gates={}, other={}, hidden=[], withheld=list(s.withheld))
    p.obstacle_gates, p.reason_gates, p.demand = {}, {}, list(s.demand)
    hide: set[str] = set()
    answer_gates: dict[str, int] = {}
    if 0 < s.answered < k:
        hide.update(ANSWER_FIELDS)
        p.withheld.append(f"answer details withheld: fewer than {k} answers so far")
    elif s.answered:
        hide.update(name for name in SMALL_FIELDS if _small(getattr(s, name), k))
        if _small(s.answered - s.with_example, k):
            hide.add("breadth")
        if "measured" in hide:
            hide.add("hours_saved")
        themes, pooled, cut = suppress_cells(s.themes, k)
        p.themes = themes
        if pooled:
            p.other["themes"] = pooled
        if any(s.themes.get(kind, 0) < k for kind in s.repeatable_kinds):
            hide.add("repeatable_kinds")
        answer_gates = dict(s.obstacle_gates)
        if cut or hide:
            p.withheld.append(f"figures for fewer than {k} people withheld")
    reason_gates: dict[str, int] = {}
    if _small(s.covert, k):
        hide.add("covert")
        p.demand = []
        p.withheld.append(f"disclosures withheld: fewer than {k} disclosures so far")
    else:
        reason_gates = dict(s.reason_gates)
    _public_gates(p, s, answer_gates, reason_gates, k)
    if "breadth" in hide or "with_example" in hide:
        hide.add("breadth")
    if hide & {"approved", "not_approved", "covert"}:
        hide.add("sanctioned_share")
    if hide & {"covert", "with_example"}:
        hide.add("covert_share")
    for name in hide:
        value = getattr(p, name)
        setattr(
            p, name, [] if isinstance(value, list) else None if value is None else type(value)()
        )
    p.hidden = sorted(hide)
    p.sanctioned_share = None if "sanctioned_share" in hide else p.sanctioned_share
    p.covert_share = None if "covert_share" in hide else p.covert_share
    p.breadth = None if "breadth" in hide else p.breadth
    return p


def _public_gates(
    p: Signals, s: Signals, answers: dict[str, int], reasons: dict[str, int], k: int
) -> None:
    combined = {g: answers.get(g, 0) + reasons.get(g, 0) for g in GATES}
    shown, pooled, cut = suppress_cells(combined, k)
    p.gates = {g: shown.get(g, 0) for g in GATES}
    if pooled:
        p.other["gates"] = pooled
    if cut:
        p.withheld.append(f"gates reported by fewer than {k} people withheld")


async def demand(services: Any, quarter: str) -> list[dict[str, Any]]:
    """Tools outside the catalog, named in at least K disclosures (smaller counts are pooled)."""
    k = services.min_group_size
    async with services.db.session() as session:
        rows = await q.demand_by_tool(session, quarter)
    tools: dict[str, dict[str, Any]] = {}
    for r in rows:
        tool = tools.setdefault(
            r["tool_key"], {"tool": r["tool_key"], "kind": r["tool_kind"], "count": 0, "work": {}}
        )
        tool["count"] += r["count"]
        tool["work"][r["work_kind"]] = tool["work"].get(r["work_kind"], 0) + r["count"]
    if sum(t["count"] for t in tools.values()) < k:
        return []
    shown = [t for t in tools.values() if t["count"] >= k]
    for tool in shown:
        tool["work"] = {w: n for w, n in tool["work"].items() if n >= k}
    pooled = sum(t["count"] for t in tools.values() if t["count"] < k)
    shown.sort(key=lambda t: (-t["count"], t["tool"]))
    if pooled >= k:
        shown.append({"tool": "other tools (each below the group size)", "count": pooled})
    return shown


async def team_signals(
    services: Any, quarter: str, team_ids: list[int] | None = None
) -> list[Signals]:
    """Per-team signals for one quarter, only for teams of at least K people."""
    k = services.min_group_size
    async with services.db.session() as session:
        sizes = await q.team_sizes(session)
        wanted = [t for t in (team_ids if team_ids is not None else sizes) if sizes.get(t, 0) >= k]
        if not wanted:
            return []
        names = await q.team_names(session, wanted)
        answers = {r["team_id"]: r for r in await q.answers_by_team(session, quarter, wanted)}
        covert = {r["team_id"]: r for r in await q.disclosures_by_team(session, quarter, wanted)}
        prompted = await q.prompted_by_team(session, quarter, wanted)
        themes = await q.themes_by_team(session, quarter, wanted)
    out = []
    for team in sorted(wanted):
        s = Signals(quarter, names.get(team, str(team)), team, sizes[team], prompted.get(team, 0))
        _fill_team(s, answers.get(team), covert.get(team), k)
        if s.answered >= k:
            s.themes = themes.get(team, {})
        out.append(redact(s, k))
    return out


def _fill_team(s: Signals, answers: Any, covert: Any, k: int) -> None:
    """Counts for one team; any sub-group below K (answerers, disclosures) stays withheld."""
    s.answered = int((answers or {}).get("answered") or 0)
    if s.answered >= k:
        apply_answers(s, answers)
    if covert:
        # Counted even below K so that `redact` withholds them (and every share built on
        # them) instead of the team reading "0 disclosed covert".
        apply_disclosures(s, covert)
    finish(s)
