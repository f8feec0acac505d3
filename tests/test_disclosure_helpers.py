"""Shared set-up for the disclosure and privacy suites (no tests here)."""

from __future__ import annotations

import json
import re
from typing import Any

from sqlalchemy import text

from bot.core import disclosures
from bot.core.services import Services
from bot.slack.double import SlackDouble
from bot.slack.simulator import SlackSender, multi, plain, radio, static
from handlers import ids
from handlers.blocks.disclosure_form import ACTION, BLOCKS, CONTACT_OK
from storage.models import Person, Team
from tests.conftest import eventually

BIG_TEAM = "Platform"  # 6 people: at least K=5
SMALL_TEAM = "Tiny"  # 2 people: below K
BIG_IDS = [f"UBIG{i}" for i in range(6)]
SMALL_IDS = ["USMALL0", "USMALL1"]
CODE = re.compile(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}")
DISCLOSURE_TABLES = (
    "disclosure",
    "disclosurecontact",
    "disclosurereply",
    "quarternote",
    "submissionguard",
    "approvedtool",
)


async def seed_people(services: Services) -> dict[str, Person]:
    """Two teams (one of 6, one of 2) with Slack IDs, names and e-mails; returns them by ID."""
    people: dict[str, Person] = {}
    async with services.db.session() as session:
        big, small = Team(name=BIG_TEAM), Team(name=SMALL_TEAM)
        session.add_all([big, small])
        await session.flush()
        for team, user_ids in ((big, BIG_IDS), (small, SMALL_IDS)):
            for n, user_id in enumerate(user_ids):
                person = Person(
                    email=f"{user_id.lower()}@example.com",
                    name=f"Firstname{user_id[1:].title()} Lastname{n}q",
                    team_id=team.id,
                    slack_user_id=user_id,
                )
                session.add(person)
                people[user_id] = person
        await session.flush()
    return people


def form(
    tool: str = "Zorblax Writer",
    *,
    tool_kind: str = "writing",
    work_kind: str = "drafting",
    frequency: str = "weekly",
    data_class: str = "internal",
    reasons: tuple[str, ...] = ("no_approved_tool",),
    make_it_easy: str | None = None,
    contact: bool = False,
) -> disclosures.DisclosureForm:
    return disclosures.validate(
        disclosures.RawDisclosure(
            tool, tool_kind, work_kind, frequency, data_class, reasons, make_it_easy, contact
        )
    )


def state_values(
    tool: str | None = "Zorblax Writer",
    *,
    tool_kind: str | None = "writing",
    work_kind: str | None = "drafting",
    frequency: str | None = "weekly",
    data_class: str | None = "internal",
    reasons: list[str] | None = None,
    make_it_easy: str | None = None,
    contact: bool = False,
) -> dict[str, dict[str, Any]]:
    """view.state.values as Slack sends them for the disclosure modal."""
    values = {
        BLOCKS["tool"]: {ACTION: plain(tool or "")},
        BLOCKS["tool_kind"]: {ACTION: static(tool_kind)},
        BLOCKS["work_kind"]: {ACTION: static(work_kind)},
        BLOCKS["frequency"]: {ACTION: radio(frequency)},
        BLOCKS["data_class"]: {ACTION: radio(data_class)},
        BLOCKS["reasons"]: {ACTION: multi(reasons or ["procurement"])},
        BLOCKS["contact"]: {ACTION: multi([CONTACT_OK] if contact else [])},
    }
    if make_it_easy is not None:
        values[BLOCKS["make_it_easy"]] = {ACTION: plain(make_it_easy)}
    return values


async def open_form(sender: SlackSender, slack: SlackDouble, user_id: str) -> str:
    """Run `/ai-disclose` and return the opened modal's private_metadata."""
    before = len(slack.opened_views)
    reply = await sender.command(ids.DISCLOSE_COMMAND, "", user_id=user_id)
    assert reply.status == 200
    await eventually(lambda: len(slack.opened_views) > before)
    view = slack.opened_views[-1]
    assert view["callback_id"] == ids.DISCLOSURE_VIEW
    assert json.loads(view["private_metadata"])["n"]
    return str(view["private_metadata"])


def code_in(reply_json: dict[str, Any]) -> str:
    """The claim code shown in a confirmation view (response_action: update)."""
    assert reply_json["response_action"] == "update"
    match = CODE.search(json.dumps(reply_json["view"]))
    assert match, reply_json
    return match.group(0)


async def ephemeral_reply(slack: SlackDouble, count_before: int) -> str:
    await eventually(lambda: len(slack.responses) > count_before)
    body = slack.responses[-1]["body"]
    assert body.get("response_type") == "ephemeral"
    return str(body.get("text", ""))


async def all_rows(services: Services) -> dict[str, list[tuple[Any, ...]]]:
    """Every column of every row of every disclosure-related table, read with plain SQL."""
    rows: dict[str, list[tuple[Any, ...]]] = {}
    async with services.db.session() as session:
        for table in DISCLOSURE_TABLES:
            result = await session.execute(text(f"SELECT * FROM {table}"))
            rows[table] = [tuple(r) for r in result.all()]
    return rows


async def count(services: Services, table: str) -> int:
    async with services.db.session() as session:
        return int((await session.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one())
