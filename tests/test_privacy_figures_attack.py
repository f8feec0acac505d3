"""A differencing insider: reads every figure every surface publishes about a quarter (the
stage report everyone sees, the export, the HTML report's figures, every team's summary) and
solves the linear system they form, with everything an insider knows about how the figures
relate (a total is the sum of its parts, the organisation the sum of its teams and of everybody
else, a gate what answers and disclosures reported together). No count of fewer than K people,
and no count of disclosures below K, may come out of it. Organisations come from hypothesis.

The attacker is written independently of the bot's own table: its own unknowns, its own
relations, its own rank test (numpy's SVD), fed only with what the surfaces print."""

from __future__ import annotations

import json
import re
from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings

from bot.core.reports import export_signals
from bot.core.services import Services
from bot.core.stage import assess
from bot.core.team_summary import build_team_summary
from bot.core.tool_names import tool_key
from bot.core.vocabulary import COVERT_REASON_GATE, COVERT_REASONS, GATES, OBSTACLE_GATE, WORK_KINDS
from tests.privacy_org import TOOLS, Org, Q, Reply, orgs, store
from tests.stage_fixtures import make_person

K = 5
APPROVAL = {"approved": "approved", "not_approved": "not_approved", "unknown": "approval_unknown"}
PEOPLE = ("answered", "with_example", "no_example", "approved", "not_approved",
          "approval_unknown", *(f"theme.{k}" for k in WORK_KINDS),
          *(f"obstacle.{g}" for g in GATES))  # fmt: skip
EXAMPLES = settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


class Attacker:
    """Unknowns with their true values, the insider's relations, and what was published."""

    def __init__(self) -> None:
        self.truth: dict[str, int] = {}
        self.protected: set[str] = set()
        self.rows: list[dict[str, int]] = []

    def cell(self, key: str, value: int, *, disclosure: bool = False) -> None:
        self.truth[key] = value
        if (0 if disclosure else 1) <= value < K:
            self.protected.add(key)

    def relate(self, total: str, parts: list[str]) -> None:
        row = {total: 1}
        for part in parts:
            row[part] = row.get(part, 0) - 1
        self.rows.append(row)

    def learn(self, cells: list[str], value: float) -> None:
        """Published: the sum of `cells` is `value` (one cell for most figures)."""
        assert sum(self.truth[c] for c in cells) == value, (cells, value)  # consistent
        self.rows.append({**{c: 1 for c in cells}, "=": int(value)})

    def solved(self) -> set[str]:
        keys = sorted(self.truth)
        index = {k: i for i, k in enumerate(keys)}
        matrix = np.zeros((len(self.rows), len(keys)))
        for r, row in enumerate(self.rows):
            for key, n in row.items():
                if key != "=":
                    matrix[r, index[key]] += n
        _, sv, vt = np.linalg.svd(matrix)
        rank = int((sv > 1e-9).sum())
        null = vt[rank:]  # the directions the published figures leave free
        return {k for k in keys if np.abs(null[:, index[k]]).max(initial=0) < 1e-9}


def group_truth(a: Attacker, scope: str, replies: list[Reply | None]) -> None:
    answers = [r for r in replies if r is not None]
    examples = [r for r in answers if r.example]
    a.cell(f"{scope}.answered", len(answers))
    a.cell(f"{scope}.with_example", len(examples))
    a.cell(f"{scope}.no_example", len(answers) - len(examples))
    for approval, name in APPROVAL.items():
        a.cell(f"{scope}.{name}", sum(r.approval == approval for r in examples))
    for kind in WORK_KINDS:
        a.cell(f"{scope}.theme.{kind}", sum(r.kind == kind for r in examples))
    for gate in GATES:
        reported = [r for r in examples if any(OBSTACLE_GATE[o] == gate for o in r.obstacles)]
        a.cell(f"{scope}.obstacle.{gate}", len(reported))
    a.relate(f"{scope}.answered", [f"{scope}.with_example", f"{scope}.no_example"])
    a.relate(f"{scope}.with_example", [f"{scope}.{n}" for n in APPROVAL.values()])
    a.relate(f"{scope}.with_example", [f"{scope}.theme.{k}" for k in WORK_KINDS])


def insider(org: Org) -> tuple[Attacker, dict[int, str]]:
    """What an insider knows before reading anything: the directory and how figures relate."""
    a = Attacker()
    big = {i: f"team{i}" for i, members in enumerate(org.teams) if len(members) >= K}
    rest = [r for i, members in enumerate(org.teams) if i not in big for r in members]
    rest += org.loose
    everyone = [r for members in org.teams for r in members] + org.loose
    group_truth(a, "org", everyone)
    scopes = [*big.values()]
    for i, scope in big.items():
        group_truth(a, scope, org.teams[i])
    if rest:
        group_truth(a, "rest", rest)
        scopes.append("rest")
    for name in PEOPLE:
        a.relate(f"org.{name}", [f"{s}.{name}" for s in scopes])
    examples = a.truth["org.with_example"]
    for name in ("continues", "measured", "maturity_unknown"):
        a.cell(f"org.{name}", 0)
        a.cell(f"org.not_{name}", examples)
        a.relate("org.with_example", [f"org.{name}", f"org.not_{name}"])
    counted = len(everyone) >= K and len(org.disclosures) >= K
    a.cell("org.covert", len(org.disclosures), disclosure=True)
    for reason in COVERT_REASONS:
        a.cell(f"org.reason.{reason}", sum(reason in d.reasons for d in org.disclosures),
               disclosure=True)  # fmt: skip
    for gate in GATES:
        reasons = [f"org.reason.{r}" for r, g in COVERT_REASON_GATE.items() if g == gate]
        value = a.truth[f"org.obstacle.{gate}"]
        if counted:
            value += sum(a.truth[r] for r in reasons)
        a.cell(f"org.gate.{gate}", value)
        a.relate(f"org.gate.{gate}", [f"org.obstacle.{gate}", *(reasons if counted else [])])
    for tool in TOOLS:
        named = [d for d in org.disclosures if d.tool == tool]
        a.cell(f"demand.{tool}", len(named), disclosure=True)
        for kind in WORK_KINDS:
            a.cell(f"demand.{tool}.{kind}", sum(d.kind == kind for d in named), disclosure=True)
        a.relate(f"demand.{tool}", [f"demand.{tool}.{kind}" for kind in WORK_KINDS])
    a.cell("demand.catalog", 0)
    a.relate("org.covert", ["demand.catalog", *(f"demand.{t}" for t in TOOLS)])
    return a, {i: f"Team {i}" for i in big}


