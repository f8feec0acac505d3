"""The organisation section of App Home: the same stage report everyone may see."""

from __future__ import annotations

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.core.stage import StageReport
from handlers.blocks.stage import MARK, top_evidence
from handlers.blocks.team_summary import escape


def org_home_blocks(report: StageReport) -> list[Block]:
    c = report.constraint
    lines = [f"{MARK[e['met']]} {escape(e['text'])}" for e in top_evidence(report, limit=6)]
    trend = " → ".join(str(p["stage"]) for p in report.trend) or "no quarters yet"
    constraint = escape(c.get("criterion") or "none")
    step = escape(report.next_step or "Keep going.")
    return [
        DividerBlock(),
        HeaderBlock(text="The organisation"),
        SectionBlock(text=MarkdownTextObject(text=(
            f"*Stage {report.stage}: {report.stage_name}* (confidence {report.confidence}, "
            f"{report.quarter})\n*Binding constraint:* {constraint}\n*Next step:* {step}"
        )[:2900])),
        SectionBlock(text=MarkdownTextObject(text="\n".join(lines)[:2900] or "No evidence yet.")),
        ContextBlock(elements=[MarkdownTextObject(
            text=f"Stage over the last quarters: {trend} · `/ai-stage` for the full report")]),
    ]  # fmt: skip
