"""Prometheus metrics: the counters every part of the bot increments, exposed at `/metrics`.

Counters and histograms are per process (Prometheus scrapes each replica and sums). Figures
that live in the database (outbox rows by state, campaign progress) are read at scrape time by
`refresh_database_figures`, so every replica reports the same truth and nothing is double
counted in memory. No label ever carries a person, a user id or text: only kinds, methods,
outcomes, job names and campaign (quarter) labels.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from prometheus_client import (
    CollectorRegistry,
    Counter,
    GCCollector,
    Histogram,
    PlatformCollector,
    ProcessCollector,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.exposition import choose_encoder
from prometheus_client.registry import Collector

if TYPE_CHECKING:
    from bot.core.services import Services

REGISTRY = CollectorRegistry()
ProcessCollector(registry=REGISTRY)
PlatformCollector(registry=REGISTRY)
GCCollector(registry=REGISTRY)

REQUESTS = Counter(
    "leverage_requests",
    "Requests from the chat platform, by kind (command, block_actions, view_submission, event, "
    "...) and outcome (ok, rejected = 4xx, error = 5xx)",
    ["kind", "outcome"],
    registry=REGISTRY,
)
ACK_SECONDS = Histogram(
    "leverage_ack_seconds",
    "Time from receiving a chat request to answering it (Slack gives up after 3 s)",
    ["kind"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0),
    registry=REGISTRY,
)
API_CALLS = Counter(
    "leverage_slack_api_calls",
    "HTTP attempts at the Slack Web API (each retry counts), by method and status class",
    ["method", "status"],
    registry=REGISTRY,
)
API_RATELIMITED = Counter(
    "leverage_slack_api_ratelimited",
    "429 (rate limited) answers from the Slack Web API, by method",
    ["method"],
    registry=REGISTRY,
)
DELIVERIES_HANDLED = Counter(
    "leverage_deliveries_handled",
    "Outbox rows this process finished, by outcome (sent, reconciled, failed, skipped, "
    "retried, released)",
    ["outcome"],
    registry=REGISTRY,
)
SCHEDULER_RUNS = Counter(
    "leverage_scheduler_runs",
    "Scheduled job runs on this replica, by job and outcome (ok, error, skipped = another "
    "replica holds it or it is not due)",
    ["job", "outcome"],
    registry=REGISTRY,
)


@dataclass
class _Snapshot:
    """The database's figures as of the last scrape."""

    database_up: bool = False
    deliveries: dict[tuple[str, str, str], int] = field(default_factory=dict)
    answered: dict[str, int] = field(default_factory=dict)
    cache: dict[str, int] = field(default_factory=dict)  # the view cache's own counts


class _DatabaseFigures(Collector):
    """Yields gauges from the last snapshot; `refresh_database_figures` renews it (async)."""

    def __init__(self) -> None:
        self.snapshot = _Snapshot()

    def collect(self) -> Iterator[GaugeMetricFamily | CounterMetricFamily]:
        snap = self.snapshot
        up = GaugeMetricFamily(
            "leverage_database_up", "1 when the database answered the last scrape's queries"
        )
        up.add_metric([], 1.0 if snap.database_up else 0.0)
        yield up
        rows = GaugeMetricFamily(
            "leverage_deliveries",
            "Outbox rows of open campaigns (and of any with unsent rows), by campaign, kind and "
            "state (pending, claimed, sent, failed, skipped)",
            labels=["campaign", "kind", "state"],
        )
        for (campaign, kind, state), n in sorted(snap.deliveries.items()):
            rows.add_metric([campaign, kind, state], float(n))
        yield rows
        answered = GaugeMetricFamily(
            "leverage_campaign_answered",
            "Answers received in each open campaign",
            labels=["campaign"],
        )
        for campaign, n in sorted(snap.answered.items()):
            answered.add_metric([campaign], float(n))
        yield answered
        cache = CounterMetricFamily(
            "leverage_cache_requests",
            "View cache look-ups (bot.core.cache) by result: hit (from memory), shared (waited "
            "for a computation under way), miss (computed)",
            labels=["cache", "result"],
        )
        for result, n in sorted(snap.cache.items()):
            cache.add_metric(["views", result], float(n))
        yield cache


DATABASE_FIGURES = _DatabaseFigures()
REGISTRY.register(DATABASE_FIGURES)


async def refresh_database_figures(services: Services) -> None:
    """Read the outbox and campaign figures (two grouped counts on covering indexes)."""
    from storage.queries import campaigns as q

    snap = _Snapshot()
    stats = getattr(getattr(services, "views", None), "stats", None)
    if stats is not None:
        snap.cache = {"hit": stats.hits, "shared": stats.shared, "miss": stats.computed}
    try:
        async with services.db.session() as s:
            snap.deliveries = await q.live_delivery_counts(s)
            snap.answered = await q.open_campaign_answers(s)
        snap.database_up = True
    except Exception:  # the scrape still shows the process's own counters
        snap.database_up = False
    DATABASE_FIGURES.snapshot = snap


def exposition(accept: str = "") -> tuple[bytes, str]:
    """Everything in the registry, in the format the scraper's Accept header asks for
    (prometheus_client's own negotiation: text 0.0.4 by default, OpenMetrics on request)."""
    encoder, content_type = choose_encoder(accept)
    return encoder(REGISTRY), content_type


def count_deliveries(outcomes: Iterable[tuple[str, int]]) -> None:
    for outcome, n in outcomes:
        if n:
            DELIVERIES_HANDLED.labels(outcome=outcome).inc(n)
