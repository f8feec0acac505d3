"""The privacy audit: every figure published about a quarter, the linear relations between
them, and a proof that no withheld figure can be recomputed from the published ones.

The audit does not trust the suppression: it reads the figures as the surfaces publish them
(the organisation's signals behind `/ai-stage`, App Home, the CLI, the export, the HTML report
and its chart; each team's signals behind team summaries and their DMs, and the organisation's
answers-only figures they are compared with), maps each one to a cell of the quarter's table
(`bot.core.figure_table`), and runs the rank test of `bot.core.disclosure_control.determined`
over the table's relations. A published figure the table does not know, a value that differs
from the table's, a share shown without the counts it is built from, or a withheld count the
published ones determine: each is an offence.

The report never shows a withheld value, and it names a withheld tool only as "a tool".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.core import tool_names
from bot.core.disclosure_control import Table, determined
from bot.core.figure_table import ORG, team_scope
from bot.core.signals import QuarterFigures, figures

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


def audit_quarter(f: QuarterFigures) -> QuarterAudit:
    shown, problems = published_figures(f)
    table = f.table
    result = QuarterAudit(f.data.quarter, dict(sorted(shown.items())))
    result.withheld = sorted({_name(table, c, shown) for c in table.cells if c not in shown})
    result.relations = [_relation(table, r, shown) for r in table.relations]
    result.offending = problems + check(table, shown)
    return result


async def audit(services: Any, quarter: str | None = None) -> list[QuarterAudit]:
    """Every quarter (or one) as every surface publishes it."""
    by_quarter = await figures(services, include=quarter)
    chosen = [quarter] if quarter else list(by_quarter)
    return [audit_quarter(by_quarter[q]) for q in chosen]
