"""Requests shaped and signed the way Slack sends them: used by tests and by the demo."""

from __future__ import annotations

import itertools
import json
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import aiohttp
from slack_sdk.signature import SignatureVerifier

TEAM_ID = "T0DOUBLE"
APP_ID = "A0LEVERAGE"
_counter = itertools.count(1)


@dataclass
class Reply:
    status: int
    text: str

    def json(self) -> Any:
        return json.loads(self.text) if self.text else None


class SlackSender:
    """Plays Slack's side of the Events/Interactivity/Commands contract against our server."""

    def __init__(self, app_url: str, signing_secret: str, response_url_base: str) -> None:
        self.app_url = app_url.rstrip("/")
        self.signer = SignatureVerifier(signing_secret)
        self.response_url_base = response_url_base.rstrip("/")
        self._session: aiohttp.ClientSession | None = None

    async def close(self) -> None:
        if self._session:
            await self._session.close()

    async def post_raw(
        self,
        body: str,
        *,
        content_type: str = "application/x-www-form-urlencoded",
        timestamp: int | None = None,
        signature: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Reply:
        ts = str(timestamp if timestamp is not None else int(time.time()))
        sig = (
            signature
            if signature is not None
            else self.signer.generate_signature(timestamp=ts, body=body)
        )
        all_headers: dict[str, str] = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": sig or "",
            **(headers or {}),
        }
        if self._session is None:
            self._session = aiohttp.ClientSession()
        async with self._session.post(
            self.app_url + "/slack/events", data=body.encode(), headers=all_headers
        ) as response:
            return Reply(response.status, await response.text())

    def new_trigger_id(self) -> str:
        return f"{next(_counter)}.{int(time.time())}.trigger{next(_counter)}"

    def new_response_url(self) -> str:
        return f"{self.response_url_base}/{next(_counter)}"

    async def command(self, command: str, text: str = "", *, user_id: str = "U001") -> Reply:
        form = {
            "token": "legacy-unused",
            "team_id": TEAM_ID,
            "team_domain": "double",
            "channel_id": "D" + user_id,
            "channel_name": "directmessage",
            "user_id": user_id,
            "user_name": user_id.lower(),
            "command": command,
            "text": text,
            "api_app_id": APP_ID,
            "response_url": self.new_response_url(),
            "trigger_id": self.new_trigger_id(),
        }
        return await self.post_raw(urlencode(form))

    async def interactive(self, payload: dict[str, Any]) -> Reply:
        return await self.post_raw(urlencode({"payload": json.dumps(payload)}))

    async def action(
        self, action_id: str, *, user_id: str = "U001", value: str = "", block_id: str = "b"
    ) -> Reply:
        payload = {
            "type": "block_actions",
            "user": {"id": user_id, "username": user_id.lower(), "team_id": TEAM_ID},
            "api_app_id": APP_ID,
            "team": {"id": TEAM_ID, "domain": "double"},
            "container": {"type": "message", "channel_id": "D" + user_id, "message_ts": "1.1"},
            "channel": {"id": "D" + user_id, "name": "directmessage"},
            "trigger_id": self.new_trigger_id(),
            "response_url": self.new_response_url(),
            "actions": [
                {
                    "type": "button",
                    "action_id": action_id,
                    "block_id": block_id,
                    "value": value,
                    "action_ts": str(time.time()),
                }
            ],
        }
        return await self.interactive(payload)

    async def view_submission(
        self,
        callback_id: str,
        values: dict[str, dict[str, Any]],
        *,
        user_id: str = "U001",
        private_metadata: str = "",
        view_id: str = "VSUBMIT",
    ) -> Reply:
        payload = {
            "type": "view_submission",
            "team": {"id": TEAM_ID, "domain": "double"},
            "user": {"id": user_id, "username": user_id.lower(), "team_id": TEAM_ID},
            "api_app_id": APP_ID,
            "trigger_id": self.new_trigger_id(),
            "view": {
                "id": view_id,
                "team_id": TEAM_ID,
                "type": "modal",
                "callback_id": callback_id,
                "private_metadata": private_metadata,
                "state": {"values": values},
                "hash": "h",
                "title": {"type": "plain_text", "text": "x"},
                "blocks": [],
            },
            "response_urls": [],
        }
        return await self.interactive(payload)

    async def event(self, event: dict[str, Any]) -> Reply:
        body = {
            "token": "legacy-unused",
            "team_id": TEAM_ID,
            "api_app_id": APP_ID,
            "event": event,
            "type": "event_callback",
            "event_id": f"Ev{next(_counter)}",
            "event_time": int(time.time()),
            "authorizations": [{"team_id": TEAM_ID, "user_id": "UBOTDOUBLE", "is_bot": True}],
        }
        return await self.post_raw(json.dumps(body), content_type="application/json")


def plain(value: str) -> dict[str, Any]:
    """A plain_text_input's state value, as Slack sends it in view.state.values."""
    return {"type": "plain_text_input", "value": value}


def static(value: str | None) -> dict[str, Any]:
    option = {"text": {"type": "plain_text", "text": value}, "value": value} if value else None
    return {"type": "static_select", "selected_option": option}


def radio(value: str | None) -> dict[str, Any]:
    option = {"text": {"type": "plain_text", "text": value}, "value": value} if value else None
    return {"type": "radio_buttons", "selected_option": option}


def multi(values: list[str]) -> dict[str, Any]:
    return {
        "type": "checkboxes",
        "selected_options": [
            {"text": {"type": "plain_text", "text": v}, "value": v} for v in values
        ],
    }


def number(value: str) -> dict[str, Any]:
    """A number_input's state value: Slack sends the typed number as a string."""
    return {"type": "number_input", "value": value}
