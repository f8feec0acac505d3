"""Placeholder until the campaign flow is built."""

from typing import Any


async def open_answer_form(ack: Any) -> None:
    await ack()


async def not_this_quarter(ack: Any) -> None:
    await ack()


async def confirm_forget(ack: Any) -> None:
    await ack()
