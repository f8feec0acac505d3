"""Placeholder: Block Kit for a manager's team summary."""

from __future__ import annotations

from slack_sdk.models.blocks import Block, SectionBlock

from bot.core.team_summary import TeamSummary


def team_summary_text(summary: TeamSummary) -> str:
    return summary.text


def team_summary_blocks(summary: TeamSummary) -> list[Block]:
    return [SectionBlock(text=summary.text)]
