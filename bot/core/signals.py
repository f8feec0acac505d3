"""Organisation-level capability signals, per quarter, org-wide and per team.

Signals turn individual answers and anonymous disclosures into what the organisation can do:
how many take part, how broad use is, how much of it is sanctioned, which use cases are
repeatable or in production without depending on one person, and which gates people hit.
All counting happens in SQL (`storage.queries.signals`); this module only combines small rows.
Team slices exist only for teams of at least K people and come from answers alone. What may be
shown is decided once per quarter, for the organisation and every team together, by the
disclosure-control table (`bot.core.figure_table`, `bot.core.disclosure_control`); `public`
reads each view off it.
"""

from __future__ import annotations

import asyncio
import functools
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from bot.core import figure_table, tool_names
from bot.core.cache import cached
from bot.core.disclosure_control import Table
from bot.core.disclosure_control import suppress_cells as suppress_cells
from bot.core.figure_table import (
    DETAIL_TEAMS,
    ORG,
    QuarterData,
    build_table,
    team_scope,
)
from bot.core.vocabulary import COVERT_REASON_GATE, GATES, OBSTACLE_GATE, WORK_KINDS
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
    min_group: int = 5
    protective: list[str] = field(default_factory=list)  # withheld only so others stay hidden
    disclosures_counted: bool = True  # False below K disclosures: they enter no figure

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
    """Derived shares, once counts are in. `prompted` counts everyone asked this quarter (sent
    the prompt, or answered anyway); before any campaign the directory size stands in."""
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


@dataclass
class QuarterFigures:
    """One quarter's figures: the stage's inputs at once; the suppressed table and the public
    views when first read (a stage trend needs the public figures of only a few quarters)."""

    data: QuarterData
    raw: Signals  # what the stage estimate reads: answers as counted, disclosures only from K
    rows: dict[str, Any] = field(repr=False)

    @functools.cached_property
    def table(self) -> Table:
        return build_table(self.data)

    @functools.cached_property
    def org(self) -> Signals:
        """What anyone may see."""
        return public(self.table, ORG, self.raw, self.data)

    @functools.cached_property
    def org_answers(self) -> Signals:
        """The organisation from answers alone, defined as a team's figures are (what a team's
        summary compares with): it never depends on disclosures."""
        raw = replace(self.raw, covert=0, gates=dict(self.raw.obstacle_gates), reason_gates={})
        raw.disclosures_counted = False
        finish(raw)
        return public(self.table, ORG, raw, self.data, answers_only=True)

    @functools.cached_property
    def teams(self) -> dict[int, Signals]:
        """What a team's managers see (teams of at least K people)."""
        if self.rows["asked_team"] is None:
            raise RuntimeError("figures(teams=False) has no team views")
        return {
            team: public(self.table, team_scope(team), _raw_team(self.rows, self.data, team),
                         self.data)
            for team in self.data.big_teams
        }  # fmt: skip


async def _in_one_session(services: Any, *fns: Any) -> list[Any]:
    async with services.db.session() as session:
        return [await fn(session) for fn in fns]


async def _all_rows(services: Any, teams: bool = True) -> dict[str, Any]:
    """The GROUP BY queries in three sessions run concurrently: the two heavy scans of the
    answers each get their own connection, the light ones share a third. Reads run in parallel
    on SQLite (WAL) and PostgreSQL alike, and three stay inside the default pool of five.

    Teams of K people are counted one by one; beyond DETAIL_TEAMS of them only their counts of
    answers are needed (see `figure_table`), so the organisation's breakdowns come as one row
    per quarter, not as a row of every count for each of thousands of teams. Who was asked per
    team (a union of prompts and answers, as costly as the answers) only with `teams`."""
    async with services.db.session() as session:
        sizes = await q.team_sizes(session)
    big = sorted(t for t, n in sizes.items() if n >= services.min_group_size)
    answers, themes = _loaders(big)
    asked_team = q.asked_by_quarter_team if teams else _no_rows
    names = q.team_names  # every team's (sizes covers every team with a member)
    heavy_a, heavy_b, light = await asyncio.gather(
        _in_one_session(services, answers, themes),
        _in_one_session(services, asked_team, q.work_kinds_by_quarter, q.use_cases_by_quarter),
        _in_one_session(
            services,
            q.asked_by_quarter,
            q.disclosures_by_quarter,
            q.tool_kinds_by_quarter,
            q.demand_by_quarter,
            q.campaign_quarters,
            names,
        ),
    )
    keys = ("answers", "themes", "asked_team", "kinds", "cases", "asked", "disclosures",
            "tool_kinds", "demand", "campaigns", "names")  # fmt: skip
    rows = dict(zip(keys, [*heavy_a, *heavy_b, *light], strict=True))
    rows["sizes"] = sizes
    rows["by_quarter"] = _by_quarter(rows, set(big))
    if not teams:
        rows["asked_team"] = None
    return rows


