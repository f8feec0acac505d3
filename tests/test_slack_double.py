"""The Slack double must look like Slack to the real slack_sdk client, so drive it only that way."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.double import BOT_USER_ID, SlackDouble

pytestmark = pytest.mark.asyncio

SECTION = {"type": "section", "text": {"type": "mrkdwn", "text": "Hello *there*"}}
MODAL = {
    "type": "modal",
    "callback_id": "disclose",
    "title": {"type": "plain_text", "text": "Share a win"},
    "submit": {"type": "plain_text", "text": "Send"},
    "blocks": [
        {
            "type": "input",
            "block_id": "what",
            "label": {"type": "plain_text", "text": "What did you do?"},
            "element": {"type": "plain_text_input", "action_id": "value"},
        }
    ],
}


@pytest_asyncio.fixture
async def double() -> AsyncIterator[SlackDouble]:
    async with SlackDouble() as running:
        running.add_user("U1", email="Ada@Example.com", real_name="Ada Lovelace")
        running.add_user("U2", email="grace@example.com", tz="America/New_York", tz_offset=-18000)
        running.add_user("U3", email="gone@example.com", deleted=True)
        yield running


def client_for(double: SlackDouble, **kwargs: object) -> AsyncWebClient:
    return AsyncWebClient(token="xoxb-test", base_url=double.base_url, **kwargs)  # type: ignore[arg-type]


async def test_base_url_is_loopback_with_trailing_slash(double: SlackDouble) -> None:
    assert double.base_url.startswith("http://127.0.0.1:")
    assert double.base_url.endswith("/api/")
    auth = await client_for(double).auth_test()
    assert auth["user_id"] == BOT_USER_ID
    assert auth["team_id"] == "T0DOUBLE"


async def test_dm_metadata_round_trips_through_history(double: SlackDouble) -> None:
    client = client_for(double)
    metadata = {"event_type": "leverage_prompt", "event_payload": {"quarter": "2025Q1"}}
    posted = await client.chat_postMessage(
        channel="U1", text="Your quarterly prompt", blocks=[SECTION], metadata=metadata
    )
    assert posted["channel"] == SlackDouble.dm_channel_for("U1")
    assert posted["message"]["metadata"] == metadata

    with_meta = await client.conversations_history(
        channel=posted["channel"], include_all_metadata=True
    )
    assert [m["ts"] for m in with_meta["messages"]] == [posted["ts"]]
    assert with_meta["messages"][0]["metadata"] == metadata
    assert with_meta["messages"][0]["user"] == BOT_USER_ID
    assert with_meta["has_more"] is False

    without_meta = await client.conversations_history(channel=posted["channel"])
    assert "metadata" not in without_meta["messages"][0]
    assert double.messages_to("U1")[0]["metadata"] == metadata


async def test_history_is_newest_first_with_exclusive_bounds(double: SlackDouble) -> None:
    client = client_for(double)
    stamps = [(await client.chat_postMessage(channel="C1", text=f"m{i}"))["ts"] for i in range(4)]
    assert stamps == sorted(stamps) and len(set(stamps)) == 4

    history = await client.conversations_history(channel="C1", oldest=stamps[0], latest=stamps[3])
    assert [m["text"] for m in history["messages"]] == ["m2", "m1"]


async def test_unknown_or_deleted_user_is_channel_not_found(double: SlackDouble) -> None:
    client = client_for(double)
    for target in ("U404", "U3"):
        with pytest.raises(SlackApiError) as caught:
            await client.chat_postMessage(channel=target, text="hi")
        assert caught.value.response["error"] == "channel_not_found"
    assert double.messages == []


@pytest.mark.parametrize(
    "bad_block",
    [
        {"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}},
        {"type": "not_a_block"},
    ],
)
async def test_invalid_blocks_are_rejected(double: SlackDouble, bad_block: dict) -> None:
    with pytest.raises(SlackApiError) as caught:
        await client_for(double).chat_postMessage(channel="U1", text="t", blocks=[bad_block])
    assert caught.value.response["error"] == "invalid_blocks"
    assert double.validation_errors and "/blocks/0" in double.validation_errors[0]
    assert double.messages == []
    assert double.calls_to("chat.postMessage")[0].ok is False
    assert double.ok_calls("chat.postMessage") == []


@pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing")
async def test_message_limits(double: SlackDouble) -> None:
    client = client_for(double)
    with pytest.raises(SlackApiError) as too_many:
        await client.chat_postMessage(channel="C1", text="t", blocks=[SECTION] * 51)
    assert too_many.value.response["error"] == "invalid_blocks"
    with pytest.raises(SlackApiError) as too_long:
        await client.chat_postMessage(channel="C1", text="x" * 40_001)
    assert too_long.value.response["error"] == "msg_too_long"
    with pytest.raises(SlackApiError) as empty:
        await client.chat_postMessage(channel="C1")
    assert empty.value.response["error"] == "no_text"


async def test_auth_is_required(double: SlackDouble) -> None:
    with pytest.raises(SlackApiError) as wrong:
        await AsyncWebClient(token="xoxp-user", base_url=double.base_url).auth_test()
    assert wrong.value.response["error"] == "invalid_auth"
    with pytest.raises(SlackApiError) as missing:
        await AsyncWebClient(base_url=double.base_url).auth_test()
    assert missing.value.response["error"] == "not_authed"
    assert [c.status for c in double.calls] == [200, 200]


async def test_rate_limit_returns_429_and_retry_handler_recovers() -> None:
    async with SlackDouble(rate_limits={"users.info": (1.0, 1.0)}) as double:
        double.add_user("U1")
        await client_for(double).users_info(user="U1")
        with pytest.raises(SlackApiError) as caught:
            await client_for(double).users_info(user="U1")
        assert caught.value.response.status_code == 429
        assert caught.value.response["error"] == "ratelimited"
        assert int(caught.value.response.headers["Retry-After"]) >= 1

        retrying = client_for(
            double, retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=2)]
        )
        started = time.monotonic()
        info = await retrying.users_info(user="U1")
        assert info["user"]["id"] == "U1"
        assert time.monotonic() - started >= 0.5
        assert [c.status for c in double.calls_to("users.info")][-1] == 200


async def test_injected_server_error_is_retried(double: SlackDouble) -> None:
    double.fail_next("users.info", http_status=500)
    with pytest.raises(SlackApiError) as caught:
        await client_for(double).users_info(user="U1")
    assert caught.value.response.status_code == 500

    double.fail_next("users.info", http_status=503, error="service_unavailable")
    retrying = client_for(double, retry_handlers=[AsyncServerErrorRetryHandler(max_retry_count=1)])
    info = await retrying.users_info(user="U1")
    assert info["user"]["real_name"] == "Ada Lovelace"
    assert [c.status for c in double.calls_to("users.info")] == [500, 503, 200]


async def test_injected_ok_false_error(double: SlackDouble) -> None:
    double.fail_next("chat.postMessage", error="channel_is_archived", count=2)
    client = client_for(double)
    for _ in range(2):
        with pytest.raises(SlackApiError) as caught:
            await client.chat_postMessage(channel="C1", text="t")
        assert caught.value.response["error"] == "channel_is_archived"
    assert (await client.chat_postMessage(channel="C1", text="t"))["ok"] is True


async def test_lookup_by_email(double: SlackDouble) -> None:
    client = client_for(double)
    found = await client.users_lookupByEmail(email="ada@EXAMPLE.com")
    assert found["user"]["id"] == "U1"
    assert found["user"]["profile"]["email"] == "Ada@Example.com"
    assert found["user"]["tz"] == "Europe/London"
    with pytest.raises(SlackApiError) as caught:
        await client.users_lookupByEmail(email="nobody@example.com")
    assert caught.value.response["error"] == "users_not_found"


async def test_users_list_paginates(double: SlackDouble) -> None:
    for i in range(4, 8):
        double.add_user(f"U{i}")
    client = client_for(double)
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        page = await client.users_list(limit=3, cursor=cursor)
        pages += 1
        seen.extend(m["id"] for m in page["members"])
        cursor = page["response_metadata"]["next_cursor"]
        if not cursor:
            break
    assert pages == 3
    assert seen == ["U1", "U2", "U3", "U4", "U5", "U6", "U7"]


async def test_usergroups(double: SlackDouble) -> None:
    double.add_usergroup("S1", handle="eng", name="Engineering", user_ids=["U1", "U2"])
    client = client_for(double)
    listed = await client.usergroups_list(include_users=True)
    assert listed["usergroups"][0]["users"] == ["U1", "U2"]
    assert "users" not in (await client.usergroups_list())["usergroups"][0]
    assert (await client.usergroups_users_list(usergroup="S1"))["users"] == ["U1", "U2"]


async def test_views_open_and_expired_trigger(double: SlackDouble) -> None:
    client = client_for(double)
    opened = await client.views_open(trigger_id="trig-1", view=MODAL)
    assert opened["view"]["id"].startswith("V")
    assert opened["view"]["state"] == {"values": {}}
    assert double.opened_views[0]["callback_id"] == "disclose"

    double.expire_trigger("trig-2")
    with pytest.raises(SlackApiError) as caught:
        await client.views_open(trigger_id="trig-2", view=MODAL)
    assert caught.value.response["error"] == "expired_trigger_id"
    assert len(double.opened_views) == 1


async def test_views_update_and_publish_validate(double: SlackDouble) -> None:
    client = client_for(double)
    opened = await client.views_open(trigger_id="t", view=MODAL)
    updated = await client.views_update(view_id=opened["view"]["id"], view=MODAL)
    assert updated["view"]["id"] == opened["view"]["id"]

    home = {"type": "home", "blocks": [SECTION]}
    published = await client.views_publish(user_id="U2", view=home)
    assert double.published_home_views["U2"]["id"] == published["view"]["id"]

    with pytest.raises(SlackApiError) as caught:
        await client.views_publish(user_id="U2", view={"type": "home", "blocks": [SECTION] * 101})
    assert caught.value.response["error"] == "invalid_arguments"
    assert any("views.publish" in e for e in double.validation_errors)


async def test_files_upload_v2_lands_in_uploads(double: SlackDouble) -> None:
    payload = b"\x89PNG fake chart bytes"
    response = await client_for(double).files_upload_v2(
        channel="C123",
        content=payload,
        filename="chart.png",
        title="Maturity",
        initial_comment="Q1",
    )
    assert response["file"]["title"] == "Maturity"
    [upload] = double.uploads
    assert upload["channel_id"] == "C123"
    assert upload["filename"] == "chart.png"
    assert upload["content"] == payload and upload["length"] == len(payload)
    assert [c.method for c in double.calls] == [
        "files.getUploadURLExternal",
        "upload",
        "files.completeUploadExternal",
    ]


async def test_ephemeral_update_and_permalink(double: SlackDouble) -> None:
    client = client_for(double)
    posted = await client.chat_postMessage(channel="C9", text="draft")
    await client.chat_update(channel="C9", ts=posted["ts"], text="final", blocks=[SECTION])
    history = await client.conversations_history(channel="C9")
    assert history["messages"][0]["text"] == "final"
    link = await client.chat_getPermalink(channel="C9", message_ts=posted["ts"])
    assert "C9" in link["permalink"]

    ephemeral = await client.chat_postEphemeral(channel="C9", user="U2", text="only you")
    assert ephemeral["message_ts"]
    assert double.messages_to("U2")[0]["ephemeral"] is True
    assert len((await client.conversations_history(channel="C9"))["messages"]) == 1


async def test_conversations_open_maps_to_same_dm(double: SlackDouble) -> None:
    client = client_for(double)
    opened = await client.conversations_open(users="U2")
    posted = await client.chat_postMessage(channel="U2", text="hi")
    assert opened["channel"]["id"] == posted["channel"]


async def test_unknown_method(double: SlackDouble) -> None:
    with pytest.raises(SlackApiError) as caught:
        await client_for(double).api_call("reactions.nope")
    assert caught.value.response["error"] == "unknown_method"
