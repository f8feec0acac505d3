"""The key behind claim codes is never a constant, whatever the deployment mode."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from bot.config import load_settings
from bot.core.services import Services
from storage.db import Database


def services_with(**secrets: str) -> Services:
    settings = load_settings(
        hash_key=SecretStr(secrets.get("hash_key", "")),
        slack_signing_secret=SecretStr(secrets.get("signing", "")),
        slack_bot_token=SecretStr(secrets.get("token", "")),
    )
    return Services(settings=settings, db=Database("sqlite:///:memory:"))


def test_socket_mode_without_signing_secret_keys_hashes_with_the_bot_token() -> None:
    one = services_with(token="xoxb-one").keyed_hash("nonce")
    two = services_with(token="xoxb-two").keyed_hash("nonce")
    assert one != two


def test_explicit_key_wins_and_is_stable_across_secret_rotation() -> None:
    before = services_with(hash_key="k", signing="s1").keyed_hash("nonce")
    after = services_with(hash_key="k", signing="s2").keyed_hash("nonce")
    assert before == after != services_with(signing="s1").keyed_hash("nonce")


def test_no_secret_at_all_is_refused() -> None:
    with pytest.raises(RuntimeError, match="LEVERAGE_HASH_KEY"):
        services_with().keyed_hash("nonce")
