"""Every figure published about one quarter, as one table of cells with their linear relations.

The groups are the organisation, each team of at least K people, and "everybody else" (people
in smaller teams or in none), which is never shown but exists in the relations: the
organisation is the sum of its teams and of everybody else. Within a group, the answers split
into those with and without an example, an example's tool is approved, not approved or of
unknown approval, and it has exactly one kind of work. Obstacles and covert reasons are
multi-select, so they have no row total; an organisation gate is what answers (obstacles) and
disclosures (reasons) reported together. Disclosures count org-wide only.

The table is suppressed in two phases (see `bot.core.disclosure_control`): first every answer
cell, so that its pattern depends on answers alone; then, with every answer cell frozen (the
organisation's too: a team's summary compares with the organisation's answers), the disclosure
cells, so that a team's view is the same whatever its members disclosed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.core import tool_names
from bot.core.disclosure_control import BELOW_K, SMALL, Table
from bot.core.vocabulary import (
    COVERT_REASON_GATE,
    GATES,
    OBSTACLE_GATE,
    TOOL_KINDS,
    WORK_KINDS,
)

APPROVAL = ("approved", "not_approved", "approval_unknown")
ADDITIVE = ("answered", "with_example", "no_example", *APPROVAL)
ORG, REST = "org", "rest"
# Up to this many teams of K people, each team's breakdowns (examples, approval, themes,
# obstacles) are published and suppressed jointly with the organisation's. Beyond it, teams
# publish their participation only: the joint test grows with the number of teams (about
# 0.4 s a quarter at 100 teams), and a faster, incremental solver is not written yet.
DETAIL_TEAMS = 60


def work_key(tool: str, kind: str) -> str:
    return f"demand.work.{kind}:{tool}"


def team_scope(team_id: int) -> str:
    return f"team{team_id}"


@dataclass
class QuarterData:
    """The raw counts behind one quarter (all small rows from GROUP BY queries)."""

    quarter: str
    k: int
    people: int
    team_sizes: dict[int, int]
    # Per team of at least K people and None for everybody else; beyond DETAIL_TEAMS teams,
    # whose breakdowns are not published, only their counts of answers ("answered").
    answers: dict[int | None, dict[str, Any]] = field(default_factory=dict)
    themes: dict[int | None, dict[str, int]] = field(default_factory=dict)
    # The organisation's counts and themes when the groups above do not carry them all.
    org_answers: dict[str, Any] | None = None
    org_themes: dict[str, int] | None = None
    disclosures: dict[str, Any] | None = None
    tool_kinds: dict[str, int] = field(default_factory=dict)
    demand: list[dict[str, Any]] = field(default_factory=list)

    @property
    def big_teams(self) -> list[int]:
        return sorted(t for t, n in self.team_sizes.items() if n >= self.k)

    @property
    def org_row(self) -> dict[str, Any]:
        if self.org_answers is not None:
            return self.org_answers
        return sum_rows(list(self.answers.values()))

    @property
    def org_theme_counts(self) -> dict[str, int]:
        if self.org_themes is not None:
            return self.org_themes
        out: dict[str, int] = {}
        for themes in self.themes.values():
            for kind, n in themes.items():
                out[kind] = out.get(kind, 0) + n
        return out

    @property
    def covert(self) -> int:
        return int((self.disclosures or {}).get("disclosures") or 0)

    @property
    def disclosures_shown(self) -> bool:
        """Disclosure figures exist only from K disclosures, in a directory of at least K."""
        return self.people >= self.k and self.covert >= self.k


def sum_rows(rows: list[dict[str, Any]]) -> dict[str, Any]:
    total: dict[str, Any] = {}
    for row in rows:
        for key, value in row.items():
            if isinstance(value, int | float) and key != "team_id":
                total[key] = total.get(key, 0) + value
    return total


def _group(t: Table, scope: str, row: dict[str, Any], themes: dict[str, int], shown: bool) -> None:
    """The cells of one group; `shown` False for everybody else (only in relations)."""
    opts: dict[str, Any] = {"published": shown}
    answered = int(row.get("answered") or 0)
    with_example = int(row.get("with_example") or 0)
    # A group's participation reads the same for 0 and 1..K-1 (nobody is singled out as the
    # first to answer); every other count of people is protected from 1 to K-1.
    t.add(f"{scope}.answered", answered, BELOW_K if shown else SMALL, marginal=True, **opts)
    t.add(f"{scope}.with_example", with_example, marginal=True, **opts)
    t.add(f"{scope}.no_example", answered - with_example, published=False)
    t.sums(f"{scope}.answered", [f"{scope}.with_example", f"{scope}.no_example"])
    for name in APPROVAL:
        t.add(f"{scope}.{name}", int(row.get(name) or 0), **opts)
    t.sums(f"{scope}.with_example", [f"{scope}.{n}" for n in APPROVAL])
    # Themes and gates are shown as lists of the cells that pass: a 0 reads like "withheld".
    for kind in WORK_KINDS:
        t.add(f"{scope}.theme.{kind}", themes.get(kind, 0), BELOW_K, **opts)
    t.sums(f"{scope}.with_example", [f"{scope}.theme.{k}" for k in WORK_KINDS])
    for key, gate in OBSTACLE_GATE.items():
        t.add(f"{scope}.obstacle.{gate}", int(row.get(f"obstacle_{key}") or 0), BELOW_K, **opts)
    if shown and answered < t.k:
        t.withhold(c for c in t.cells if c.startswith(f"{scope}.") and t.cells[c].published)


def _participation(
    t: Table, scope: str, row: dict[str, Any], themes: dict[str, int], shown: bool
) -> None:
    """A group's count of answers alone: its breakdowns are not published (see DETAIL_TEAMS)."""
    del themes
    answered = int(row.get("answered") or 0)
    t.add(f"{scope}.answered", answered, BELOW_K if shown else SMALL, marginal=True,
          published=shown)  # fmt: skip