def _loaders(big: list[int]) -> tuple[Any, Any]:
    """The queries of answers and themes: per group when teams publish their breakdowns,
    else the organisation's row and the teams' counts of answers alone."""
    if len(big) <= figure_table.DETAIL_TEAMS:
        return (functools.partial(q.answers_by_quarter_group, teams=big),
                functools.partial(q.themes_by_quarter_group, teams=big))  # fmt: skip
    return q.answers_with_team_counts, _no_rows


async def _no_rows(session: Any) -> list[dict[str, Any]]:
    return []


def _add_into(total: dict[str, Any], row: dict[str, Any]) -> None:
    for key, value in row.items():
        if isinstance(value, int | float) and key not in ("team_id", "org"):
            total[key] = total.get(key, 0) + value


def _by_quarter(rows: dict[str, Any], big: set[int]) -> dict[str, dict[str, Any]]:
    """The rows sorted by quarter once (thousands of teams make a scan per quarter costly):
    answers and themes per group (a team of K people, or None for everybody else), the
    organisation's row when it comes on its own, and the teams' counts of people asked."""
    out: dict[str, dict[str, Any]] = {}

    def of(quarter: str) -> dict[str, Any]:
        return out.setdefault(quarter, {"answers": {}, "themes": {}, "org": None, "asked": {}})

    for r in rows["answers"]:
        slot = of(r["quarter"])
        if r.get("org"):
            slot["org"] = {k: v for k, v in r.items() if k != "org"}
        elif r["team_id"] in big:
            slot["answers"][r["team_id"]] = r
        else:  # everybody else, counted together
            rest = slot["answers"].setdefault(None, {"quarter": r["quarter"], "team_id": None})
            _add_into(rest, r)
    for r in rows["themes"]:
        team = r["team_id"] if r["team_id"] in big else None
        kinds = of(r["quarter"])["themes"].setdefault(team, {})
        kinds[str(r["work_kind"])] = kinds.get(str(r["work_kind"]), 0) + int(r["people"])
    for r in rows["asked_team"]:
        of(r["quarter"])["asked"][r["team_id"]] = int(r["asked"])
    return out


def _quarter_data(rows: dict[str, Any], quarter: str, k: int) -> QuarterData:
    sizes = rows["sizes"]
    data = QuarterData(quarter, k, sum(sizes.values()), sizes)
    slot = rows["by_quarter"].get(quarter, {})
    data.answers = slot.get("answers", {})
    data.themes = slot.get("themes", {})
    if slot.get("org") is not None:  # teams beyond DETAIL_TEAMS: counts of answers only
        data.org_answers = slot["org"]
        data.org_themes = {
            str(r["work_kind"]): int(r["people"]) for r in rows["kinds"] if r["quarter"] == quarter
        }
    data.disclosures = next((r for r in rows["disclosures"] if r["quarter"] == quarter), None)
    data.tool_kinds = {
        str(r["tool_kind"]): int(r["count"]) for r in rows["tool_kinds"] if r["quarter"] == quarter
    }
    data.demand = [r for r in rows["demand"] if r["quarter"] == quarter]
    return data


def _raw_org(rows: dict[str, Any], data: QuarterData, min_people: int, min_teams: int) -> Signals:
    quarter = data.quarter
    s = Signals(quarter=quarter, people=data.people, prompted=rows["asked"].get(quarter, 0))
    apply_answers(s, data.org_row)
    if data.disclosures_shown:  # below K disclosures, none enter any figure (not even a share)
        apply_disclosures(s, data.disclosures)
    else:
        s.disclosures_counted = False
    cases: dict[str, Any] = next((r for r in rows["cases"] if r["quarter"] == quarter), {})
    s.pilots = int(cases.get("pilots") or 0)
    s.production = int(cases.get("production") or 0)
    kinds = [r for r in rows["kinds"] if r["quarter"] == quarter]
    s.themes = {str(r["work_kind"]): int(r["people"]) for r in kinds}
    s.repeatable_kinds = repeatable(kinds, min_people, min_teams)
    finish(s)
    return s


def _raw_team(rows: dict[str, Any], data: QuarterData, team: int) -> Signals:
    asked = rows["by_quarter"].get(data.quarter, {}).get("asked", {}).get(team, 0)
    name = rows["names"].get(team, str(team))
    s = Signals(data.quarter, name, team, data.team_sizes[team], asked)
    apply_answers(s, data.answers.get(team))
    s.themes = dict(data.themes.get(team, {}))
    s.disclosures_counted = False  # disclosures count org-wide only, never per team
    finish(s)
    return s


