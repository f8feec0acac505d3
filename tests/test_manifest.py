"""manifest.yml is valid for Slack and matches the listeners the app registers, both ways."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

import handlers
from bot.slack.simulator import SlackSender

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = ROOT / "schemas" / "slack-manifest" / "manifest.schema.1.0.0.json"


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "manifest.yml").read_text())


class RegistrationRecorder:
    """Stands in for Bolt's app during `handlers.register` to list what gets registered."""

    def __init__(self) -> None:
        self.registered: dict[str, list[str]] = defaultdict(list)

    def __getattr__(self, kind: str) -> Any:
        def decorator_factory(name: Any, *args: Any, **kwargs: Any) -> Any:
            self.registered[kind].append(name)
            return lambda listener: listener

        return decorator_factory


def registered() -> dict[str, list[str]]:
    recorder = RegistrationRecorder()
    handlers.register(recorder)  # type: ignore[arg-type]
    return recorder.registered


def test_manifest_passes_slacks_schema(manifest: dict[str, Any]) -> None:
    schema = json.loads(SCHEMA.read_text())
    errors = list(jsonschema.Draft7Validator(schema).iter_errors(manifest))
    assert errors == [], [e.message for e in errors]


def test_commands_in_manifest_are_exactly_those_registered(manifest: dict[str, Any]) -> None:
    declared = sorted(c["command"] for c in manifest["features"]["slash_commands"])
    assert declared == sorted(registered()["command"])


def test_events_in_manifest_are_exactly_those_registered(manifest: dict[str, Any]) -> None:
    declared = sorted(manifest["settings"]["event_subscriptions"]["bot_events"])
    assert declared == sorted(registered()["event"])


def test_interactivity_and_home_tab_are_enabled(manifest: dict[str, Any]) -> None:
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    assert registered()["action"] and registered()["view"]


def test_scopes_are_only_those_the_app_uses(manifest: dict[str, Any]) -> None:
    """Each bot scope is justified by a Web API method the code calls."""
    used_by = {
        "chat:write": "chat_postMessage",
        "commands": "app.command",
        "files:write": "files_upload_v2",
        "im:history": "conversations_history",
        "im:write": "conversations_open",
        "usergroups:read": "usergroups_list",
        "users:read": "users_info",
        "users:read.email": "users_lookupByEmail",
    }
    scopes = manifest["oauth_config"]["scopes"]["bot"]
    assert sorted(scopes) == sorted(used_by)
    sources = "\n".join(
        p.read_text() for d in ("bot", "handlers") for p in (ROOT / d).rglob("*.py")
    )
    unused = [scope for scope, call in used_by.items() if call not in sources]
    assert unused == []


async def test_every_declared_command_is_answered_over_http(
    manifest: dict[str, Any], sender: SlackSender
) -> None:
    for command in manifest["features"]["slash_commands"]:
        reply = await sender.command(command["command"], "help")
        assert reply.status == 200, command["command"]
    assert (await sender.command("/not-declared")).status == 404


async def test_every_declared_event_is_answered_over_http(
    manifest: dict[str, Any], sender: SlackSender
) -> None:
    for event_type in manifest["settings"]["event_subscriptions"]["bot_events"]:
        event = {"type": event_type, "user": "U001", "channel": "DU001", "tab": "home"}
        assert (await sender.event(event)).status == 200, event_type
