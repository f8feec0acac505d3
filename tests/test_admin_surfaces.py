"""Admin surfaces against an admin with every reading: order, ids, references, and K.

An admin can read `admin list` as often as they like and export the free text; none of it may
join an entry to its free text or to an earlier reading, and an entry may not spell out a kind
or reason whose count the same view withholds.
"""

from __future__ import annotations

import re

from bot.core import disclosure_reports as reports
from bot.core import disclosures
from bot.core.services import Services
from bot.slack.double import SlackDouble
from bot.slack.simulator import SlackSender
from handlers import ids
from tests.conftest import ADMIN_ID
from tests.test_disclosure_helpers import ephemeral_reply, form

REF = re.compile(r"`([0-9A-Z]{4}-[0-9A-Z]{4})`")
HEX_ID = re.compile(r"[0-9a-f]{32}")


async def _seed(services: Services) -> str:
    """Six disclosures: five alike, one with a kind, kind of work and reason of its own."""
    for n in range(5):
        done = await disclosures.submit(services, form(f"Tool {n}"), chat_user_id=None)
    lone = form("Lone tool", tool_kind="image", work_kind="research", reasons=("fear_of_blame",))
    await disclosures.submit(services, lone, chat_user_id=None)
    return done.quarter


async def test_entries_carry_short_references_in_a_fresh_order_every_reading(
    services: Services,
) -> None:
    quarter = await _seed(services)
    orders = set()
    for _ in range(8):
        text = reports.render_overview(await reports.overview(services, quarter))
        assert not HEX_ID.search(text)
        refs = REF.findall(text)
        assert len(refs) == 6 and len(set(refs)) == 6
        orders.add(tuple(refs))
    assert len(orders) > 1  # 8 readings of 6 entries in one order: chance 1 in 720^7


async def test_entries_do_not_spell_out_what_the_counts_withhold(services: Services) -> None:
    quarter = await _seed(services)
    view = await reports.overview(services, quarter)
    assert "image" not in view.tool_kinds and "fear_of_blame" not in view.reasons
    text = reports.render_overview(view)
    for label in ("Image", "Research", "afraid of blame"):
        assert label not in text, label
    lone = [e for e in view.entries if e.tool_kind == "other"]
    assert len(lone) == 1 and lone[0].work_kind == "other" and lone[0].other_reasons


async def test_export_is_ordered_by_content_and_carries_no_id_or_reference(
    services: Services,
) -> None:
    quarter = await _seed(services)
    rows = await reports.export(services, quarter)
    assert rows is not None and len(rows) == 6
    dumped = str(rows)
    assert not HEX_ID.search(dumped) and not re.search(r"[0-9A-Z]{4}-[0-9A-Z]{4}", dumped)
    assert rows == await reports.export(services, quarter)  # the same every time: content only
    assert [r["tool"] for r in rows] == sorted(r["tool"] for r in rows)


async def test_admin_replies_by_reference_in_slack(
    services: Services, sender: SlackSender, slack: SlackDouble
) -> None:
    quarter = await _seed(services)
    await sender.command(ids.DISCLOSE_COMMAND, f"admin list {quarter}", user_id=ADMIN_ID)
    ref = REF.findall(await ephemeral_reply(slack, 0))[0]
    await sender.command(
        ids.DISCLOSE_COMMAND, f"admin reply {ref.lower()} We bought licences.", user_id=ADMIN_ID
    )
    assert "Reply saved" in await ephemeral_reply(slack, 1)
    await sender.command(ids.DISCLOSE_COMMAND, "admin reply ZZZZ-ZZZZ hello", user_id=ADMIN_ID)
    assert "no disclosure with that" in (await ephemeral_reply(slack, 2)).lower()
    view = await reports.overview(services, quarter)
    assert [e.replied for e in view.entries if e.ref == ref] == [True]
