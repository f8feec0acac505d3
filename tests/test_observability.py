"""`/metrics` (Prometheus text, parsed with prometheus_client's own parser), `/readyz`, the
per-request log line (JSON on request, never a user id or text) and the request-kind parser."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from prometheus_client.parser import text_string_to_metric_families

from bot.core.delivery import run_due_deliveries
from bot.core.services import Services
from bot.log_json import JsonFormatter
from bot.slack.app import create_bolt_app, create_web_app
from bot.slack.double import SlackDouble
from bot.slack.observability import READINESS, request_kind
from bot.slack.simulator import SlackSender
from storage.db import Database
from tests.test_delivery_outbox import started
from tests.test_privacy_disclosures import (
    test_whole_flow_leaves_no_trace_in_rows_or_logs as disclosure_flow,
)

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


async def scrape(url: str) -> Samples:
    async with aiohttp.ClientSession() as session, session.get(url + "/metrics") as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
        text = await response.text()
    samples: Samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return samples


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


@pytest.fixture
async def served(services: Services) -> AsyncIterator[tuple[str, web.Application]]:
    web_app = create_web_app(services, create_bolt_app(services))
    runner = web.AppRunner(web_app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    yield f"http://127.0.0.1:{runner.addresses[0][1]}", web_app
    await runner.cleanup()


async def test_metrics_show_requests_web_api_calls_429s_and_deliveries(
    services: Services, slack: SlackDouble, served: tuple[str, web.Application], sender: SlackSender
) -> None:
    url, _ = served
    before = await scrape(url)
    org = await started(services, slack, size=6)
    slack.fail_next("chat.postMessage", count=2, http_status=429, error="ratelimited")
    assert (await run_due_deliveries(services)).sent == 6
    assert (await sender.command("/ai-stage", "help")).status == 200
    forged = await sender.post_raw("command=%2Fai-stage", signature="v0=" + "0" * 64)
    assert forged.status == 401
    after = await scrape(url)

    def grew(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert grew("leverage_requests_total", kind="command", outcome="ok") >= 1
    assert grew("leverage_requests_total", kind="command", outcome="rejected") >= 1
    assert grew("leverage_ack_seconds_count", kind="command") >= 2
    assert grew("leverage_ack_seconds_bucket", kind="command", le="3.0") >= 2
    assert grew("leverage_slack_api_calls_total", method="chat.postMessage", status="2xx") >= 6
    assert grew("leverage_slack_api_calls_total", method="chat.postMessage", status="4xx") >= 2
    assert grew("leverage_slack_api_ratelimited_total", method="chat.postMessage") >= 2
    assert grew("leverage_deliveries_handled_total", outcome="sent") >= 6
    quarter = {"campaign": org_quarter(after)}
    assert value(after, "leverage_deliveries", kind="prompt", state="sent", **quarter) == 6
    assert value(after, "leverage_campaign_answered", **quarter) == 0
    assert value(after, "leverage_database_up") == 1
    assert (
        "leverage_cache_requests_total",
        frozenset({("cache", "views"), ("result", "hit")}),
    ) in after
    assert value(after, "process_resident_memory_bytes") > 0
    assert len(org.user_ids) == 6


def org_quarter(samples: Samples) -> str:
    [campaign] = {
        dict(labels)["campaign"] for name, labels in samples if name == "leverage_deliveries"
    }
    return campaign


async def test_readiness_covers_the_database_and_shutdown(
    services: Services, served: tuple[str, web.Application]
) -> None:
    url, web_app = served
    async with aiohttp.ClientSession() as session:
        async with session.get(url + "/readyz") as response:
            assert response.status == 200
            assert (await response.json())["status"] == "ready"
        web_app[READINESS].draining = True
        async with session.get(url + "/readyz") as response:
            assert response.status == 503
            assert (await response.json())["problems"] == ["shutting down"]
        async with session.get(url + "/healthz") as response:
            assert response.status == 200  # alive while draining: no restart mid-drain


async def test_readiness_fails_without_a_database_and_with_a_stalled_scheduler(
    services: Services,
) -> None:
    class Stalled:
        def healthy(self) -> bool:
            return False

    gone = Services(settings=services.settings, db=Database("postgresql://u:p@127.0.0.1:9/x"))
    web_app = create_web_app(gone, create_bolt_app(gone))
    web_app[READINESS].scheduler = Stalled()
    runner = web.AppRunner(web_app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        url = f"http://127.0.0.1:{runner.addresses[0][1]}"
        async with aiohttp.ClientSession() as session, session.get(url + "/readyz") as response:
            assert response.status == 503
            body = await response.json()
        assert body["problems"] == ["scheduler not ticking", "database unreachable"]
        samples = await scrape(url)  # metrics still answer, saying the database is down
        assert value(samples, "leverage_database_up") in (0.0, 1.0)
    finally:
        await runner.cleanup()
        await gone.db.dispose()


async def test_request_log_line_is_json_with_kind_status_and_time_but_no_user_or_text(
    sender: SlackSender, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="leverage.http"):
        reply = await sender.command("/ai-stage", "help secret-words", user_id="UANON42")
    assert reply.status == 200
    [record] = [r for r in caplog.records if r.name == "leverage.http"]
    line = JsonFormatter().format(record)
    entry = json.loads(line)
    assert (entry["kind"], entry["status"], entry["logger"]) == ("command", 200, "leverage.http")
    assert entry["duration_ms"] >= 0 and entry["level"] == "INFO"
    assert "UANON42" not in line and "secret-words" not in line


@pytest.mark.parametrize(
    ("body", "content_type", "kind"),
    [
        (b"command=%2Fai-stage&text=x", "application/x-www-form-urlencoded", "command"),
        (b'payload={"type":"view_submission"}', "application/x-www-form-urlencoded",
         "view_submission"),
        (b'payload={"type":"made_up"}', "application/x-www-form-urlencoded", "other"),
        (b'{"type":"event_callback","event":{}}', "application/json", "event"),
        (b'{"type":"url_verification"}', "application/json", "url_verification"),
        (b"payload=%7Bnot json", "application/x-www-form-urlencoded", "unparseable"),
        (b"[1, 2]", "application/json", "unparseable"),
        (b"\xff\xfe", "application/x-www-form-urlencoded", "unparseable"),
        (b"[" * 5000 + b"]" * 5000, "application/json", "unparseable"),
        (b"payload=" + b"%5B" * 5000, "application/x-www-form-urlencoded", "unparseable"),
    ],
)  # fmt: skip
def test_request_kind(body: bytes, content_type: str, kind: str) -> None:
    assert request_kind(body, content_type) == kind


@pytest.fixture
def json_debug_log(debug_log: Path) -> Path:
    """conftest's root DEBUG file log, one JSON object a line from here on (`LOG_FORMAT=json`):
    every field a record carries (its `extra=` too) is written, so it shows more than text."""
    [handler] = [
        h for h in logging.getLogger().handlers
        if isinstance(h, logging.FileHandler) and Path(h.baseFilename) == debug_log
    ]  # fmt: skip
    handler.setFormatter(JsonFormatter())
    return debug_log


async def test_json_logs_at_debug_hold_no_disclosure_text_code_or_submitter(
    services: Services, sender: SlackSender, slack: SlackDouble, json_debug_log: Path
) -> None:
    """The forensic disclosure flow (tests/test_privacy_disclosures.py), logged as JSON: the
    same search of every line, and every line is one JSON object with the request fields."""
    await disclosure_flow(services, sender, slack, json_debug_log)
    first, *lines = json_debug_log.read_text("utf-8").splitlines()
    assert first.endswith("privacy-test: flow starts")  # the fixture's line, before JSON
    entries = [json.loads(line) for line in lines]
    requests = [e for e in entries if e["logger"] == "leverage.http"]
    assert {e["kind"] for e in requests} >= {"command", "view_submission"}
    assert all(isinstance(e["status"], int) and e["duration_ms"] >= 0 for e in requests)


def test_json_lines_carry_extras_of_the_bots_own_loggers_only() -> None:
    """A library's `extra=` is not trimmed by bot.logs as its message is (aiohttp's access log
    passes the request line and headers): JSON writes extras of `leverage.*` records only."""

    def line(name: str, **extra: object) -> dict[str, object]:
        record = logging.LogRecord(name, logging.INFO, __file__, 1, "answered", (), None)
        record.__dict__.update(extra)
        return dict(json.loads(JsonFormatter().format(record)))

    library = line("aiohttp.access", first_request_line="POST /x?user=U42", request_header="h")
    assert set(library) == {"time", "level", "logger", "message"}
    own = line("leverage.http", kind="command", status=200)
    assert (own["kind"], own["status"], own["message"]) == ("command", 200, "answered")
