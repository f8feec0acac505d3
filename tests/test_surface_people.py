"""The remaining surfaces as people see them, over signed HTTP: the disclosure form and its
confirmation, one help style, a manager's and a director's summary, and App Home for an
employee, a manager and an admin (Remind / Close behind confirmations, Reply per row)."""

from __future__ import annotations

import itertools
import json
import time
from pathlib import Path
from typing import Any

from bot.core import campaigns
from bot.core.delivery import run_due_deliveries
from bot.core.services import Services
from bot.slack.double import SlackDouble
from bot.slack.simulator import SlackSender, multi, plain
from handlers import ids
from handlers.blocks.disclosure_form import BLOCKS, REPLY_BLOCK
from tests.conftest import ADMIN_ID, eventually
from tests.stage_fixtures import add_answers, add_disclosures, add_prompts, make_person, make_team
from tests.surface_capture import Capture, message, texts
from tests.surface_org import seed_mature_org
from tests.test_campaign_fixtures import campaign_row, start_at_noon
from tests.test_disclosure_helpers import code_in, open_form, seed_people, state_values


def labels(view: dict[str, Any]) -> list[str]:
    return [b["label"]["text"] for b in view["blocks"] if b["type"] == "input"]


async def home_of(sender: SlackSender, slack: SlackDouble, user: str) -> dict[str, Any]:
    slack.published_home_views.pop(user, None)
    await sender.event({"type": "app_home_opened", "user": user, "tab": "home"})
    return await eventually(lambda: slack.published_home_views.get(user))


def no_double_dividers(blocks: list[dict[str, Any]]) -> bool:
    kinds = [b["type"] for b in blocks]
    return all(not (a == b == "divider") for a, b in itertools.pairwise(kinds))


async def home_click(sender: SlackSender, user: str, action_id: str, value: str) -> None:
    """A button on the Home tab: Slack sends it with a view container and no response_url."""
    await sender.interactive({
        "type": "block_actions", "user": {"id": user}, "api_app_id": "A0LEVERAGE",
        "team": {"id": "T0DOUBLE"}, "container": {"type": "view", "view_id": "VHOME"},
        "trigger_id": sender.new_trigger_id(),
        "actions": [{"type": "button", "action_id": action_id, "block_id": "b",
                     "value": value, "action_ts": str(time.time())}],
    })  # fmt: skip


async def test_disclosure_form_requires_only_the_story(
    services: Services, slack: SlackDouble, sender: SlackSender, tmp_path: Path
) -> None:
    shots = Capture("disclosure", tmp_path)
    await seed_people(services)
    meta = await open_form(sender, slack, "U1")
    form = slack.opened_views[-1]
    shots.add("disclosure-form", "modal", form, "Blameless disclosure form")
    optional = {b["block_id"] for b in form["blocks"] if b.get("optional")}
    assert {BLOCKS["data_class"], BLOCKS["reasons"]} <= optional
    reasons = next(b for b in form["blocks"] if b.get("block_id") == BLOCKS["reasons"])
    options = [o["text"]["text"] for o in reasons["element"]["options"]]
    assert "Something else" in options and "Prefer not to say" in options
    assert not any("(" in label for label in labels(form))  # no "(tick any)", no "(optional)"
    note = texts(form["blocks"])[-1]
    assert note.startswith("*Not kept:*") and note.count("\n") == 2
    values = state_values(data_class=None, reasons=["not_said"])
    values[BLOCKS["data_class"]] = {"value": {"type": "radio_buttons", "selected_option": None}}
    reply = await sender.view_submission(ids.DISCLOSURE_VIEW, values, user_id="U1",
                                         private_metadata=meta)  # fmt: skip
    body = reply.json()
    code = code_in(body)
    shots.add("disclosure-sent", "modal", body["view"], "Disclosure confirmation")
    shown = json.dumps(body["view"])
    assert shown.count(code) == 1 and shown.count("Thank you") == 1
    assert any(t == f"```{code}```" for t in texts(body["view"]["blocks"]))
    assert slack.validation_errors == []


async def test_one_help_style_and_admin_syntax_only_for_admins(
    services: Services, slack: SlackDouble, sender: SlackSender, tmp_path: Path
) -> None:
    shots = Capture("help", tmp_path)
    commands = (ids.LEVERAGE_COMMAND, ids.DISCLOSE_COMMAND, ids.STAGE_COMMAND)
    for command in commands:
        for user in ("UPLAIN", ADMIN_ID):
            before = len(slack.responses)
            await sender.command(command, "help", user_id=user)
            await eventually(lambda before=before: len(slack.responses) > before)
    replies = [r["body"]["text"] for r in slack.responses]
    pairs = zip(replies[::2], replies[1::2], strict=True)
    for command, (plain_help, admin_help) in zip(commands, pairs, strict=True):
        assert plain_help.startswith(f"*{command}*: ") and admin_help.startswith(plain_help[:30])
        assert " admin" not in plain_help and "For admins" not in plain_help
        assert "*For admins*" in admin_help
        others = [c for c in commands if c != command]
        assert all(f"`{other}`" in plain_help for other in others)
    shots.add("help", "message", {"text": replies[0]} | {"ephemeral": True}, "/ai-leverage help")
    shots.add("help-admin", "message", {"text": replies[1]} | {"ephemeral": True},
              "/ai-leverage help (admin)")  # fmt: skip


