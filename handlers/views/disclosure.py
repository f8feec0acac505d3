"""Placeholder until the disclosure form is built."""

from typing import Any


async def submit_disclosure_form(ack: Any) -> None:
    await ack()
