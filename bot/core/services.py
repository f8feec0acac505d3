"""The bundle of collaborators every core operation receives, built once at the edge."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from bot.config import Settings
from bot.core.cache import ViewCache
from bot.core.lifecycle import Drain
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
    views: ViewCache = field(init=False, repr=False)  # expensive views, per data version
    drain: Drain = field(default_factory=Drain)  # SIGTERM: stop taking work, release it

    def __post_init__(self) -> None:
        self.views = ViewCache(self.db)
        # Whoever builds services (server, CLI, tests, demo) gets payload-free driver logs.
        cap_payload_loggers()

    @property
    def min_group_size(self) -> int:
        return self.settings.min_group_size

    def is_admin(self, chat_user_id: str) -> bool:
        return chat_user_id in self.settings.admins

    def keyed_hash(self, value: str) -> str:
        """HMAC-SHA256 under the install's key: for claim codes and submit guards, never names."""
        return hmac.new(self._hash_key(), value.encode(), hashlib.sha256).hexdigest()

    def _hash_key(self) -> bytes:
        """`LEVERAGE_HASH_KEY`, else a key derived from a secret this install already has.

        Never a constant: a public key would let anyone who sees a form's nonce compute its
        claim code. Rotating the secret it derives from only invalidates open claim codes.
        """
        settings = self.settings
        for label, secret in (
            ("explicit", settings.hash_key),
            ("signing-secret", settings.slack_signing_secret),
            ("bot-token", settings.slack_bot_token),
            ("teams-app-password", settings.teams_app_password),
        ):
            if secret.get_secret_value():
                return f"{label}:{secret.get_secret_value()}".encode()
        raise RuntimeError("no key for one-way hashes: set LEVERAGE_HASH_KEY")
