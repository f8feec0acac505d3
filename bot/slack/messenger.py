"""Placeholder until the campaign delivery is built."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.core.ports import DeliveryFailed, OutgoingMessage, Recipient, Sent


class SlackMessenger:
    def __init__(self, client: Any, services: Any) -> None:
        self.client = client
        self.services = services

    async def send(self, recipient: Recipient, message: OutgoingMessage, key: str) -> Sent:
        raise DeliveryFailed("not built yet", permanent=True)

    async def find_sent(self, recipient: Recipient, key: str, since: datetime) -> Sent | None:
        return None
