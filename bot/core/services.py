"""The bundle of collaborators every core operation receives, built once at the edge."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from bot.config import Settings
from bot.core.ports import ChatDirectory, Messenger
from bot.logs import cap_payload_loggers
from storage.db import Database
from storage.types import utcnow


@dataclass
class Services:
    settings: Settings
    db: Database
    messenger: Messenger | None = None
    directory: ChatDirectory | None = None
    clock: Callable[[], datetime] = field(default=utcnow)

    def __post_init__(self) -> None:
        # Whoever builds services (server, CLI, tests, demo) gets payload-free driver logs.
        cap_payload_loggers()

    @property
    def min_group_size(self) -> int:
        return self.settings.min_group_size

    def is_admin(self, chat_user_id: str) -> bool:
        return chat_user_id in self.settings.admins

    def keyed_hash(self, value: str) -> str:
        """HMAC-SHA256 under the install's key: for claim codes and submit guards, never names."""
        key = self.settings.hash_key.get_secret_value() or (
            "derived:" + self.settings.slack_signing_secret.get_secret_value()
        )
        return hmac.new(key.encode(), value.encode(), hashlib.sha256).hexdigest()
