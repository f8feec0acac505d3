"""Placeholder: `/ai-leverage team`, a manager's team view."""

from __future__ import annotations

from typing import Any


async def respond_team_summary(respond: Any, services: Any, user_id: str) -> None:
    await respond(response_type="ephemeral", text="Team summaries are not built yet.")
