"""The organisation section of App Home: the same stage everyone may see, in plain words."""

from __future__ import annotations

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
)

from bot.core.stage import StageReport
from bot.core.stage_text import STAGE_MEANING, stage_title
from handlers.blocks.stage import constraint_text, evidence_button, progress, section, trend_text


def org_home_blocks(report: StageReport) -> list[Block]:
    """Stage, meaning, the checks towards the next stage, what holds it back, the trend."""
    summary = f"*{stage_title(report.stage)}*\n{STAGE_MEANING[report.stage]}"
    return [
        HeaderBlock(text="The organisation"),
        *(section(text) for text in (summary, progress(report), constraint_text(report))),
        ActionsBlock(block_id="home_stage_actions", elements=[evidence_button(report)]),
        ContextBlock(elements=[MarkdownTextObject(text=trend_text(report))]),
    ]
