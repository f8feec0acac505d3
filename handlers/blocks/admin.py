"""What admins see of a campaign: its state as Block Kit fields, and Remind / Close buttons
that each ask for confirmation first (a reminder reaches everyone who has not answered; a
close cannot be undone)."""

from __future__ import annotations

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConfirmObject,
    ContextBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.core.campaigns import CampaignStatus
from bot.core.quarters import quarter_label
from handlers import ids


def status_text(status: CampaignStatus) -> str:
    """The fallback text: the same state in one sentence."""
    return (
        f"{quarter_label(status.campaign_id)} campaign {status.status}: delivered "
        f"{status.delivered} of {status.prompted}, answered {status.answered} "
        f"({status.response_rate:.0%}), failed {status.failed}."
    )


def _fields(status: CampaignStatus) -> list[MarkdownTextObject]:
    summaries = (
        f"{status.summaries_sent} sent"
        if status.status == "closed"
        else "sent when the campaign closes"
    )
    cells = [
        ("Delivered", f"{status.delivered} of {status.prompted} ({status.pending} waiting)"),
        ("Answered", f"{status.answered} ({status.response_rate:.0%}), "
                     f"{status.with_example} with an example"),
        ("Reminders sent", str(status.reminders_sent)),
        ("Team summaries", summaries),
    ]  # fmt: skip
    if status.failed:
        reasons = ", ".join(f"{r} ×{n}" for r, n in list(status.failures.items())[:3])
        cells.append(("Failed", f"{status.failed}: {reasons}"))
    return [MarkdownTextObject(text=f"*{label}*\n{value}") for label, value in cells]


def campaign_status_blocks(status: CampaignStatus, *, buttons: bool = True) -> list[Block]:
    label = quarter_label(status.campaign_id)
    head = (
        f"*{label} campaign: {status.status}*, {status.opens_at:%d %b} to {status.closes_at:%d %b}"
    )
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=head), fields=_fields(status))]
    if buttons and status.status == "open":
        blocks.append(ActionsBlock(block_id="admin_campaign", elements=_buttons(status)))
    elif status.status != "open":
        blocks.append(ContextBlock(elements=[MarkdownTextObject(
            text="`/ai-leverage admin start` opens the next one.")]))  # fmt: skip
    return blocks


def _buttons(status: CampaignStatus) -> list[ButtonElement]:
    label = quarter_label(status.campaign_id)
    waiting = max(status.delivered - status.answered, 0)
    remind = ButtonElement(
        text="Remind", action_id=ids.ADMIN_REMIND, value=status.campaign_id,
        confirm=ConfirmObject(
            title="Send a reminder?",
            text=f"A gentle reminder goes to the people who have not answered {label} yet "
            f"(about {waiting}), at a humane local hour.",
            confirm="Send reminder", deny="Not now",
        ),
    )  # fmt: skip
    close = ButtonElement(
        text="Close", action_id=ids.ADMIN_CLOSE, value=status.campaign_id, style="danger",
        confirm=ConfirmObject(
            title="Close the campaign?",
            text=f"No more answers for {label} will be taken, and managers get their team "
            "summaries. This cannot be undone.",
            confirm="Close it", deny="Keep it open", style="danger",
        ),
    )  # fmt: skip
    return [remind, close]