def _additive_keys() -> list[str]:
    return [*ADDITIVE, *(f"theme.{k}" for k in WORK_KINDS), *(f"obstacle.{g}" for g in GATES)]


def build_table(d: QuarterData) -> Table:
    t = Table(d.k)
    big = d.big_teams
    org_row = d.org_row
    _group(t, ORG, org_row, d.org_theme_counts, True)
    _org_subsets(t, org_row)
    scopes = [team_scope(team) for team in big]
    detailed = len(big) <= DETAIL_TEAMS
    group = _group if detailed else _participation
    for team in big:
        group(t, team_scope(team), d.answers.get(team, {}), d.themes.get(team, {}), True)
    big_set = set(big)
    outside = [team for team in set(d.answers) | set(d.themes) if team not in big_set]
    in_big = sum(d.team_sizes[team] for team in big)
    if outside or d.people > in_big:
        rest_row = sum_rows([d.answers[o] for o in outside if o in d.answers])
        rest_themes: dict[str, int] = {}
        for other in outside:
            for kind, n in d.themes.get(other, {}).items():
                rest_themes[kind] = rest_themes.get(kind, 0) + n
        group(t, REST, rest_row, rest_themes, False)
        scopes.append(REST)
    for name in _additive_keys() if detailed else ["answered"]:
        t.sums(f"{ORG}.{name}", [f"{scope}.{name}" for scope in scopes])
    # Phase 1: answers only; the organisation's obstacles count as published here.
    t.suppress()
    for scope in scopes[: len(big)]:
        # A team's "smaller themes (n)" is its examples minus its themes shown: published only
        # with its count of examples, it adds nothing an insider could subtract. (A team has
        # no pool of gates: obstacles have no total, so such a pool would be new information.)
        if t.shown(f"{scope}.with_example"):
            _add_pool(t, f"{scope}.themes_pool", [f"{scope}.theme.{k}" for k in WORK_KINDS])
    for cell in t.cells.values():  # every answer cell, the organisation's too
        cell.frozen = True
    _disclosures(t, d)
    t.suppress_primary()
    if d.disclosures_shown:
        tools = [c for c, cell in t.cells.items() if cell.label == "tool"]
        _pool(t, "demand.tools_pool", [c for c in tools if c in t.primary])
    t.suppress_complementary()
    _pool(t, f"{ORG}.themes_pool", [f"{ORG}.theme.{k}" for k in WORK_KINDS])
    _pool(t, f"{ORG}.gates_pool", [f"{ORG}.gate.{g}" for g in GATES])
    return t