async def figures(
    services: Any,
    min_people: int = 3,
    min_teams: int = 2,
    *,
    include: str | None = None,
    teams: bool = True,
) -> dict[str, QuarterFigures]:
    """Every quarter's figures, oldest first (`include` adds a quarter that has no data yet;
    `teams` False when only the organisation's views are read, which spares a costly query).

    The same table, suppressed the same way, feeds every surface, so no two surfaces can
    publish two patterns of the same quarter that together give a withheld cell away.
    """
    k = services.min_group_size
    rows, by_quarter = await cached(
        services,
        ("figures", k, min_people, min_teams, teams),
        lambda: _compute_figures(services, k, min_people, min_teams, teams),
    )
    if include is None or include in by_quarter:
        return by_quarter
    # A quarter without data yet: its (empty) figures beside the shared ones, never added to them.
    extra = await asyncio.to_thread(_figures, rows, k, min_people, min_teams, include, {include})
    return dict(sorted({**by_quarter, **extra}.items()))


async def _compute_figures(
    services: Any, k: int, min_people: int, min_teams: int, teams: bool
) -> tuple[dict[str, Any], dict[str, QuarterFigures]]:
    """Every quarter's figures, computed once per change of the data and shared by every view
    that asks (`bot.core.cache`): at 100,000 people a reading takes seconds, and the close of a
    campaign sends one team summary per manager."""
    rows = await _all_rows(services, teams)
    # CPU-bound: off the event loop, which must keep acknowledging Slack within 3 s meanwhile.
    return rows, await asyncio.to_thread(_figures, rows, k, min_people, min_teams, None)


def _figures(
    rows: dict[str, Any],
    k: int,
    min_people: int,
    min_teams: int,
    include: str | None,
    only: set[str] | None = None,
) -> dict[str, QuarterFigures]:
    known = {r["quarter"] for r in rows["answers"]} | {r["quarter"] for r in rows["disclosures"]}
    wanted = sorted(only or (known | set(rows["campaigns"]) | ({include} if include else set())))
    result = {}
    for quarter in wanted:
        data = _quarter_data(rows, quarter, k)
        result[quarter] = QuarterFigures(data, _raw_org(rows, data, min_people, min_teams), rows)
    return result


async def org_signals(
    services: Any, min_people: int = 3, min_teams: int = 2, *, raw: bool = False
) -> dict[str, Signals]:
    """Org-wide signals for every quarter, oldest first: the public figures, or with `raw` the
    stage estimate's inputs (answers as counted; disclosures only once a quarter holds K)."""
    by_quarter = await figures(services, min_people, min_teams, teams=False)
    return {quarter: f.raw if raw else f.org for quarter, f in by_quarter.items()}


# Counts of people shown as numbers; a 0 is shown, 1..K-1 withheld.
PEOPLE_FIELDS = ("with_example", "approved", "not_approved", "approval_unknown")
ORG_ONLY = ("continues", "measured", "maturity_unknown")
NOT_PER_TEAM = (*ORG_ONLY, "hours_saved", "pilots", "production", "repeatable_kinds", "covert",
                "covert_share")  # fmt: skip


def public(
    t: Table, scope: str, raw: Signals, data: QuarterData, *, answers_only: bool = False
) -> Signals:
    """A copy safe to show anyone: each figure as the suppressed table publishes it.
    `answers_only` reads the organisation as a team is read (answer cells only)."""
    k = t.k
    p = replace(raw, themes={}, gates={}, other={}, hidden=[], withheld=[], demand=[])
    p.obstacle_gates, p.reason_gates, p.min_group = {}, {}, k
    org = scope == ORG and not answers_only
    counts = ("answered", *PEOPLE_FIELDS, *(ORG_ONLY if org else ()))
    hide = {name for name in counts if not t.shown(f"{scope}.{name}")}
    p.themes = _shown(t, {kind: f"{scope}.theme.{kind}" for kind in WORK_KINDS})
    prefix = "gate" if org else "obstacle"
    p.gates = _shown(t, {g: f"{scope}.{prefix}.{g}" for g in GATES})
    for name in ("themes", "gates") if org else ("themes",):
        pooled = t.value(f"{scope}.{name}_pool")
        if pooled:
            p.other[name] = pooled
    if org:
        if not t.shown(f"{ORG}.covert"):
            hide.update(("covert", "covert_share"))
        p.demand = public_demand(t)
        if "answered" in hide:
            hide.update(("pilots", "production", "repeatable_kinds"))
        if any(kind not in p.themes for kind in raw.repeatable_kinds):
            hide.add("repeatable_kinds")
        if "measured" in hide:
            hide.add("hours_saved")
    else:
        hide.update(NOT_PER_TEAM)
    _hide_shares(hide, data.disclosures_shown and org)
    _notes(p, t, scope, hide, data, org)
    for name in hide:
        value = getattr(p, name)
        setattr(
            p, name, [] if isinstance(value, list) else None if value is None else type(value)()
        )
    for share in ("response_rate", "breadth", "sanctioned_share", "covert_share"):
        if share in hide:
            setattr(p, share, None)
    p.hidden = sorted(hide)
    p.protective = sorted(
        name for name in counts if f"{scope}.{name}" in t.withheld - t.primary and name in hide
    )
    return p


