"""Block Kit for `/ai-stage`: stage, confidence, top evidence, constraint, next step, trend."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.core.facts import KNOWN_FACTS
from bot.core.stage import StageReport
from bot.core.vocabulary import GATES, WORK_KINDS
from handlers.blocks.team_summary import escape

LIMIT = 2900
MARK = {True: ":white_check_mark:", False: ":x:", None: ":information_source:"}


def _section(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=text[:LIMIT]))


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0%}"


WITHHELD = "withheld"


def _n(s: dict[str, Any], key: str, pct: bool = False) -> str:
    """A figure, or 'withheld' when it rests on fewer than K answers or disclosures."""
    if key in (s.get("hidden") or []):
        return WITHHELD
    return _pct(s[key]) if pct else str(s[key])


def top_evidence(report: StageReport, limit: int = 12) -> list[dict[str, Any]]:
    """Lines up to the next stage, caps and notes first: what explains the stage now."""
    notes = [e for e in report.evidence if e["stage"] is None or e.get("cap")]
    relevant = [e for e in report.evidence if e not in notes and e["stage"] <= report.stage + 1]
    return (notes + relevant)[:limit]


def stage_text(report: StageReport) -> str:
    head = f"AI maturity stage {report.stage} ({report.stage_name}), confidence {report.confidence}"
    criterion = report.constraint.get("criterion")
    return f"{head}. Constraint: {criterion}" if criterion else head


def _participation(report: StageReport) -> str:
    s = report.signals
    base = s["prompted"] or s["people"]
    return (
        f"*Quarter* {report.quarter} · *Confidence* {report.confidence} · "
        f"{s['answered']} of {base} answered ({_pct(s['response_rate'])})"
    )


def _constraint(report: StageReport) -> str:
    c = report.constraint
    if not c.get("criterion"):
        return "*Binding constraint:* none: every criterion of stage 5 holds."
    lines = [f"*Binding constraint (for stage {c['stage']}):* {escape(c['criterion'])}"]
    if c.get("gate") and c["gate"].get("reports"):
        lines.append(f"*Gate people report most:* {c['gate']['label']} ({c['gate']['reports']})")
    lines.append(f"*Next step:* {escape(report.next_step or '')}")
    return "\n".join(lines)


def _signals(report: StageReport) -> str:
    s = report.signals
    kinds = (
        WITHHELD
        if s["repeatable_kinds"] is None
        else ", ".join(WORK_KINDS.get(k, k) for k in s["repeatable_kinds"]) or "none yet"
    )
    gates = sorted(((n, g) for g, n in (s["gates"] or {}).items() if n), reverse=True)[:3]
    lines = [
        f"*Signals* · with an example {_n(s, 'breadth', True)} · sanctioned share "
        f"{_n(s, 'sanctioned_share', True)} (approved {_n(s, 'approved')}, not approved "
        f"{_n(s, 'not_approved')}, disclosed covert {_n(s, 'covert')})",
        f"Pilots {_n(s, 'pilots')} · production use cases {_n(s, 'production')} · measured "
        f"outcomes {_n(s, 'measured')} · repeatable kinds of work: {kinds}",
    ]
    if gates:
        lines.append("Gates: " + ", ".join(f"{GATES[g]} {n}" for n, g in gates))
    demand = [f"{escape(str(d['tool']))} ({d['count']})" for d in (s.get("demand") or [])[:5]]
    if demand:
        lines.append("Asked for outside the approved catalog: " + ", ".join(demand))
    lines += [f"_({escape(note)})_" for note in s.get("withheld") or []]
    return "\n".join(lines)


def _trend(report: StageReport) -> str:
    points = " → ".join(f"{p['quarter']}: {p['stage']}" for p in report.trend)
    return f"*Trend:* {points}" if points else "*Trend:* no quarters yet"


def stage_blocks(report: StageReport) -> list[Block]:
    evidence = "\n".join(f"{MARK[e['met']]} {escape(e['text'])}" for e in top_evidence(report))
    diag = report.diagnostic
    return [
        HeaderBlock(text=f"AI maturity: stage {report.stage}, {report.stage_name}"[:150]),
        _section(_participation(report)),
        _section(_constraint(report)),
        _section(_signals(report)),
        _section(f"*Evidence*\n{evidence}"),
        _section(_trend(report)),
        _section(f"*{escape(diag.get('question', ''))}*\n{escape(diag.get('summary', ''))}\n"
                 + "\n".join(f"• {escape(a)}" for a in diag.get("answers", []))),
        ContextBlock(elements=[MarkdownTextObject(
            text="`/ai-stage chart` for a picture · `/ai-stage facts` for the process facts · "
            "training completion is knowledge and never moves the stage")]),
    ]  # fmt: skip


def facts_text(values: dict[str, str], contradictions: list[str]) -> str:
    lines = ["*Organisation process facts*"]
    for key, (_, label) in KNOWN_FACTS.items():
        lines.append(f"• `{key}` = {escape(values.get(key, 'not set'))}: {label}")
    lines += [f":warning: {escape(c)}" for c in contradictions]
    lines.append("Admins: `/ai-stage facts set ai_policy=true review_sla_days=14`")
    return "\n".join(lines)


def facts_blocks(values: dict[str, str], contradictions: list[str]) -> list[Block]:
    return [_section(facts_text(values, contradictions))]
