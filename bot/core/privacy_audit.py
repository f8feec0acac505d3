"""The privacy audit: every figure published about a quarter, the linear relations between
them, and a proof that no withheld figure can be recomputed from the published ones.

The audit does not trust the suppression: it reads the figures as the surfaces publish them
(the organisation's signals behind `/ai-stage`, App Home, the CLI, the export, the HTML report
and its chart; each team's signals behind team summaries and their DMs, and the organisation's
answers-only figures they are compared with; and what admins read: `admin list` with its
entries counted by what they say, `admin demand`, and the free-text export counted row by
row), maps each one to a cell of the quarter's table (`bot.core.figure_table`, with the
admins' cells of `bot.core.admin_figures`), and runs the rank test of
`bot.core.disclosure_control.determined` over the union of them all and the table's
relations. A published figure the table does not know, a value that differs from the table's,
a share shown without the counts it is built from, or a withheld count the published ones
determine: each is an offence.

The report never shows a withheld value, and it names a withheld tool only as "a tool".
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from bot.core import admin_figures, tool_names
from bot.core import disclosure_reports as reports
from bot.core.disclosure_control import Table, determined
from bot.core.figure_table import ORG, team_scope
from bot.core.signals import QuarterFigures, figures

EXPORT_FIELDS = {"quarter", "tool", "make_it_easy"}

COUNTS = ("answered", "with_example", "approved", "not_approved", "approval_unknown", "continues",
          "measured", "maturity_unknown", "covert")  # fmt: skip
# Each share and what it is built from; shown only when all of these are shown.
SHARES = {
    "response_rate": ("answered",),
    "breadth": ("answered", "with_example"),
    "sanctioned_share": ("approved", "not_approved"),
    "covert_share": ("covert", "with_example"),
    "hours_saved": ("measured",),
}


@dataclass
class QuarterAudit:
    quarter: str
    published: dict[str, int] = field(default_factory=dict)
    withheld: list[str] = field(default_factory=list)
    relations: list[str] = field(default_factory=list)
    offending: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.offending

    def to_dict(self) -> dict[str, Any]:
        return {
            "quarter": self.quarter,
            "ok": self.ok,
            "published": self.published,
            "withheld": self.withheld,
            "relations": self.relations,
            "offending": self.offending,
        }

    @property
    def summary(self) -> str:
        head = (
            f"{self.quarter}: {len(self.published)} figures published, {len(self.withheld)} "
            f"withheld, {len(self.relations)} linear relations"
        )
        if self.ok:
            return head + "; no withheld figure is determined by the published ones."
        return head + "; OFFENDING: " + ", ".join(self.offending)


def published_figures(f: QuarterFigures) -> tuple[dict[str, Any], list[str]]:
    """What the surfaces show for one quarter, as cell -> value, and the shares shown without
    their counts."""
    shown: dict[str, Any] = {}
    problems: list[str] = []
    _view(shown, problems, ORG, f.org.to_dict(), "gate")
    _view(shown, problems, ORG, f.org_answers.to_dict(), "obstacle")  # beside team summaries
    for team, signals in sorted(f.teams.items()):
        _view(shown, problems, team_scope(team), signals.to_dict(), "obstacle")
    for item in f.org.to_dict()["demand"]:
        if item["tool"].startswith("other tools"):
            shown["demand.tools_pool"] = item["count"]
            continue
        tool = tool_names.tool_key(item["tool"])  # shown by its label, counted by its key
        shown[f"demand.tool.{tool}"] = item["count"]
        for kind, n in item.get("work", {}).items():
            shown[f"demand.work.{kind}:{tool}"] = n
    return shown, problems


def _view(
    shown: dict[str, Any], problems: list[str], scope: str, data: dict[str, Any], gates: str
) -> None:
    for name in COUNTS:
        if data.get(name) is not None:
            shown[f"{scope}.{name}"] = data[name]
    for kind, n in data["themes"].items():
        shown[f"{scope}.theme.{kind}"] = n
    for gate, n in data["gates"].items():
        shown[f"{scope}.{gates}.{gate}"] = n
    for name, n in data["other"].items():
        shown[f"{scope}.{name}_pool"] = n
    for share, inputs in SHARES.items():
        if share == "sanctioned_share" and scope == ORG and data["disclosures_counted"]:
            inputs = (*inputs, "covert")
        if data.get(share) is not None and any(data.get(i) is None for i in inputs):
            problems.append(f"{scope}.{share} (shown without {', '.join(inputs)})")


def check(table: Table, shown: dict[str, Any]) -> list[str]:
    """The offences: figures the table does not know, values that differ from it, and
    protected withheld cells the published figures determine (the rank test)."""
    offending = [f"{key} (not a known figure)" for key in shown if key not in table.cells]
    offending += [
        f"{key} (published {value}, counted otherwise)"
        for key, value in shown.items()
        if key in table.cells and table.cells[key].value != value
    ]
    withheld = set(table.cells) - set(shown)
    exposed = determined(table.relations, withheld)
    offending += [
        f"{key} (withheld, but determined by the published figures)"
        for key in sorted(exposed)
        if table.cells[key].protected(table.k)
    ]
    return offending


def _name(table: Table, key: str, shown: dict[str, Any]) -> str:
    """A cell's name as the report prints it: a withheld tool is only "a tool"."""
    cell = table.cells.get(key)
    if cell is not None and cell.label.startswith("tool") and key not in shown:
        return "demand.(a tool named fewer than K times)"
    return key


