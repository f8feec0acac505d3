"""Proof, not trust: after real anonymous submissions, read the database and the logs.

The whole flow runs with root logging at DEBUG into a file (command -> modal -> signed submit
-> claim code check), then every column of every disclosure table and every log line is
searched for the disclosure text, the claim code and the submitter's ID, e-mail and name.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import DateTime, inspect, text
from sqlalchemy.exc import OperationalError

from bot.core import disclosures, quarters
from bot.core.ports import PromptMessage
from bot.core.services import Services
from bot.slack.double import SlackDouble
from bot.slack.simulator import SlackSender
from handlers import ids
from handlers.blocks.prompt import prompt_blocks, prompt_text
from storage.models import Disclosure
from storage.queries.disclosures import SHUFFLE_CAP
from tests.test_disclosure_helpers import (
    BIG_IDS,
    DISCLOSURE_TABLES,
    all_rows,
    code_in,
    ephemeral_reply,
    form,
    open_form,
    seed_people,
    state_values,
)

TOOL = "Quillotron Ghostwriter"
SECRET_WORDS = "PURPLE-ELEPHANT-SENTINEL please buy it"


async def test_whole_flow_leaves_no_trace_in_rows_or_logs(
    services: Services, sender: SlackSender, slack: SlackDouble, debug_log: Path
) -> None:
    people = await seed_people(services)
    submitter = people[BIG_IDS[0]]
    meta = await open_form(sender, slack, BIG_IDS[0])
    values = state_values(TOOL, make_it_easy=SECRET_WORDS)
    reply = await sender.view_submission(
        ids.DISCLOSURE_VIEW, values, user_id=BIG_IDS[0], private_metadata=meta
    )
    code = code_in(reply.json())
    await sender.command(ids.DISCLOSE_COMMAND, f"check {code}", user_id=BIG_IDS[0])
    assert "No reply yet" in await ephemeral_reply(slack, 0)

    identity = [BIG_IDS[0], submitter.email, submitter.name, *submitter.name.split()]
    secrets_ = [code, code.replace("-", ""), meta]
    rows = await all_rows(services)
    for table, table_rows in rows.items():
        flat = " ".join(str(v) for row in table_rows for v in row)
        for needle in identity + secrets_:
            assert needle not in flat, (table, needle)
        if table != "disclosure":
            assert TOOL not in flat and "PURPLE-ELEPHANT" not in flat, table
    assert len(rows["disclosure"]) == 1 and TOOL in str(rows["disclosure"][0])

    for handler in logging.getLogger().handlers:
        handler.flush()
    log = debug_log.read_text(encoding="utf-8")
    assert "flow starts" in log  # the file really received DEBUG records
    for needle in [TOOL, "PURPLE-ELEPHANT", *secrets_, *identity]:
        assert needle not in log, needle
    for line in log.splitlines():  # and no line ties the submitter to the disclosure flow
        assert not (BIG_IDS[0] in line and "disclos" in line.lower()), line


def test_disclosure_table_has_no_identity_or_time_columns() -> None:
    columns = {c.name: c for c in Disclosure.__table__.columns}  # type: ignore[attr-defined]
    forbidden = {
        "user",
        "email",
        "name",
        "person",
        "created",
        "at",
        "ts",
        "time",
        "view",
        "trigger",
    }
    for name, column in columns.items():
        assert not forbidden & set(name.split("_")), name
        assert not isinstance(column.type, DateTime), name
    assert columns["id"].primary_key and "INT" not in str(columns["id"].type).upper()


async def test_schema_holds_identity_only_in_the_contact_table(services: Services) -> None:
    def columns(sync_conn: object) -> dict[str, set[str]]:
        inspector = inspect(sync_conn)
        return {t: {c["name"] for c in inspector.get_columns(t)} for t in DISCLOSURE_TABLES}

    async with services.db.engine.connect() as conn:
        found = await conn.run_sync(columns)
    identity = {"person_id", "slack_user_id", "email", "user_id", "name"}
    for table, names in found.items():
        if table != "disclosurecontact":
            assert not names & identity, table
    assert not {c for c in found["disclosure"] if c[-2:] == "at" or "time" in c}


async def test_insertion_order_is_not_recoverable(services: Services) -> None:
    """PostgreSQL: one xmin for the quarter and a shuffled ctid; SQLite: no rowid at all."""
    codes = []
    for n in range(10):
        done = await disclosures.submit(services, form(f"Tool {n}"), chat_user_id=None)
        codes.append(done.claim_code)
    await asyncio.gather(
        *(disclosures.submit(services, form("Tool x"), chat_user_id=None) for _ in range(5))
    )
    hashes = [disclosures.claim_hash(services, c) for c in codes]
    async with services.db.session() as session:
        if services.db.is_postgres:
            result = await session.execute(
                text("SELECT claim_hash, xmin::text FROM disclosure ORDER BY ctid")
            )
            rows = result.all()
            assert len({xmin for _, xmin in rows}) == 1
            physical = [h for h, _ in rows if h in hashes]
            assert physical != hashes and physical != hashes[::-1]
        else:
            with pytest.raises(Exception, match="rowid"):
                await session.execute(text("SELECT rowid FROM disclosure"))
            result = await session.execute(text("SELECT id FROM disclosure NOT INDEXED"))
            natural = [r[0] for r in result.all()]
            assert natural == sorted(natural)  # stored in random-id order, not arrival order
            ddl = await session.execute(
                text("SELECT sql FROM sqlite_master WHERE name = 'disclosure'")
            )
            assert "WITHOUT ROWID" in ddl.scalar_one().upper()
    assert len(set(hashes)) == 10


def test_reminders_never_mention_disclosures() -> None:
    closes = datetime(2026, 12, 22, tzinfo=UTC)
    for reminder in (1, 2, 3):
        message = PromptMessage(campaign_id="2026Q4", closes_at=closes, reminder=reminder)
        rendered = str([b.to_dict() for b in prompt_blocks(message)]) + prompt_text(message)
        assert ids.OPEN_DISCLOSURE_FORM not in rendered
        assert "disclos" not in rendered.lower() and "anonymous" not in rendered.lower()


async def test_large_quarter_hides_the_new_row_among_a_bounded_random_sample(
    services: Services,
) -> None:
    """Above SHUFFLE_CAP rows (PostgreSQL) the new row shares its xmin with CAP random others."""
    quarter = quarters.quarter_of(services.clock())
    extra = SHUFFLE_CAP + 500
    async with services.db.session() as session:
        for start in range(0, extra, 1000):
            await session.execute(
                Disclosure.__table__.insert(),  # type: ignore[attr-defined]
                [_bulk_row(quarter, n) for n in range(start, min(extra, start + 1000))],
            )
    done = await disclosures.submit(services, form("Newest"), chat_user_id=None)
    async with services.db.session() as session:
        if services.db.is_postgres:
            result = await session.execute(
                text("SELECT xmin::text, count(*) FROM disclosure GROUP BY 1 ORDER BY 2")
            )
            groups = dict(result.all())
            newest = await session.execute(
                text("SELECT xmin::text FROM disclosure WHERE claim_hash = :h"),
                {"h": disclosures.claim_hash(services, done.claim_code)},
            )
            assert groups[newest.scalar_one()] == SHUFFLE_CAP + 1
        else:
            # SQLite: there is no rowid to sort by; every access path (the random primary key
            # or a covering index on content columns) orders rows by what they say, not when.
            with pytest.raises(OperationalError):
                await session.execute(text("SELECT rowid FROM disclosure"))
            count = await session.execute(text("SELECT count(*) FROM disclosure"))
            assert count.scalar_one() == extra + 1


def _bulk_row(quarter: str, n: int) -> dict[str, object]:
    return {
        "id": f"{n:032x}"[::-1],
        "quarter": quarter,
        "tool": "Bulk",
        "tool_key": "bulk",
        "tool_kind": "writing",
        "work_kind": "drafting",
        "frequency": "weekly",
        "data_class": "internal",
        "claim_hash": f"bulk{n}",
        "released": True,  # an old, released batch: the new row alone waits for its own
    }


async def test_concurrent_submits_of_one_form_store_once(services: Services) -> None:
    nonce = disclosures.new_nonce()
    results = await asyncio.gather(
        *(
            disclosures.submit(services, form("Same form"), chat_user_id=None, nonce=nonce)
            for _ in range(4)
        )
    )
    assert len({r.claim_code for r in results}) == 1
    assert sum(not r.duplicate for r in results) == 1
    async with services.db.session() as session:
        stored = await session.execute(text("SELECT count(*) FROM disclosure"))
        assert stored.scalar_one() == 1