async def test_manager_and_director_summaries_at_a_glance(
    services: Services, slack: SlackDouble, sender: SlackSender, tmp_path: Path
) -> None:
    shots = Capture("summary", tmp_path)
    org = await seed_mature_org(services, slack)
    await sender.command(ids.LEVERAGE_COMMAND, "team", user_id=org.manager)
    manager = (await eventually(lambda: slack.responses))[0]["body"]
    shots.add("summary-manager", "message", message(manager), "Manager's summary (two teams)")
    await sender.command(ids.LEVERAGE_COMMAND, "team", user_id=org.director)
    director = (await eventually(lambda: len(slack.responses) > 1 and slack.responses))[1]["body"]
    shots.add("summary-director", "message", message(director), "Director's summary")
    for body in (manager, director):
        assert body["text"].startswith("Team summary, Q4 2026.") and body["text"].endswith(".")
        assert body["blocks"][0]["text"]["text"] == "Your teams, Q4 2026"
        flat = " ".join(texts(body["blocks"]))
        assert "Open the full team view" in flat and "other (" not in flat
        assert sum(1 for b in body["blocks"] if b["type"] == "context") == 1  # one footnote
    lines = "\n".join(texts(manager["blocks"])).splitlines()
    assert lines[1].startswith("_Team (people): response · sanctioned share")
    assert "*Platform* (7): 100% · 100% · Procurement" in lines
    assert lines[lines.index("*Platform* (7): 100% · 100% · Procurement") + 2].startswith(
        "*Organisation*: "
    )
    assert "Platform: drafted the weekly report" in json.dumps(manager["blocks"])
    await sender.action(ids.OPEN_TEAM_SUMMARY, user_id=org.manager, value="2026Q4")
    full = await eventually(lambda: slack.opened_views and slack.opened_views[-1])
    shots.add("summary-full", "modal", full, "The full team view")
    assert "Response rate" in json.dumps(full)
    assert slack.validation_errors == []


async def test_a_director_gets_one_summary_at_the_close_with_a_line_per_team(
    services: Services, slack: SlackDouble, sender: SlackSender, tmp_path: Path
) -> None:
    """The close-of-campaign DM, as the outbox sends it: one message for the director, one line
    for each of the four teams they see (two through their manager), a notification text that
    is whole sentences naming every team, never a string cut off."""
    shots = Capture("summary-close", tmp_path)
    org = await seed_mature_org(services, slack)
    await campaigns.close_campaign(services, "2026Q4")
    await run_due_deliveries(services)
    (dm,) = [m for m in slack.messages_to(org.director) if not m["ephemeral"]]
    shots.add("summary-director-dm", "message", message(dm), "Director's DM at the close")
    lines = "\n".join(texts(dm["blocks"])).splitlines()
    teams = [line for line in lines if line.startswith("*") and " (7): " in line]
    assert sorted(t.split("*")[1] for t in teams) == ["Data", "Payments", "Platform", "Support"]
    assert sum(1 for line in lines if line.startswith("*Organisation*: ")) == 1
    text = dm["text"]
    assert text.startswith("Team summary, Q4 2026. ") and text.endswith(".") and "…" not in text
    for name in ("Data", "Payments", "Platform", "Support"):
        assert f"{name} (7 people): 7 of 7 (100%) answered" in text
    (mine,) = [m for m in slack.messages_to(org.manager) if not m["ephemeral"]]
    assert "Data (7 people)" not in mine["text"] and "Platform (7 people)" in mine["text"]
    assert slack.validation_errors == []