COUNTS = ("answered", "with_example", "approved", "not_approved", "approval_unknown")


def read_view(a: Attacker, scope: str, data: dict[str, Any], gates: str) -> None:
    """Every figure of one view, as equations: counts, listed cells and pooled rests."""
    names = (*COUNTS, "continues", "measured", "maturity_unknown", "covert")
    for name in names if scope == "org" else COUNTS:
        if data.get(name) is not None:
            a.learn([f"{scope}.{name}"], data[name])
    for kind, n in data["themes"].items():
        a.learn([f"{scope}.theme.{kind}"], n)
    for gate, n in (data["gates"] or {}).items():
        a.learn([f"{scope}.{gates}.{gate}"], n)
    pools = data.get("other") or {}
    if "themes" in pools:
        a.learn([f"{scope}.theme.{k}" for k in WORK_KINDS if k not in data["themes"]],
                pools["themes"])  # fmt: skip
    if "gates" in pools:
        a.learn([f"{scope}.{gates}.{g}" for g in GATES if g not in (data["gates"] or {})],
                pools["gates"])  # fmt: skip


def read_demand(a: Attacker, demand: list[dict[str, Any]]) -> None:
    """Tools are published under their normalised label ("Shadowgpt"): map each back to the
    attacker's own tool by its normalised key."""
    by_key = {tool_key(t): t for t in TOOLS}
    named = {by_key.get(tool_key(d["tool"])) for d in demand}
    for item in demand:
        if item["tool"].startswith("other tools"):
            a.learn([f"demand.{t}" for t in TOOLS if t not in named], item["count"])
            continue
        tool = by_key[tool_key(item["tool"])]
        a.learn([f"demand.{tool}"], item["count"])
        for kind, n in item.get("work", {}).items():
            a.learn([f"demand.{tool}.{kind}"], n)


async def read_everything(services: Services, a: Attacker, teams: dict[int, str]) -> None:
    report = await assess(services, Q)
    read_view(a, "org", report.signals, "gate")
    read_demand(a, report.signals["demand"])
    for line in report.evidence:
        used = re.match(r"Reported AI use: (\d+)", line["text"])
        if used:
            covert = ["org.covert"] if report.signals["covert"] is not None else []
            a.learn(["org.with_example", *covert], int(used.group(1)))
    rows = json.loads(await export_signals(services, "json"))["quarters"]
    row = next(r for r in rows if r["quarter"] == Q)
    for name in (*COUNTS, "continues", "measured", "covert"):
        if row.get(name) is not None:
            a.learn([f"org.{name}"], row[name])
    for gate in GATES:
        if row.get(f"gate_{gate}") is not None:
            a.learn([f"org.gate.{gate}"], row[f"gate_{gate}"])
    admin = await make_person(services.db, "Auditor", "UAUDITOR")
    summary = await build_team_summary(services, admin, Q, all_teams=True)
    scope_of = {name: f"team{i}" for i, name in teams.items()}
    for piece in summary.teams:
        assert piece.name in scope_of  # only teams of at least K people are ever shown
        if piece.signals is not None:
            read_view(a, scope_of[piece.name], piece.signals.to_dict(), "obstacle")


@EXAMPLES
@given(org=orgs)
async def test_no_count_below_k_can_be_solved_for(services: Services, org: Org) -> None:
    await store(services, org)
    attacker, teams = insider(org)
    await read_everything(services, attacker, teams)
    leaked = sorted(attacker.solved() & attacker.protected)
    assert not leaked, {c: attacker.truth[c] for c in leaked}


async def test_the_attacker_finds_the_issue_s_subtraction(services: Services) -> None:
    """Positive control: the attacker is not blind. With every figure published as it is
    counted (no suppression at all), it solves for the cells below K."""
    org = Org(teams=[[Reply(True)] * 6 + [Reply(True, "not_approved")], [Reply(True)] * 2],
              loose=[])  # fmt: skip
    attacker, _ = insider(org)
    for key, value in attacker.truth.items():  # primary suppression only, as before issue 8
        shown = key.split(".", 1)[1] in (*COUNTS, "continues", "measured")
        if key.startswith(("org.", "team0.")) and shown and not 0 < value < K:
            attacker.learn([key], value)
    assert {"org.not_approved", "rest.answered"} <= attacker.solved() & attacker.protected