def _shown(t: Table, keys: dict[str, str]) -> dict[str, int]:
    return {name: t.cells[key].value for name, key in keys.items() if t.shown(key)}


def _hide_shares(hide: set[str], covert_counted: bool) -> None:
    """A share is shown only when every count it is built from is shown (so it reveals
    nothing the counts do not); below K disclosures the covert count is not part of it."""
    if hide & {"answered"}:
        hide.add("response_rate")
    if hide & {"answered", "with_example"}:
        hide.add("breadth")
    if hide & {"approved", "not_approved"} or (covert_counted and "covert" in hide):
        hide.add("sanctioned_share")
    if hide & {"covert", "with_example"}:
        hide.add("covert_share")


def _notes(p: Signals, t: Table, scope: str, hide: set[str], data: QuarterData, org: bool) -> None:
    """Why figures are missing, worded the same for 0 and for 1..K-1 wherever 0 is protected."""
    k = t.k
    if f"{scope}.answered" in t.primary:
        p.withheld.append(f"answer details withheld: fewer than {k} answers so far")
    elif any(f"{scope}.{name}" in t.primary for name in (*PEOPLE_FIELDS, *ORG_ONLY)):
        p.withheld.append(f"figures for fewer than {k} people withheld")
    if not org and f"{scope}.with_example" not in t.cells:
        p.withheld.append(
            f"breakdowns withheld: shown for organisations of up to {DETAIL_TEAMS} teams of "
            f"{k} people or more"
        )
    counts = [f"{scope}.{n}" for n in ("answered", *PEOPLE_FIELDS, *(ORG_ONLY if org else ()))]
    if any(c in t.withheld and c not in t.primary for c in counts):
        p.withheld.append("more figures withheld so that no withheld one can be worked out")
    if org and not data.disclosures_shown:  # the same words whatever the count below K
        if data.people < k:
            p.withheld.append("disclosures withheld: the directory is smaller than the group size")
        else:
            p.withheld.append(f"disclosures withheld: fewer than {k} disclosures so far")


def public_demand(t: Table) -> list[dict[str, Any]]:
    """Tools outside the catalog named in at least K disclosures, most named first, with
    their kinds of work of at least K; the smaller ones pooled when the pool reaches K."""
    shown: list[dict[str, Any]] = []
    for key, cell in t.cells.items():
        if cell.label != "tool" or not t.shown(key):
            continue
        tool = key.removeprefix("demand.tool.")
        work = {
            c.key.split(":", 1)[0].removeprefix("demand.work."): c.value
            for c in t.cells.values()
            if c.label == "tool_work" and c.key.endswith(f":{tool}") and t.shown(c.key)
        }
        shown.append({"tool": tool_names.label(tool), "count": cell.value, "work": work})
    shown.sort(key=lambda d: (-d["count"], d["tool"]))
    pooled = t.value("demand.tools_pool")
    if pooled:
        shown.append({"tool": f"other tools (each named fewer than {t.k} times)",
                      "count": pooled, "work": {}})  # fmt: skip
    return shown


async def figures_for(services: Any, quarter: str, *, teams: bool = True) -> QuarterFigures:
    return (await figures(services, include=quarter, teams=teams))[quarter]


async def org_answer_signals(services: Any, quarter: str) -> Signals:
    """The organisation's figures from answers alone (see `QuarterFigures.org_answers`)."""
    return (await figures_for(services, quarter)).org_answers


async def demand(services: Any, quarter: str) -> list[dict[str, Any]]:
    """Tools outside the catalog, named in at least K disclosures (see `public_demand`)."""
    return (await figures_for(services, quarter, teams=False)).org.demand


async def team_signals(
    services: Any, quarter: str, team_ids: list[int] | None = None
) -> list[Signals]:
    """Per-team signals for one quarter, only for teams of at least K people. They come from
    answers alone: a team's view is the same whether none, some or all of it disclosed."""
    teams = (await figures_for(services, quarter)).teams
    wanted = sorted(teams if team_ids is None else [t for t in team_ids if t in teams])
    return [teams[t] for t in wanted]
