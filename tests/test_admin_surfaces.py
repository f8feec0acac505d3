"""Admin surfaces against an admin with every reading: order, ids, references, and K.

An admin can read `admin list` as often as they like and export the free text; none of it may
join an entry to its free text or to an earlier reading, an entry may not spell out a kind
or reason whose count the same view withholds, and what the views print must not depend on
what the withheld cells hold.
"""

from __future__ import annotations

import re

from sqlalchemy import text

from bot.core import disclosure_reports as reports
from bot.core import disclosures
from bot.core.services import Services
from bot.slack.double import SlackDouble
from bot.slack.simulator import SlackSender
from handlers import ids
from tests.conftest import ADMIN_ID
from tests.stage_fixtures import add_disclosures
from tests.test_disclosure_helpers import ephemeral_reply, form, seed_people

REF = re.compile(r"`([0-9A-Z]{4}-[0-9A-Z]{4})`")
HEX_ID = re.compile(r"[0-9a-f]{32}")


async def _seed(services: Services) -> str:
    """Ten disclosures (two batches): nine alike, one with a kind, kind of work and reason of
    its own (in a directory of eight, so that disclosures can be shown at all)."""
    await seed_people(services)
    for n in range(9):
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
        assert len(refs) == 10 and len(set(refs)) == 10
        orders.add(tuple(refs))
    assert len(orders) > 1  # 8 readings of 6 entries in one order: chance 1 in 720^7


async def test_entries_do_not_spell_out_what_the_counts_withhold(services: Services) -> None:
    quarter = await _seed(services)
    view = await reports.overview(services, quarter)
    assert "image" not in view.tool_kinds and "fear_of_blame" not in view.reasons
    text = reports.render_overview(view)
    for label in ("Image", "Research", "afraid of blame"):
        assert label not in text, label
    # No entry names what the counts withhold (here, with non-negativity, every kind and
    # reason of the six: the lone disclosure reads like the other five).
    assert not any(
        e.tool_kind == "image" or e.work_kind == "research" or "fear_of_blame" in e.reasons
        for e in view.entries
    )


async def test_export_is_ordered_by_content_and_carries_no_id_or_reference(
    services: Services,
) -> None:
    quarter = await _seed(services)
    rows = await reports.export(services, quarter)
    assert rows is not None and len(rows) == 10
    dumped = str(rows)
    assert not HEX_ID.search(dumped) and not re.search(r"[0-9A-Z]{4}-[0-9A-Z]{4}", dumped)
    assert rows == await reports.export(services, quarter)  # the same every time: content only
    assert [r["tool"] for r in rows] == sorted(r["tool"] for r in rows)
    # Each tool is named once: below K, so no row names it (counted, the rows would say so).
    assert {r["tool"] for r in rows} == {"other tools"}


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


def _lines(text: str) -> list[str]:
    """A rendered list without its references and in a fixed order: what two readings share."""
    return sorted(REF.sub("`REF`", text).splitlines())


async def _reasons_differ_only_in_a_withheld_one(services: Services, marked: int) -> str:
    """Seven disclosures; `marked` of them also name "afraid of blame", which stays below K."""
    await seed_people(services)
    for n in range(7):
        reasons = ("no_approved_tool", "fear_of_blame") if n < marked else ("no_approved_tool",)
        done = await disclosures.submit(services, form(reasons=reasons), chat_user_id=None)
    return reports.render_overview(await reports.overview(services, done.quarter), 100)


async def test_entries_do_not_add_up_to_a_withheld_reason(services: Services) -> None:
    """Entries marked "other reason", counted, gave the withheld reason's count whenever it was
    the only one withheld; now two quarters that differ only in that reason read the same."""
    with_two = _lines(await _reasons_differ_only_in_a_withheld_one(services, 2))
    async with services.db.session() as session:
        await session.execute(text("DELETE FROM disclosure"))
        await session.execute(text("DELETE FROM person"))
        await session.execute(text("DELETE FROM team"))
    assert _lines(await _reasons_differ_only_in_a_withheld_one(services, 0)) == with_two


async def test_the_withheld_note_does_not_depend_on_the_withheld_values(
    services: Services,
) -> None:
    """Every disclosure alike: every withheld cell is 0, and the note still says so."""
    await seed_people(services)
    for _ in range(5):
        done = await disclosures.submit(services, form(), chat_user_id=None)
    view = await reports.overview(services, done.quarter)
    assert view.cells_withheld and "(Counts below 5 are withheld.)" in reports.render_overview(view)


async def test_export_rows_do_not_join_to_entries_by_content(services: Services) -> None:
    """Whatever an export row says, no field of it is one an entry shows: a row with its free
    text cannot be matched to its entry, and so to the entry's reference and replies."""
    quarter = await _seed(services)
    view = await reports.overview(services, quarter)
    rows = await reports.export(services, quarter)
    assert rows is not None
    entry_fields = {"tool_kind", "work_kind", "reasons", "replied", "ref"}
    assert not entry_fields & {key for row in rows for key in row}
    assert set(rows[0]) == {"quarter", "tool", "make_it_easy"} and view.entries


async def test_admin_demand_without_a_quarter_reads_one_quarter(
    services: Services, sender: SlackSender, slack: SlackDouble
) -> None:
    """An earlier quarter names a tool 7 times; the current one gets its first disclosure. The
    admin's `demand` before and after must not differ (it used to count all quarters: 7 -> 8)."""
    await seed_people(services)
    await add_disclosures(services.db, "2020Q1", 7)
    await sender.command(ids.DISCLOSE_COMMAND, "admin demand", user_id=ADMIN_ID)
    before = await ephemeral_reply(slack, 0)
    await disclosures.submit(services, form("ShadowGPT"), chat_user_id=None)
    await sender.command(ids.DISCLOSE_COMMAND, "admin demand", user_id=ADMIN_ID)
    assert await ephemeral_reply(slack, 1) == before
    assert "Shadowgpt: 7" not in before and "Shadowgpt: 8" not in before
    await sender.command(ids.DISCLOSE_COMMAND, "admin demand 2020Q1", user_id=ADMIN_ID)
    assert "Shadowgpt: 7" in await ephemeral_reply(slack, 2)  # a quarter named: its figures
