"""Where a person stands on the quarter's question, in the words every platform uses.

Slack's DM and Teams' card say the same thing; only the markup differs, so each adapter passes
its own bold marker (Slack mrkdwn `*`, Teams Markdown `**`) and check mark.
"""

from __future__ import annotations

from bot.core.answers import PromptState
from bot.core.quarters import quarter_label


def state_line(state: PromptState, *, bold: str, tick: str) -> str:
    """One line: shared (with edit until the close), not this quarter, or closed."""
    quarter = quarter_label(state.campaign_id)
    until = f"until {state.closes_at:%A %d %B}"
    if state.has_example:
        line = f"{tick} {bold}Shared for {quarter}.{bold} Thank you!"
        return line + (
            f" You can edit it {until}." if state.is_open else " The question has closed."
        )
    if state.answered:
        line = f"Noted: {bold}not this quarter{bold} ({quarter}). No reminders will follow."
        return line + (f" You can still add an example {until}." if state.is_open else "")
    return f"The {quarter} question has closed; the next one comes next quarter. Thank you."
