"""Placeholder until the answer form is built."""

from typing import Any


async def submit_answer_form(ack: Any) -> None:
    await ack()
