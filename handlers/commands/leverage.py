"""Placeholder until this command is built."""

from typing import Any


async def handle_leverage_command(ack: Any, respond: Any) -> None:
    await ack()
    await respond(response_type="ephemeral", text="Not yet available.")
