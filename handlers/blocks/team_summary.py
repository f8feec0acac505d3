"""Block Kit for a manager's team summary: the close-of-campaign DM and `/ai-leverage team`."""

from __future__ import annotations

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.core.team_summary import TeamSummary, team_lines
from bot.slack.mrkdwn import escape, user_text

MAX_TEAMS = 40  # well inside Slack's 50 blocks per message
SECTION_LIMIT = 2900


def team_summary_text(summary: TeamSummary) -> str:
    """The notification / fallback text: the same content as the blocks, plain. Slack reads
    `text` as mrkdwn too, so people's words are made inert here as well."""
    return user_text(summary.text[:SECTION_LIMIT])


def _section(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=text[:SECTION_LIMIT]))


def team_summary_blocks(summary: TeamSummary) -> list[Block]:
    blocks: list[Block] = [HeaderBlock(text=f"Team summary: {summary.quarter}"[:150])]
    if summary.note:
        blocks.append(_section(summary.note))
    for piece in summary.teams[:MAX_TEAMS]:
        head, _, body = team_lines(piece).partition("\n")
        blocks.append(_section(f"*{escape(head)}*\n{user_text(body)}"))
    if len(summary.teams) > MAX_TEAMS:
        blocks.append(_section(f"…and {len(summary.teams) - MAX_TEAMS} more teams."))
    blocks.append(
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text=f"Figures for groups under {summary.min_group_size} people are withheld. "
                    "Names appear only with an example its author chose to share; nobody "
                    "who did not answer is ever named."
                )
            ]
        )
    )
    return blocks
