"""Admin views of disclosures: group-size thresholds everywhere, scrubbed free text, the CLI."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.cli import main as cli_main
from bot.core import disclosure_reports as reports
from bot.core import disclosures
from bot.core.services import Services
from bot.slack.double import SlackDouble
from bot.slack.simulator import SlackSender
from handlers import ids
from storage.models import Person
from tests.conftest import ADMIN_ID
from tests.test_disclosure_helpers import (
    BIG_IDS,
    SMALL_IDS,
    ephemeral_reply,
    form,
    seed_people,
)

QUARTER = "2026Q4"


async def _submit(services: Services, user_id: str | None, **kwargs: object) -> str:
    done = await disclosures.submit(
        services, form(**kwargs), chat_user_id=user_id, campaign_id=None
    )
    return done.quarter


async def _seed_disclosures(services: Services, n: int, user_id: str | None = None) -> str:
    quarter = ""
    for i in range(n):
        quarter = await _submit(services, user_id or BIG_IDS[i % len(BIG_IDS)], tool=f"Tool{i}")
    return quarter


async def test_below_k_only_counts_are_shown(services: Services) -> None:
    await seed_people(services)
    quarter = await _seed_disclosures(services, 4)
    view = await reports.overview(services, quarter)
    # A1: below K disclosures nothing at all is shown, not even a reason or a kind count,
    # nor whether there are none or a few.
    assert view.total == 0 and not view.entries_shown and view.entries == []
    assert view.reasons == {} and view.tool_kinds == {} and view.work_kinds == {}
    assert await reports.demand(services, quarter) is None
    assert await reports.export(services, quarter) is None
    rendered = reports.render_overview(view)
    assert "at least 5" in rendered and "none to show yet" in rendered
    assert " 4" not in rendered and "Why not" not in rendered and "Platform" not in rendered
    async with services.db.session() as session:
        await session.execute(text("DELETE FROM disclosure"))
    assert reports.render_overview(await reports.overview(services, quarter)) == rendered


async def test_at_k_entries_appear_without_team_or_free_text(services: Services) -> None:
    await seed_people(services)
    quarter = await _seed_disclosures(services, 5)
    view = await reports.overview(services, quarter)
    assert view.entries_shown and len(view.entries) == 5
    rendered = reports.render_overview(view)
    assert "Tool0" not in rendered  # free text is for exports only
    assert "Platform" not in rendered  # disclosures count org-wide only, never per team


async def test_submitting_alone_in_a_small_team_names_no_team(services: Services) -> None:
    await seed_people(services)
    quarter = await _submit(services, SMALL_IDS[0])
    async with services.db.session() as session:
        team = (await session.execute(text("SELECT team_id FROM disclosure"))).scalar_one()
    assert team is None
    assert not (await reports.overview(services, quarter)).entries_shown


async def test_export_scrubs_emails_mentions_and_directory_names(services: Services) -> None:
    people = await seed_people(services)
    named: Person = people[BIG_IDS[4]]
    first, last = named.name.split()
    prose = f"Ask {named.email} or <@{BIG_IDS[4]}> or {first} {last}; ping @{first.lower()}."
    quarter = await _seed_disclosures(services, 4)
    await _submit(services, None, tool=f"{first}'s GPT", make_it_easy=prose)
    rows = await reports.export(services, quarter)
    assert rows is not None and len(rows) == 5
    dumped = json.dumps(rows)
    for needle in (named.email, BIG_IDS[4], first, last):
        assert needle not in dumped, needle
    assert "[email]" in dumped and "[mention]" in dumped and "[name]" in dumped
    assert all("team" not in row for row in rows)


async def test_demand_lists_unapproved_tools_with_their_work(services: Services) -> None:
    await seed_people(services)
    named = [("ChatGPT", "drafting")] * 5 + [("chat gpt", "coding"), ("Copilot", "coding")] * 2
    for tool, work in named:
        await _submit(services, None, tool=tool, work_kind=work)
    for _ in range(6):  # 15 in all: three batches of K released
        await _submit(services, None, tool="Approved Thing")
    assert await disclosures.approve_tool(services, "approved-thing")
    assert not await disclosures.approve_tool(services, "Approved Thing")
    items = await reports.demand(services)
    assert items is not None
    # A1: cells below K are withheld: Copilot (2), ChatGPT for coding (2).
    assert [(d.tool, d.count) for d in items] == [("ChatGPT", 7)]
    # Drafting 5 of 7 would say that the other kinds of work hold 2 (fewer than K): withheld
    # too (non-negativity, review L1).
    assert items[0].work_kinds == {}
    rendered = reports.render_demand(items, 5)
    assert "Approved" not in rendered and "Copilot" not in rendered and "coding" not in rendered
    for n in range(3):
        await _submit(services, None, tool=f"Rare{n}")
    for _ in range(2):  # the fourth batch
        await _submit(services, None, tool="Approved Thing")
    items = await reports.demand(services)
    assert items is not None and (items[-1].count, items[-1].work_kinds) == (5, {})
    assert "other tools (each named fewer than 5 times): 5" in reports.render_demand(items, 5)


async def test_slack_admin_list_and_approve(
    services: Services, sender: SlackSender, slack: SlackDouble
) -> None:
    await seed_people(services)
    quarter = await _seed_disclosures(services, 5, user_id="UOUTSIDER")
    await sender.command(ids.DISCLOSE_COMMAND, f"admin list {quarter}", user_id=ADMIN_ID)
    listing = await ephemeral_reply(slack, 0)
    assert f"Disclosures {quarter}:* 5" in listing and listing.count("no reply yet") == 5
    await sender.command(ids.DISCLOSE_COMMAND, "admin approve Tool0", user_id=ADMIN_ID)
    assert "approved catalog" in await ephemeral_reply(slack, 1)
    await sender.command(ids.DISCLOSE_COMMAND, "admin demand", user_id=ADMIN_ID)
    demand = await ephemeral_reply(slack, 2)
    assert "Tool1" not in demand and "Tool0" not in demand  # each named once: below K
    assert f"*{quarter}*" in demand and "named in at least 5 disclosures" in demand


def _cli(monkeypatch: pytest.MonkeyPatch, services: Services, tmp_path: Path, *argv: str) -> int:
    monkeypatch.setenv("DATABASE_URL", services.settings.database_url)
    monkeypatch.setenv("LEVERAGE_HASH_KEY", "test-hash-key")
    monkeypatch.chdir(tmp_path)
    return cli_main(["disclosures", *argv])


async def test_cli_export_refuses_below_k_then_exports_scrubbed_json(
    services: Services,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    await seed_people(services)
    quarter = await _seed_disclosures(services, 2, user_id="UX")
    await services.db.dispose()  # the CLI opens its own engine (and its own event loop)

    def run(*argv: str) -> int:
        return _cli(monkeypatch, services, tmp_path, *argv)

    import asyncio

    code = await asyncio.to_thread(run, "export", "--quarter", quarter)
    assert code == 2 and "fewer than 5" in capsys.readouterr().err
    for n in range(3):
        await _submit(services, None, tool=f"More{n}", make_it_easy="write to boss@example.com")
    await services.db.dispose()
    assert await asyncio.to_thread(run, "export", "--quarter", quarter) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 5 and "boss@example.com" not in json.dumps(rows)
    assert all("id" not in row for row in rows)  # A1: free text cannot be joined to an entry
    assert await asyncio.to_thread(run, "list", "--quarter", quarter) == 0
    ident = re.findall(r"`([0-9A-Z]{4}-[0-9A-Z]{4})`", capsys.readouterr().out)[0]
    assert await asyncio.to_thread(run, "reply", ident, "We", "hear", "you") == 0
    assert await asyncio.to_thread(run, "note", quarter, "Licences", "bought") == 0
    assert await asyncio.to_thread(run, "approve-tool", "More0") == 0
    assert await asyncio.to_thread(run, "list", "--quarter", quarter) == 0
    assert await asyncio.to_thread(run, "demand") == 0
    assert await asyncio.to_thread(run, "export", "--quarter", quarter, "--format", "csv") == 0
    out = capsys.readouterr().out
    assert "Reply saved" in out and "1 no reply yet" not in out and "make_it_easy" in out
    assert await asyncio.to_thread(run, "reply", "nope", "x") == 2


async def test_replies_survive_the_reshuffle_of_later_submissions(services: Services) -> None:
    first = await disclosures.submit(services, form("First"), chat_user_id=None)
    for n in range(4):  # the first batch: now an admin can reply
        await disclosures.submit(services, form(f"Early {n}"), chat_user_id=None)
    claim = disclosures.claim_hash(services, first.claim_code)
    async with services.db.session() as session:
        found = await session.execute(
            text("SELECT id FROM disclosure WHERE claim_hash = :h"), {"h": claim}
        )
        ident = found.scalar_one()
    await disclosures.reply(services, ident, "Approved alternative: Copilot.", ADMIN_ID)
    for n in range(8):
        await disclosures.submit(services, form(f"Later {n}"), chat_user_id=None)
    answer = await disclosures.check(services, first.claim_code)
    assert answer is not None and answer.replies == ["Approved alternative: Copilot."]
    with pytest.raises(disclosures.NotFound):
        await disclosures.reply(services, "0" * 32, "hello", ADMIN_ID)
    with pytest.raises(disclosures.InvalidDisclosure):
        await disclosures.reply(services, ident, " " * 3, ADMIN_ID)


async def test_at_k_small_cells_and_small_team_counts_are_withheld(services: Services) -> None:
    """A1: at K disclosures, a reason, a kind of tool or a team below K is not shown."""
    await seed_people(services)
    for user_id in BIG_IDS[:4]:
        await _submit(services, user_id)
    quarter = await _submit(
        services, None, tool_kind="image", reasons=("fear_of_blame", "no_approved_tool")
    )
    view = await reports.overview(services, quarter)
    assert view.total == 5 and view.entries_shown
    # "No approved tool" 5 beside its gate would pin the gate's other reason to 0: withheld.
    assert view.reasons == {}
    assert view.tool_kinds == {} and view.other_tool_kinds == 5  # writing 4 + image 1
    # The counts (entries below them carry no team, so they cannot be joined to one).
    rendered = reports.render_overview(view).split("\n`")[0]
    assert "afraid of blame" not in rendered and "Image" not in rendered
    assert "Writing" not in rendered and "By team" not in rendered and "Platform" not in rendered
    assert "other (5)" in rendered and "Counts below 5 are withheld" in rendered
