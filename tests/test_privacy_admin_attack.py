"""The differencing insider with an admin's rights: everything `test_privacy_figures_attack`
reads (the stage report, the export of signals, every team summary), plus every admin surface
(`admin list` with its counts and its entries counted by what they say, `admin demand`, and the
free-text export counted row by row, field by field). It solves the linear system all of that
forms; no count of fewer than K people, and no count of disclosures below K, may come out.

The attacker keeps its own unknowns and relations (independent of `bot.core.figure_table`) and
reads only what the surfaces hand an admin."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from hypothesis import given

from bot.core import admin_figures, privacy_audit
from bot.core import disclosure_reports as reports
from bot.core.disclosure_control import Table
from bot.core.services import Services
from bot.core.tool_names import tool_key
from bot.core.vocabulary import COVERT_REASONS, TOOL_KINDS, WORK_KINDS
from tests.privacy_org import TOOLS, Org, Q, Reply, Secret, orgs, store
from tests.test_privacy_figures_attack import (
    EXAMPLES,
    Attacker,
    insider,
    read_everything,
)

TOOL_KIND = "chat_assistant"  # what `tests.privacy_org.disclose` stores for every disclosure


def admin_insider(org: Org) -> tuple[Attacker, dict[int, str]]:
    """The insider's unknowns, plus the disclosure cells only admins' surfaces touch: kinds of
    tool and of work, org-wide, and the work behind tools in the approved catalog."""
    a, teams = insider(org)
    for kind in TOOL_KINDS:
        n = len(org.disclosures) if kind == TOOL_KIND else 0
        a.cell(f"dtool.{kind}", n, disclosure=True)
    a.relate("org.covert", [f"dtool.{kind}" for kind in TOOL_KINDS])
    for kind in WORK_KINDS:
        a.cell(f"dwork.{kind}", sum(d.kind == kind for d in org.disclosures), disclosure=True)
        a.cell(f"dcatalog.{kind}", 0)
        a.relate(f"dwork.{kind}", [*(f"demand.{t}.{kind}" for t in TOOLS), f"dcatalog.{kind}"])
    a.relate("org.covert", [f"dwork.{kind}" for kind in WORK_KINDS])
    a.relate("demand.catalog", [f"dcatalog.{kind}" for kind in WORK_KINDS])
    return a, teams


def _family(a: Attacker, prefix: str, keys: list[str], shown: set[str], seen: str) -> list[str]:
    """The cells an entry (or row) labelled `seen` stands for: itself when its count is shown;
    a withheld one reads "other", which pools every withheld cell (and the real "other")."""
    if seen in shown and seen != "other":
        return [f"{prefix}.{seen}"]
    pooled = [f"{prefix}.{k}" for k in keys if k not in shown]
    return pooled + ([f"{prefix}.other"] if "other" in shown else [])


async def read_admin(services: Services, a: Attacker) -> None:
    view = await reports.overview(services, Q)
    if view.entries_shown:
        a.learn(["org.covert"], view.total)
    for reason, n in view.reasons.items():
        a.learn([f"org.reason.{reason}"], n)
    for kind, n in view.tool_kinds.items():
        a.learn([f"dtool.{kind}"], n)
    if view.other_tool_kinds:
        hidden = [f"dtool.{k}" for k in TOOL_KINDS if k not in view.tool_kinds]
        a.learn(hidden, view.other_tool_kinds)
    for kind, n in getattr(view, "work_kinds", {}).items():
        a.learn([f"dwork.{kind}"], n)
    # Counting the entries by what each one says.
    tools = set(view.tool_kinds)
    if hasattr(view, "work_kinds"):
        works = set(view.work_kinds)
    else:  # views that named kinds of work without printing their counts
        works = {e.work_kind for e in view.entries if e.work_kind != "other"}
    for kind, n in Counter(e.tool_kind for e in view.entries).items():
        a.learn(_family(a, "dtool", list(TOOL_KINDS), tools, kind), n)
    for kind, n in Counter(e.work_kind for e in view.entries).items():
        a.learn(_family(a, "dwork", list(WORK_KINDS), works, kind), n)
    for reason, n in Counter(r for e in view.entries for r in e.reasons).items():
        a.learn([f"org.reason.{reason}"], n)
    hidden_reasons = [r for r in COVERT_REASONS if r not in view.reasons]
    flagged = sum(bool(getattr(e, "other_reasons", False)) for e in view.entries)
    if len(hidden_reasons) == 1 and view.entries:  # "other" then names exactly one reason
        a.learn([f"org.reason.{hidden_reasons[0]}"], flagged)
    read_admin_demand(a, await reports.demand(services, Q))
    read_export(a, await reports.export(services, Q))


def read_admin_demand(a: Attacker, items: list[Any] | None) -> None:
    by_key = {tool_key(t): t for t in TOOLS}
    listed = {by_key.get(tool_key(item.tool)) for item in items or []}
    for item in items or []:
        if not item.count:
            continue
        if item.tool.startswith("other tools"):
            a.learn([f"demand.{t}" for t in TOOLS if t not in listed], item.count)
            continue
        tool = by_key[tool_key(item.tool)]
        a.learn([f"demand.{tool}"], item.count)
        for kind, n in item.work_kinds.items():
            a.learn([f"demand.{tool}.{kind}"], n)


def read_export(a: Attacker, rows: list[dict[str, Any]] | None) -> None:
    """Every categorical field of the export, counted row by row (and tool by kind of work)."""
    if not rows:
        return
    by_key = {tool_key(t): t for t in TOOLS}
    named = {by_key[tool_key(str(r["tool"]))] for r in rows if tool_key(str(r["tool"])) in by_key}
    unnamed = [f"demand.{t}" for t in TOOLS if t not in named] + ["demand.catalog"]

    def tool_cells(row: dict[str, Any]) -> list[str]:
        tool = by_key.get(tool_key(str(row["tool"])))
        return [f"demand.{tool}"] if tool else unnamed

    groups: Counter[tuple[str, ...]] = Counter(tuple(tool_cells(r)) for r in rows)
    for cells, n in groups.items():
        a.learn(list(cells), n)
    if "tool_kind" in rows[0]:
        for kind, n in Counter(str(r["tool_kind"]) for r in rows).items():
            a.learn([f"dtool.{kind}"], n)
    if "work_kind" in rows[0]:
        for kind, n in Counter(str(r["work_kind"]) for r in rows).items():
            a.learn([f"dwork.{kind}"], n)
        pairs = Counter((tuple(tool_cells(r)), str(r["work_kind"])) for r in rows)
        for (cells, kind), n in pairs.items():
            if len(cells) == 1:
                a.learn([f"{cells[0]}.{kind}"], n)
    if "reasons" in rows[0]:
        for reason, n in Counter(x for r in rows for x in r["reasons"]).items():
            a.learn([f"org.reason.{reason}"], n)


@EXAMPLES
@given(org=orgs)
async def test_no_count_below_k_can_be_solved_for_with_admin_rights(
    services: Services, org: Org
) -> None:
    await store(services, org)
    attacker, teams = admin_insider(org)
    await read_everything(services, attacker, teams)
    await read_admin(services, attacker)
    leaked = sorted(attacker.solved() & attacker.protected)
    assert not leaked, {c: attacker.truth[c] for c in leaked}


def _gate_org() -> Org:
    """The review's H3 example: two answers name procurement as an obstacle; disclosures give
    "no approved tool" 5 times and "procurement" 6 times (both point at the procurement gate)."""
    team = [Reply(True, obstacles=("procurement",))] * 2 + [Reply(True)] * 6
    secrets = [Secret(("no_approved_tool",), "shadowgpt", "drafting")] * 5
    secrets += [Secret(("procurement",), "shadowgpt", "coding")] * 6
    return Org(teams=[team], loose=[], disclosures=secrets)


async def test_the_gate_minus_the_admin_list_s_reasons_gives_nothing_away(
    services: Services,
) -> None:
    """Gate 13 - reasons 5 - 6 must not recover the 2 people who named procurement."""
    org = _gate_org()
    await store(services, org)
    attacker, teams = admin_insider(org)
    await read_everything(services, attacker, teams)
    await read_admin(services, attacker)
    assert "org.obstacle.procurement" in attacker.protected
    leaked = sorted(attacker.solved() & attacker.protected)
    assert not leaked, {c: attacker.truth[c] for c in leaked}


async def test_admin_demand_adds_nothing_to_the_stage_s_demand(services: Services) -> None:
    """The review's demand example: covert 8, a tool named 5 times; the stage withholds the
    tool (else covert - 5 gives the 3 that named catalog tools), so the admins' demand must."""
    secrets = [Secret(("no_approved_tool",), "shadowgpt", "drafting")] * 5
    secrets += [Secret(("no_approved_tool",), "copilot", "drafting")] * 3
    org = Org(teams=[[Reply(True)] * 6], loose=[], disclosures=secrets)
    await store(services, org)
    async with services.db.session() as s:
        from storage.models import ApprovedTool

        s.add(ApprovedTool(tool_key="copilot", label="Copilot"))
    stage_demand = {d["tool"]: d["count"] for d in (await reports_stage_demand(services))}
    admin = await reports.demand(services, Q)
    assert {d.tool: d.count for d in admin or [] if d.count} == stage_demand


async def reports_stage_demand(services: Services) -> list[dict[str, Any]]:
    from bot.core.stage import assess

    return list((await assess(services, Q)).signals["demand"])


async def test_privacy_audit_reads_the_admin_surfaces_too(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The audit passes on the gate example, and catches the review's H3 subtraction when
    `admin list` prints every reason of at least K whatever the table withholds (as it did)."""
    await store(services, _gate_org())
    result = await privacy_audit.audit_surfaces(services, Q)
    assert result.ok, result.offending
    assert "org.covert" in result.published and any(
        k.startswith("admin.") for k in result.published
    )

    def every_reason_of_k(t: Table) -> dict[str, int]:
        cells = {r: t.cells[admin_figures.reason_key(r)].value for r in COVERT_REASONS}
        return {r: n for r, n in cells.items() if n >= t.k}

    monkeypatch.setattr(admin_figures, "shown_reasons", every_reason_of_k)
    result = await privacy_audit.audit_surfaces(services, Q)
    assert not result.ok
    assert "org.obstacle.procurement (withheld, but determined by the published figures)" in (
        result.offending
    )
