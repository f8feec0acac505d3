"""Disclosures are released in batches: an insider who reads every view after every submission
sees them move only by K disclosures at a time (or at campaign close), never by one.

The review's H1: once a quarter held K disclosures, an admin who read `admin list` (or the
export) before and after a colleague submitted saw exactly one new entry, and its content; the
stage report's covert count and gates moved by one too (M2). Here an admin and everyone else
read everything after each of twelve submissions."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import text

from bot.core import campaigns, disclosures
from bot.core import disclosure_reports as reports
from bot.core.services import Services
from bot.core.stage import assess
from storage.models import Campaign
from tests.test_disclosure_helpers import form, seed_people

REF = re.compile(r"`([0-9A-Z]{4}-[0-9A-Z]{4})`")
TOOLS = ("ShadowGPT", "Cursor", "Zorblax Writer")
KINDS = ("drafting", "coding", "analysis")
REASONS = ("no_approved_tool", "procurement", "review_slow", "fear_of_blame")


def varied(n: int) -> disclosures.DisclosureForm:
    return form(
        TOOLS[n % 3], work_kind=KINDS[n % 2], reasons=(REASONS[n % 4],), make_it_easy=f"Easy {n}"
    )


async def reading(services: Services, quarter: str) -> dict[str, Any]:
    """Everything an admin and everyone else can read about the quarter's disclosures."""
    listing = reports.render_overview(await reports.overview(services, quarter), 1000)
    signals = (await assess(services, quarter)).signals
    return {
        "list": sorted(REF.sub("REF", listing).splitlines()),
        "refs": set(REF.findall(listing)),
        "export": await reports.export(services, quarter),
        "demand": await reports.demand(services, quarter),
        "covert": signals["covert"],
        "gates": signals["gates"],
        "stage_demand": signals["demand"],
        "withheld": signals["withheld"],
    }


async def test_every_view_moves_only_by_a_batch_of_k(services: Services) -> None:
    await seed_people(services)
    readings = []
    quarter = ""
    for n in range(12):
        quarter = (await disclosures.submit(services, varied(n), chat_user_id=None)).quarter
        readings.append(await reading(services, quarter))
    changed = [n + 1 for n in range(1, 12) if readings[n] != readings[n - 1]]
    assert changed == [5, 10]  # after the 5th and the 10th submission, and never in between
    assert readings[3]["covert"] is None and readings[4]["covert"] == 5
    assert readings[9]["covert"] == 10 and readings[11]["covert"] == 10
    assert len(readings[4]["export"]) == 5 and len(readings[11]["export"]) == 10
    assert readings[0]["list"] == readings[3]["list"]  # none and a few read the same
    # References are keyed per release: the second batch's list shares none with the first's.
    assert len(readings[9]["refs"]) == 10 and not readings[9]["refs"] & readings[4]["refs"]


async def test_a_reference_works_within_its_release_only(services: Services) -> None:
    await seed_people(services)
    for n in range(5):
        quarter = (await disclosures.submit(services, varied(n), chat_user_id=None)).quarter
    old = [e.ref for e in (await reports.overview(services, quarter)).entries]
    assert await disclosures.reply(services, old[0], "We hear you.", "UADMIN")
    for n in range(5, 9):  # a batch still filling: the list and its references stay put
        await disclosures.submit(services, varied(n), chat_user_id=None)
    assert sorted(e.ref for e in (await reports.overview(services, quarter)).entries) == sorted(old)
    await disclosures.submit(services, varied(9), chat_user_id=None)
    view = await reports.overview(services, quarter)
    assert len(view.entries) == 10 and not {e.ref for e in view.entries} & set(old)
    assert sum(e.replied for e in view.entries) == 1  # the reply stays with its disclosure
    with pytest.raises(disclosures.NotFound):
        await disclosures.reply(services, old[1], "Too late.", "UADMIN")
    fresh = next(e.ref for e in view.entries if not e.replied)
    assert await disclosures.reply(services, fresh, "Thanks.", "UADMIN")


async def test_campaign_close_releases_the_rest_and_rewrites_the_quarter(
    services: Services,
) -> None:
    await seed_people(services)
    now = services.clock()
    quarter = "2026Q4"
    async with services.db.session() as s:
        s.add(Campaign(id=quarter, opens_at=now - timedelta(days=1),
                       closes_at=now + timedelta(days=9), status="open"))  # fmt: skip
    for n in range(7):
        await disclosures.submit(services, varied(n), chat_user_id=None, campaign_id=quarter)
    assert (await reports.overview(services, quarter)).total == 5
    pending = await _released_column(services)
    assert pending == {True: 5, False: 2}  # what a database reader sees: see docs/privacy.md
    await campaigns.close_campaign(services, quarter)
    assert (await reports.overview(services, quarter)).total == 7
    assert (await assess(services, quarter)).signals["covert"] == 7
    assert await _released_column(services) == {True: 7}
    if services.db.is_postgres:  # one rewrite after the release: no row keeps a version of its own
        async with services.db.session() as s:
            xmins = await s.execute(text("SELECT count(DISTINCT xmin::text) FROM disclosure"))
            assert xmins.scalar_one() == 1


async def _released_column(services: Services) -> dict[bool, int]:
    async with services.db.session() as s:
        rows = await s.execute(text("SELECT released, count(*) FROM disclosure GROUP BY released"))
        return {bool(r): int(n) for r, n in rows.all()}