async def test_single_team_summary_uses_fields(
    services: Services, slack: SlackDouble, sender: SlackSender, tmp_path: Path
) -> None:
    shots = Capture("summary-one", tmp_path)
    await seed_mature_org(services, slack)
    await sender.command(ids.LEVERAGE_COMMAND, "team", user_id="UPLATFORM0")
    await eventually(lambda: slack.responses)
    boss = await make_person(services.db, "Solo Boss", "USOLOBOSS")
    squad, people = await make_team(services.db, "Solo squad", 8, manager=boss)
    await add_prompts(services.db, "2026Q3", people)
    await add_prompts(services.db, "2026Q4", people)
    await add_answers(services.db, "2026Q3", squad, people[:5], work_kind="research")
    await add_answers(
        services.db,
        "2026Q4",
        squad,
        people[:7],
        work_kind="research",
        obstacle_legal_review=True,
        share_consent=True,
        example="Screened 200 papers for the review in a day instead of a week",
    )
    await sender.command(ids.LEVERAGE_COMMAND, "team", user_id="USOLOBOSS")
    body = (await eventually(lambda: len(slack.responses) > 1 and slack.responses))[1]["body"]
    shots.add("summary-one-team", "message", message(body), "Manager's summary (one team)")
    fields = next(b for b in body["blocks"] if b.get("fields"))["fields"]
    titles = [f["text"].split("\n")[0] for f in fields]
    assert titles == ["*Response*", "*Sanctioned share*", "*Most reported obstacle*",
                      "*Kinds of work*"]  # fmt: skip
    assert all("org " in f["text"] for f in fields[:3])
    assert body["blocks"][0]["text"]["text"] == "Your team, Q4 2026"


async def test_app_home_for_employee_manager_and_admin(
    services: Services, slack: SlackDouble, sender: SlackSender, tmp_path: Path
) -> None:
    shots = Capture("home", tmp_path)
    org = await seed_mature_org(services, slack)
    employee = await home_of(sender, slack, org.employee)
    shots.add("home-employee", "home", employee, "App Home (employee)")
    manager = await home_of(sender, slack, org.manager)
    shots.add("home-manager", "home", manager, "App Home (manager)")
    for view in (employee, manager):
        assert no_double_dividers(view["blocks"])
        flat = " ".join(texts(view["blocks"]))
        # Q4's "repeatable kinds" is withheld, so its published figures allow stage 3 or 4:
        # the lower is shown (docs/privacy.md, "The stage number").
        assert "Stage by quarter:* Q3 2026: 1 → Q4 2026: 3" in flat and "For admins" not in flat
    assert "Your teams, Q4 2026" in json.dumps(manager) and "Your team" not in json.dumps(employee)
    assert slack.validation_errors == []


async def test_admin_home_remind_close_and_reply(
    services: Services, slack: SlackDouble, sender: SlackSender, tmp_path: Path
) -> None:
    shots = Capture("home-admin", tmp_path)
    await start_at_noon(services, slack, 3)
    slack.add_user(ADMIN_ID, email="admin@example.com")
    await run_due_deliveries(services)
    await make_team(services.db, "Elsewhere", 5)  # disclosures show in a directory of K only
    await add_disclosures(services.db, "2026Q4", 5, reason_review_slow=True)
    home = await home_of(sender, slack, ADMIN_ID)
    shots.add("home-admin", "home", home, "App Home (admin)")
    assert no_double_dividers(home["blocks"])
    buttons = {e["action_id"]: e for b in home["blocks"] if b["type"] == "actions"
               for e in b["elements"]}  # fmt: skip
    assert buttons[ids.ADMIN_REMIND]["confirm"] and buttons[ids.ADMIN_CLOSE]["confirm"]
    replies = [b["accessory"] for b in home["blocks"]
               if (b.get("accessory") or {}).get("action_id") == ids.DISCLOSURE_REPLY]  # fmt: skip
    assert len(replies) == 5 and all(len(r["value"]) <= 12 for r in replies)  # short refs
    assert all(f"`{r['value']}`" in json.dumps(home["blocks"]) for r in replies)
    await home_click(sender, "UPLAIN", ids.ADMIN_CLOSE, "2026Q4")  # not an admin: nothing
    await home_click(sender, ADMIN_ID, ids.ADMIN_REMIND, "2026Q4")
    notice = await eventually(lambda: "Reminder queued" in json.dumps(
        slack.published_home_views.get(ADMIN_ID, {})))  # fmt: skip
    assert notice and (await campaign_row(services, "2026Q4")).status == "open"  # type: ignore[union-attr]
    await home_click(sender, ADMIN_ID, ids.DISCLOSURE_REPLY, replies[0]["value"])
    modal = await eventually(lambda: slack.opened_views and slack.opened_views[-1])
    shots.add("disclosure-reply", "modal", modal, "Admin reply to a disclosure")
    answer = await sender.view_submission(
        ids.DISCLOSURE_REPLY_VIEW, {REPLY_BLOCK: {"value": plain("We approved a tool for this.")}},
        user_id=ADMIN_ID, private_metadata=modal["private_metadata"],
    )  # fmt: skip
    assert answer.json()["response_action"] == "update"
    await home_click(sender, ADMIN_ID, ids.ADMIN_CLOSE, "2026Q4")
    await eventually(lambda: "is closed" in json.dumps(slack.published_home_views[ADMIN_ID]))
    assert (await campaign_row(services, "2026Q4")).status == "closed"  # type: ignore[union-attr]
    assert slack.validation_errors == [] and multi([])