def _org_subsets(t: Table, row: dict[str, Any]) -> None:
    """Org-only counts that are subsets of the answers with an example."""
    for name in ("continues", "measured", "maturity_unknown"):
        t.add(f"{ORG}.{name}", int(row.get(name) or 0))
        t.add(f"{ORG}.not_{name}", int(row.get("with_example") or 0) - int(row.get(name) or 0),
              published=False)  # fmt: skip
        t.sums(f"{ORG}.with_example", [f"{ORG}.{name}", f"{ORG}.not_{name}"])
    if int(row.get("answered") or 0) < t.k:
        t.withhold([f"{ORG}.continues", f"{ORG}.measured", f"{ORG}.maturity_unknown"])


def _disclosures(t: Table, d: QuarterData) -> None:
    """Phase 2: gates (answers + disclosures), and disclosure cells from K disclosures."""
    row = d.disclosures or {}
    shown = d.disclosures_shown
    t.add(f"{ORG}.covert", d.covert, BELOW_K, marginal=True)
    if not shown:
        t.withhold([f"{ORG}.covert"])
    reasons_by_gate: dict[str, list[str]] = {g: [] for g in GATES}
    if shown:
        for reason, gate in COVERT_REASON_GATE.items():
            t.add(f"{ORG}.reason.{reason}", int(row.get(f"reason_{reason}") or 0), BELOW_K)
            reasons_by_gate[gate].append(f"{ORG}.reason.{reason}")
    for gate in GATES:
        value = t.cells[f"{ORG}.obstacle.{gate}"].value
        value += sum(t.cells[r].value for r in reasons_by_gate[gate])
        t.add(f"{ORG}.gate.{gate}", value, BELOW_K)
        t.sums(f"{ORG}.gate.{gate}", [f"{ORG}.obstacle.{gate}", *reasons_by_gate[gate]])
    if not shown:
        return
    kinds = sorted(set(TOOL_KINDS) | set(d.tool_kinds))
    for kind in kinds:
        t.add(f"{ORG}.tool_kind.{kind}", d.tool_kinds.get(kind, 0), BELOW_K)
    t.sums(f"{ORG}.covert", [f"{ORG}.tool_kind.{kind}" for kind in kinds])
    _demand(t, d)


def _demand(t: Table, d: QuarterData) -> None:
    """Tools outside the approved catalog: per tool, per tool and kind of work; the rest of the
    disclosures named a catalog tool (never shown)."""
    tools: dict[str, dict[str, int]] = {}
    for r in d.demand:  # spellings and aliases of one tool count as that tool
        work = tools.setdefault(tool_names.canonical_key(str(r["tool_key"])), {})
        work[str(r["work_kind"])] = work.get(str(r["work_kind"]), 0) + int(r["count"])
    in_catalog = d.covert - sum(sum(w.values()) for w in tools.values())
    t.add("demand.catalog", in_catalog, published=False)  # an empty cell singles nobody out
    for tool, work in sorted(tools.items()):
        key = f"demand.tool.{tool}"
        t.add(key, sum(work.values()), BELOW_K, label="tool")
        kinds = sorted(set(WORK_KINDS) | set(work))
        for kind in kinds:
            t.add(work_key(tool, kind), work.get(kind, 0), BELOW_K, label="tool_work")
        t.sums(key, [work_key(tool, kind) for kind in kinds])
    t.sums(f"{ORG}.covert", ["demand.catalog", *(f"demand.tool.{tool}" for tool in sorted(tools))])


def _pools(t: Table, specs: list[tuple[str, list[str]]]) -> None:
    """Publish each pool that reaches K ("smaller themes (n)"), unless it determines a
    protected cell: a whole batch at once when that is safe (one test), else each half."""
    added = [key for key, parts in specs if _add_pool(t, key, parts)]
    # A pool (at least K) never pins its parts, so only the linear test can object to it.
    if not added or not t.determined_protected():
        return
    for key in added:
        _drop_pool(t, key)
    if len(specs) > 1:
        half = len(specs) // 2
        _pools(t, specs[:half])
        _pools(t, specs[half:])


def _pool(t: Table, key: str, parts: list[str]) -> None:
    _pools(t, [(key, parts)])


def _add_pool(t: Table, key: str, parts: list[str]) -> bool:
    """The sum of the withheld `parts`, added as a published cell when it reaches K."""
    hidden = [p for p in parts if p in t.withheld]
    value = sum(t.cells[p].value for p in hidden)
    if value < t.k:
        return False
    t.add(key, value, BELOW_K, frozen=True)
    t.sums(key, hidden)
    return True


def _drop_pool(t: Table, key: str) -> None:
    del t.cells[key]
    t.relations = [r for r in t.relations if key not in r]
