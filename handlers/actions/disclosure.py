"""Placeholder until the disclosure flow is built."""

from typing import Any


async def open_disclosure_form(ack: Any) -> None:
    await ack()
