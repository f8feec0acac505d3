"""Fuzzed Slack payloads, correctly signed, never get a 5xx: whatever the shape of a command,
an interaction payload or an event, the app answers 2xx or 4xx."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.slack.simulator import SlackSender

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)
KINDS = [
    "block_actions", "view_submission", "view_closed", "shortcut", "message_action",
    "block_suggestion", "interactive_message", "event_callback", "url_verification",
]  # fmt: skip
COMMANDS = ["/ai-leverage", "/ai-stage", "/ai-disclose", "/unknown"]
SLACKISH_KEYS = [
    "user", "team", "view", "actions", "trigger_id", "callback_id", "container",
    "response_url", "state", "private_metadata", "api_app_id", "event", "token",
]  # fmt: skip


def slackish() -> st.SearchStrategy[dict[str, Any]]:
    """Dicts shaped roughly like Slack's, with the right keys holding the wrong things."""
    return st.builds(
        lambda kind, rest: {"type": kind, **rest},
        st.sampled_from(KINDS) | st.text(max_size=12),
        st.dictionaries(st.sampled_from(SLACKISH_KEYS), JSON, max_size=6),
    )


def bodies() -> st.SearchStrategy[tuple[str, str]]:
    form = "application/x-www-form-urlencoded"
    command = st.builds(
        lambda c, text, user, extra: (urlencode({"command": c, "text": text, "user_id": user,
                                                 "trigger_id": "1.2.x", **extra}), form),
        st.sampled_from(COMMANDS) | st.text(max_size=12),
        st.sampled_from(["", "help", "admin start --now", "team", "admin status"])
        | st.text(max_size=40),
        st.sampled_from(["U001", "UADMIN", ""]) | st.text(max_size=12),
        st.dictionaries(st.text(max_size=8), st.text(max_size=12), max_size=3),
    )  # fmt: skip
    payload = st.builds(lambda p: (urlencode({"payload": json.dumps(p)}), form), slackish() | JSON)
    raw_payload = st.builds(lambda t: (urlencode({"payload": t}), form), st.text(max_size=40))
    event = st.builds(lambda p: (json.dumps(p), "application/json"), slackish() | JSON)
    junk = st.tuples(
        st.text(max_size=60), st.sampled_from([form, "application/json", "text/plain"])
    )
    return command | payload | raw_payload | event | junk


def generate(count: int) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []

    @settings(max_examples=count, database=None, deadline=None,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    @given(bodies())
    def collect(body: tuple[str, str]) -> None:
        found.append(body)

    collect()
    return found


async def test_signed_fuzzed_payloads_never_get_a_5xx(sender: SlackSender) -> None:
    failures = []
    for body, content_type in generate(300):
        reply = await sender.post_raw(body, content_type=content_type)
        if reply.status >= 500:
            failures.append((reply.status, content_type, body[:300]))
    assert not failures, failures[:5]