def _relation(table: Table, relation: dict[str, int], shown: dict[str, Any]) -> str:
    total = [c for c, n in relation.items() if n > 0]
    parts = [c for c, n in relation.items() if n < 0]
    left = " + ".join(_name(table, c, shown) for c in total)
    return f"{left} = " + " + ".join(_name(table, c, shown) for c in parts)


@dataclass
class AdminReading:
    """What an admin reads about one quarter, as the surfaces hand it over."""

    overview: reports.Overview
    demand: list[reports.Demand] | None
    export: list[dict[str, object]] | None


def admin_figures_shown(reading: AdminReading) -> tuple[dict[str, Any], list[str]]:
    """The admins' figures as cell -> value: the counts printed, and what counting the entries
    and the export's rows gives; plus the readings that add up to no cell of the table."""
    shown: dict[str, Any] = {}
    problems: list[str] = []
    view = reading.overview
    if view.entries_shown:
        shown[admin_figures.COVERT] = view.total
    shown.update({admin_figures.reason_key(r): n for r, n in view.reasons.items()})
    shown.update({admin_figures.tool_kind_key(k): n for k, n in view.tool_kinds.items()})
    shown.update({admin_figures.work_kind_key(k): n for k, n in view.work_kinds.items()})
    if view.other_tool_kinds:
        shown[admin_figures.TOOL_KINDS_POOL] = view.other_tool_kinds
    if view.other_work_kinds:
        shown[admin_figures.WORK_POOL] = view.other_work_kinds
    _entries(view, problems)
    for item in reading.demand or []:
        if item.tool.startswith("other tools"):
            shown["demand.tools_pool"] = item.count
            continue
        tool = tool_names.tool_key(item.tool)
        shown[f"demand.tool.{tool}"] = item.count
        for kind, n in item.work_kinds.items():
            shown[f"demand.work.{kind}:{tool}"] = n
    _export(reading.export or [], shown, problems)
    return shown, problems


def _entries(view: reports.Overview, problems: list[str]) -> None:
    """Entries counted by what they say must give the printed counts, and "other" the total
    minus them: nothing else."""
    families = (
        ("tool kind", view.tool_kinds, Counter(e.tool_kind for e in view.entries)),
        ("work kind", view.work_kinds, Counter(e.work_kind for e in view.entries)),
    )
    for family, printed, counted in families:
        for key, n in counted.items():
            if key == reports.OTHER and key not in printed:
                expected = view.total - sum(printed.values())
            else:
                expected = printed.get(key, -1)
            if n != expected:
                problems.append(f"admin list: entries of {family} {key!r} count {n}, not printed")
    reasons = Counter(r for e in view.entries for r in e.reasons)
    for reason, n in reasons.items():
        if view.reasons.get(reason) != n:
            problems.append(f"admin list: entries naming {reason!r} count {n}, not printed")
    if len(view.entries) != view.total:
        problems.append("admin list: the entries do not add up to the total printed")


def _export(rows: list[dict[str, object]], shown: dict[str, Any], problems: list[str]) -> None:
    """The export's rows counted by tool: a listed tool gives its demand cell, "other tools"
    all disclosures minus the listed tools; any other field is a figure of its own."""
    extra = sorted({key for row in rows for key in row} - EXPORT_FIELDS)
    if extra:
        problems.append(f"export: rows carry {', '.join(extra)} (counted, they are figures)")
    for label, n in Counter(str(row["tool"]) for row in rows).items():
        if label == reports.OTHER_TOOLS:
            shown[admin_figures.EXPORT_OTHER_TOOLS] = n
            continue
        key = f"demand.tool.{tool_names.tool_key(label)}"
        if shown.setdefault(key, n) != n:
            problems.append(f"export: rows naming {label!r} count {n}, not as published")


def audit_quarter(f: QuarterFigures) -> QuarterAudit:
    """The figures everyone and every team sees, against the stage's own table."""
    shown, problems = published_figures(f)
    return _finish(QuarterAudit(f.data.quarter), f.table, shown, problems)


def _finish(
    result: QuarterAudit, table: Table, shown: dict[str, Any], problems: list[str]
) -> QuarterAudit:
    result.published = dict(sorted(shown.items()))
    result.withheld = sorted({_name(table, c, shown) for c in table.cells if c not in shown})
    result.relations = [_relation(table, r, shown) for r in table.relations]
    result.offending = problems + check(table, shown)
    return result


async def audit(services: Any, quarter: str | None = None) -> list[QuarterAudit]:
    """Every quarter (or one) as every surface publishes it, admins' surfaces included."""
    by_quarter = await figures(services, include=quarter)
    chosen = [quarter] if quarter else list(by_quarter)
    return [await audit_surfaces(services, q) for q in chosen]


async def audit_surfaces(services: Any, quarter: str) -> QuarterAudit:
    """One quarter: the stage's and the teams' figures and the admins' readings, together."""
    snap = await reports.snapshot(services, quarter)
    reading = AdminReading(
        await reports.overview(services, quarter, references=False),
        await reports.demand(services, quarter),
        await reports.export(services, quarter),
    )
    shown, problems = published_figures(snap.figures)
    admin, admin_problems = admin_figures_shown(reading)
    for key, value in admin.items():
        if shown.setdefault(key, value) != value:
            problems.append(f"{key} (published as {shown[key]} and as {value})")
    return _finish(QuarterAudit(quarter), snap.table, shown, problems + admin_problems)
