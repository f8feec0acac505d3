"""The whole lifecycle through signed Slack requests: propose, review (changes, revise, approve,
the clock's auto-approval), production, rotation, outcomes, the registry in the stage."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.core import audit, gates, review, tool_catalog, usecases
from bot.core.services import Services
from bot.slack.double import SlackDouble
from bot.slack.simulator import SlackSender, plain, static
from handlers import ids
from storage.models import Person, Team
from tests.conftest import ADMIN_ID, eventually
from tests.surface_capture import Capture, message

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
PROPOSER, LEGAL, SECURITY, OWNER2, OWNER3 = "UPROP", "ULEGAL", "USEC", "UOWN2", "UOWN3"


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


async def seed(services: Services, slack: SlackDouble) -> None:
    services.clock = Clock(T0)
    for user in (PROPOSER, LEGAL, SECURITY, OWNER2, OWNER3, ADMIN_ID):
        slack.add_user(user, email=f"{user.lower()}@example.com")
    slack.add_usergroup("SSECURITY", handle="security", name="Security", user_ids=[SECURITY])
    async with services.db.session() as session:
        team = Team(name="Legal ops")
        session.add(team)
        await session.flush()
        session.add(
            Person(
                email="uprop@example.com",
                name="Pat Proposer",
                team_id=team.id,
                slack_user_id=PROPOSER,
            )
        )
    await gates.set_gate(services, "legal", LEGAL, by="test")
    await gates.set_gate(services, "security", "SSECURITY", sla_days=7, by="test")
    await tool_catalog.add_tool(
        services, "Claude", uses="drafting,summarising", data_classes="internal,confidential"
    )


def proposal_state(tool_key: str = "claude", **text: str) -> dict[str, Any]:
    fields = {
        "name": "Contract summaries",
        "team": "Legal ops",
        "description": "Summarise supplier contracts before legal review.",
        "expected_outcome": "A first review in a day",
        "measurement": "Days to signature",
        "new_tool": "",
        **text,
    }
    values = {name: {"value": plain(value)} for name, value in fields.items()}
    values["tool"] = {"value": static(tool_key)}
    values["data_class"] = {"value": static("confidential")}
    return values


async def last_view(slack: SlackDouble, before: int, callback_id: str) -> dict[str, Any]:
    await eventually(lambda: len(slack.opened_views) + len(slack.pushed_views) > before)
    view = (slack.opened_views + slack.pushed_views)[-1]
    assert view["callback_id"] == callback_id
    return view


def views(slack: SlackDouble) -> int:
    return len(slack.opened_views) + len(slack.pushed_views)


def buttons(message: dict[str, Any]) -> dict[str, str]:
    found = {}
    for block in message.get("blocks") or []:
        for element in block.get("elements") or []:
            if element.get("type") == "button":
                found[element["action_id"]] = element.get("value", "")
        accessory = block.get("accessory") or {}
        if accessory.get("type") == "button":
            found[accessory["action_id"]] = accessory.get("value", "")
    return found


async def reply_after(slack: SlackDouble, before: int) -> dict[str, Any]:
    await eventually(lambda: len(slack.responses) > before)
    return slack.responses[-1]["body"]


async def test_the_whole_lifecycle_through_slack(
    services: Services, sender: SlackSender, slack: SlackDouble, tmp_path: Path
) -> None:
    await seed(services, slack)
    shots = Capture("usecases", tmp_path)

    # 1. Propose with /ai-leverage propose: the form offers the catalog and pre-fills the team.
    before = views(slack)
    assert (await sender.command(ids.LEVERAGE_COMMAND, "propose", user_id=PROPOSER)).status == 200
    form = await last_view(slack, before, ids.PROPOSE_VIEW)
    assert "Claude" in json.dumps(form["blocks"]) and "Legal ops" in json.dumps(form["blocks"])
    shots.add("usecase-propose", "modal", form, "Proposing a team use case")
    empty = await sender.view_submission(
        ids.PROPOSE_VIEW, {}, user_id=PROPOSER, private_metadata=form["private_metadata"]
    )
    assert empty.json()["response_action"] == "errors"
    done = await sender.view_submission(
        ids.PROPOSE_VIEW,
        proposal_state(),
        user_id=PROPOSER,
        private_metadata=form["private_metadata"],
    )
    assert done.json()["response_action"] == "update"
    [case] = await usecases.list_use_cases(services)
    assert case["state"] == "in_review"
    assert sorted(g["name"] for g in case["gates"]) == ["legal", "security"]

    # 2. The clock's job sends the review requests (the group expanded to its member).
    await review.tick(services, T0 + timedelta(minutes=1))
    legal_dm = slack.messages_to(LEGAL)[-1]
    security_dm = slack.messages_to(SECURITY)[-1]
    assert ids.GATE_APPROVE in buttons(legal_dm) and ids.GATE_REJECT in buttons(security_dm)
    shots.add("gate-review-dm", "message", message(legal_dm), "A reviewer's DM")

    # 3. Security asks for changes: a reason is required.
    security_review = buttons(security_dm)[ids.GATE_CHANGES]
    before = views(slack)
    await sender.action(ids.GATE_CHANGES, user_id=SECURITY, value=security_review)
    reason_form = await last_view(slack, before, ids.REASON_VIEW)
    meta = reason_form["private_metadata"]
    shots.add("gate-reason", "modal", reason_form, "Ask for changes: a reason is required")
    blank = await sender.view_submission(
        ids.REASON_VIEW, {"reason": {"value": plain(" ")}}, user_id=SECURITY, private_metadata=meta
    )
    assert "reason" in blank.json()["errors"]
    sent = await sender.view_submission(
        ids.REASON_VIEW,
        {"reason": {"value": plain("Which data leaves the EU?")}},
        user_id=SECURITY,
        private_metadata=meta,
    )
    assert sent.json()["response_action"] == "update"
    # Only the gate's reviewers may decide: the proposer's click is refused politely.
    before = len(slack.responses)
    await sender.action(
        ids.GATE_APPROVE, user_id=PROPOSER, value=buttons(legal_dm)[ids.GATE_APPROVE]
    )
    assert "reviewers" in (await reply_after(slack, before))["text"]

    # 4. The proposer hears it and revises; the gate opens again for the new revision.
    await review.tick(services, T0 + timedelta(hours=1))
    decision = slack.messages_to(PROPOSER)[-1]
    assert "Which data leaves the EU?" in json.dumps(decision["blocks"])
    before = views(slack)
    await sender.action(
        ids.USECASE_REVISE, user_id=PROPOSER, value=buttons(decision)[ids.USECASE_REVISE]
    )
    revise_form = await last_view(slack, before, ids.PROPOSE_VIEW)
    await sender.view_submission(
        ids.PROPOSE_VIEW,
        proposal_state(description="Summaries stay in the EU tenant."),
        user_id=PROPOSER,
        private_metadata=revise_form["private_metadata"],
    )
    case = (await usecases.list_use_cases(services))[0]
    security = next(g for g in case["gates"] if g["name"] == "security")
    assert (security["state"], security["revision"]) == ("pending", 2)
    await review.tick(services, T0 + timedelta(hours=2))  # the new revision's request DM
    revised_dm = slack.messages_to(SECURITY)[-1]
    assert buttons(revised_dm)[ids.GATE_APPROVE] == str(security["review_id"])

    # 5. Legal approves from the DM (a double click changes nothing); nobody decides security:
    #    the clock approves it when its 7-day SLA passes, once, and it becomes a pilot.
    legal_review = buttons(legal_dm)[ids.GATE_APPROVE]
    for _ in range(2):
        await sender.action(ids.GATE_APPROVE, user_id=LEGAL, value=legal_review)
    await eventually(lambda: len([e for e in slack.responses if "Already" in json.dumps(e)]) >= 1)
    services.clock = Clock(T0 + timedelta(days=8))
    first = await review.tick(services)
    second = await review.tick(services)
    assert len(first.auto_approved) == 1 and second.auto_approved == []
    case = (await usecases.list_use_cases(services))[0]
    assert case["state"] == "pilot"
    assert {g["name"]: g["state"] for g in case["gates"]} == {
        "legal": "approved",
        "security": "auto_approved",
    }
    told = [m for m in slack.messages_to(PROPOSER) if "automatically" in json.dumps(m)]
    assert len(told) == 1
    shots.add("gate-auto-approved", "message", message(told[0]), "The clock approved")
    assert any("automatically" in json.dumps(m) for m in slack.messages_to(SECURITY))
    # Security clicks Approve on the request DM after the clock approved: told, nothing changes.
    before = len(slack.responses)
    await sender.action(
        ids.GATE_APPROVE, user_id=SECURITY, value=buttons(revised_dm)[ids.GATE_APPROVE]
    )
    late = json.dumps(await reply_after(slack, before))
    assert "Already decided" in late and "the clock" in late

    # 6. Production from the pilot notice: a link and two owners.
    pilot = next(m for m in slack.messages_to(PROPOSER) if ids.USECASE_PRODUCTION in buttons(m))
    before = views(slack)
    await sender.action(
        ids.USECASE_PRODUCTION, user_id=PROPOSER, value=buttons(pilot)[ids.USECASE_PRODUCTION]
    )
    prod_form = await last_view(slack, before, ids.PRODUCTION_VIEW)
    shots.add("usecase-pilot-dm", "message", message(pilot), "Every gate passed")
    shots.add("usecase-production", "modal", prod_form, "Moving to production")

    def production(url: str, owners: list[str]) -> dict[str, Any]:
        return {
            "process_url": {"value": {"type": "url_text_input", "value": url}},
            "owners": {"value": {"type": "multi_users_select", "selected_users": owners}},
        }

    refused = await sender.view_submission(
        ids.PRODUCTION_VIEW,
        production("wiki", [PROPOSER]),
        user_id=PROPOSER,
        private_metadata=prod_form["private_metadata"],
    )
    assert set(refused.json()["errors"]) == {"process_url", "owners"}
    url = "https://wiki.example.com/contracts"
    moved = await sender.view_submission(
        ids.PRODUCTION_VIEW,
        production(url, [PROPOSER, OWNER2]),
        user_id=PROPOSER,
        private_metadata=prod_form["private_metadata"],
    )
    assert moved.json()["response_action"] == "update"

    # 7. The proposer hands over: the new owners keep it in production (survived rotation).
    before = len(slack.responses)
    await sender.command(ids.LEVERAGE_COMMAND, f"usecase {case['id']}", user_id=OWNER2)
    card = await reply_after(slack, before)
    assert ids.USECASE_OUTCOME in buttons(card)
    shots.add("usecase-card", "message", message(card), "/ai-leverage usecase ID")
    await sender.view_submission(
        ids.PRODUCTION_VIEW,
        production(url, [OWNER2, OWNER3]),
        user_id=OWNER2,
        private_metadata=str(case["id"]),
    )
    outcome = {
        "quarter": {"value": static("2026Q4")},
        "summary": {"value": plain("Contracts reviewed in a day")},
        "metric": {"value": plain("7 days -> 1 day")},
    }
    saved = await sender.view_submission(
        ids.OUTCOME_VIEW, outcome, user_id=OWNER3, private_metadata=str(case["id"])
    )
    assert saved.json()["response_action"] == "update"
    stranger = await sender.view_submission(
        ids.RETIRE_VIEW,
        {"reason": {"value": plain("x")}},
        user_id=LEGAL,
        private_metadata=str(case["id"]),
    )
    assert "owners" in json.dumps(stranger.json()["errors"])

    listed = (await usecases.list_use_cases(services))[0]
    assert (listed["state"], listed["survived_rotation"]) == ("production", True)
    assert listed["outcomes"][0]["metric"] == "7 days -> 1 day"
    for key in ("id", "name", "team", "state", "gates", "survived_rotation"):
        assert key in listed
    assert all({"name", "state", "due_at", "decided_by"} <= set(g) for g in listed["gates"])

    # 8. The registry feeds the stage: /ai-stage usecases and the stage's evidence cite it.
    before = len(slack.responses)
    await sender.command(ids.STAGE_COMMAND, "usecases", user_id=LEGAL)
    registry = json.dumps(await reply_after(slack, before))
    assert "Contract summaries" in registry and "survived rotation" in registry
    assert "Gate *legal*" in registry and "<!subteam^SSECURITY>" in registry
    shots.add(
        "usecase-registry", "message", message(slack.responses[-1]["body"]), "/ai-stage usecases"
    )
    before = len(slack.responses)
    await sender.command(ids.STAGE_COMMAND, "", user_id=LEGAL)
    stage = await reply_after(slack, before)
    before = views(slack)
    await sender.action(ids.STAGE_EVIDENCE, user_id=LEGAL, value=buttons(stage)[ids.STAGE_EVIDENCE])
    await eventually(lambda: views(slack) > before)
    evidence = (slack.opened_views + slack.pushed_views)[-1]
    assert "Registry: 1 production use cases" in json.dumps(evidence)

    # 9. An owner retires it from its card (a reason required); it keeps its history.
    before = len(slack.responses)
    await sender.command(ids.LEVERAGE_COMMAND, f"usecase {case['id']}", user_id=OWNER3)
    card = await reply_after(slack, before)
    before = views(slack)
    await sender.action(ids.USECASE_RETIRE, user_id=OWNER3, value=buttons(card)[ids.USECASE_RETIRE])
    retire_form = await last_view(slack, before, ids.RETIRE_VIEW)
    shots.add("usecase-retire", "modal", retire_form, "Retiring a use case")
    meta = retire_form["private_metadata"]
    blank = await sender.view_submission(
        ids.RETIRE_VIEW, {"reason": {"value": plain(" ")}}, user_id=OWNER3, private_metadata=meta
    )
    assert "reason" in blank.json()["errors"]
    retired = await sender.view_submission(
        ids.RETIRE_VIEW,
        {"reason": {"value": plain("Replaced by the contract platform")}},
        user_id=OWNER3,
        private_metadata=meta,
    )
    assert retired.json()["response_action"] == "update"
    shown = await usecases.show(services, case["id"])
    assert shown is not None
    assert (shown["state"], shown["retired_reason"]) == (
        "retired", "Replaced by the contract platform",
    )  # fmt: skip
    assert shown["outcomes"][0]["quarter"] == "2026Q4" and shown["survived_rotation"]
    lifecycle = [e["action"] for e in shown["audit"] if e["action"].startswith("usecase.")]
    assert lifecycle == [
        "usecase.proposed", "usecase.revised", "usecase.pilot", "usecase.owners",
        "usecase.production", "usecase.owners", "usecase.survived_rotation", "usecase.outcome",
        "usecase.retired",
    ], lifecycle  # fmt: skip
    assert (await audit.verify(services)).ok


async def test_make_this_a_team_use_case_prefills_from_the_example(
    services: Services, sender: SlackSender, slack: SlackDouble
) -> None:
    await seed(services, slack)
    from bot.core import campaigns

    services.clock = Clock(datetime(2026, 12, 9, 9, 0, tzinfo=UTC))
    await campaigns.start_campaign(services, now=True)
    campaign_id = (await campaigns.campaign_status(services)).campaign_id
    example = "Drafted supplier contract summaries with Claude before review"
    answer = {
        "example": {"value": plain(example)},
        "work_kind": {"value": static("summarising")},
        "tool": {"value": plain("Claude")},
    }
    reply = await sender.view_submission(
        ids.ANSWER_VIEW, answer, user_id=PROPOSER, private_metadata=campaign_id
    )
    assert reply.status == 200, reply.text
    before = views(slack)
    await sender.action(ids.PROPOSE_FROM_ANSWER, user_id=PROPOSER, value=campaign_id)
    form = await last_view(slack, before, ids.PROPOSE_VIEW)
    text = json.dumps(form["blocks"])
    assert example in text and "Legal ops" in text
    assert json.loads(form["private_metadata"])["a"]


async def test_demand_reaches_admins_as_counts_one_click_from_procurement(
    services: Services, sender: SlackSender, slack: SlackDouble
) -> None:
    await seed(services, slack)
    await gates.set_gate(services, "procurement", "UBUYER", applies_to="new_tool", by="test")
    slack.add_user("UBUYER", email="ubuyer@example.com")
    from bot.core import disclosures
    from tests.test_disclosure_helpers import seed_people

    await seed_people(services)
    form = disclosures.validate(
        disclosures.RawDisclosure(
            tool="Otter",
            tool_kind="other",
            work_kind="meeting_notes",
            frequency="weekly",
            data_class="internal",
            reasons=("no_approved_tool",),
        )
    )
    for _ in range(services.min_group_size):
        await disclosures.submit(services, form, chat_user_id=None)
    before = len(slack.responses)
    await sender.command(ids.LEVERAGE_COMMAND, "tools", user_id=ADMIN_ID)
    shown = await reply_after(slack, before)
    assert "Otter" in json.dumps(shown)
    assert buttons(shown)[ids.TOOL_REQUEST_DEMAND] == "Otter"
    before = len(slack.responses)
    await sender.action(ids.TOOL_REQUEST_DEMAND, user_id=ADMIN_ID, value="Otter")
    assert "Procurement request" in (await reply_after(slack, before))["text"]
    [request] = await usecases.list_use_cases(services, kind="tool_request")
    assert [g["name"] for g in request["gates"]] == ["procurement"]
    assert "Named in 5 anonymous disclosures" in request["description"]
    await review.decide(services, request["gates"][0]["review_id"], "UBUYER", "approve")
    assert "Otter" in [t.label for t in await tool_catalog.catalog(services)]


async def test_the_answer_form_offers_the_approved_catalog(
    services: Services, sender: SlackSender, slack: SlackDouble
) -> None:
    await seed(services, slack)
    from bot.core import campaigns

    services.clock = Clock(datetime(2026, 12, 9, 9, 0, tzinfo=UTC))
    await campaigns.start_campaign(services, now=True)
    before = views(slack)
    await sender.command(ids.LEVERAGE_COMMAND, "", user_id=PROPOSER)
    form = await last_view(slack, before, ids.ANSWER_VIEW)
    tool = next(b for b in form["blocks"] if b.get("block_id") == "tool")
    assert "Approved tools: Claude" in tool["hint"]["text"]


async def test_the_disclosure_form_offers_the_approved_catalog(
    services: Services, sender: SlackSender, slack: SlackDouble, tmp_path: Path
) -> None:
    """The amnesty form names what is approved already: the open path, where it matters most."""
    await seed(services, slack)
    await tool_catalog.add_tool(services, "Copilot", uses="coding", data_classes="internal")
    before = views(slack)
    assert (await sender.command(ids.DISCLOSE_COMMAND, "", user_id=PROPOSER)).status == 200
    form = await last_view(slack, before, ids.DISCLOSURE_VIEW)
    tool = next(b for b in form["blocks"] if b.get("block_id") == "disclose_tool")
    assert "Claude, Copilot" in tool["hint"]["text"]
    Capture("disclosure", tmp_path).add("disclosure-form", "modal", form, "/ai-disclose")


async def test_request_a_tool_goes_through_procurement_with_its_own_sla_once(
    services: Services, sender: SlackSender, slack: SlackDouble
) -> None:
    """`/ai-leverage tools` -> Request a tool -> the form, submitted twice at once (a double
    click): one procurement request, reviewed only by the new-tool gate within its own SLA;
    nobody decides, so the clock approves it and the tool joins the catalog."""
    import asyncio

    await seed(services, slack)
    slack.add_user("UBUYER", email="ubuyer@example.com")
    await gates.set_gate(
        services, "procurement", "UBUYER", applies_to="new_tool", sla_days=5, by="test"
    )
    before = len(slack.responses)
    await sender.command(ids.LEVERAGE_COMMAND, "tools", user_id=PROPOSER)
    shown = await reply_after(slack, before)
    before = views(slack)
    await sender.action(
        ids.TOOL_REQUEST_OPEN, user_id=PROPOSER, value=buttons(shown)[ids.TOOL_REQUEST_OPEN]
    )
    form = await last_view(slack, before, ids.TOOL_REQUEST_VIEW)
    values = {
        "tool": {"value": plain("Otter")},
        "why": {"value": plain("Meeting notes for support calls")},
        "data_class": {"value": static("internal")},
    }
    replies = await asyncio.gather(
        *(
            sender.view_submission(
                ids.TOOL_REQUEST_VIEW, values, user_id=PROPOSER,
                private_metadata=form.get("private_metadata", ""),
            )
            for _ in range(2)
        )
    )  # fmt: skip
    assert sorted(r.status for r in replies) == [200, 200]
    [request] = await usecases.list_use_cases(services, kind="tool_request")
    [gate] = request["gates"]
    assert (gate["name"], gate["sla_days"]) == ("procurement", 5)
    assert datetime.fromisoformat(gate["due_at"]) == T0 + timedelta(days=5)
    actions = sorted(r.json().get("response_action") for r in replies)
    assert actions == ["errors", "update"], [r.text for r in replies]
    await review.tick(services, T0 + timedelta(minutes=1))
    assert ids.GATE_APPROVE in buttons(slack.messages_to("UBUYER")[-1])
    await review.tick(services, T0 + timedelta(days=5))
    assert "Otter" in [t.label for t in await tool_catalog.catalog(services)]


async def test_every_way_into_the_catalog_is_in_the_audit_trail(
    services: Services, sender: SlackSender, slack: SlackDouble
) -> None:
    """`/ai-disclose admin approve` (the disclosure admins' shortcut) changes the catalog too: the
    trail records it with who did it, like `tools add` and the procurement gate."""
    await seed(services, slack)
    before = len(slack.responses)
    await sender.command(ids.DISCLOSE_COMMAND, "admin approve Otter", user_id=ADMIN_ID)
    assert "Added" in (await reply_after(slack, before))["text"]
    entries = (await audit.export(services))["entries"]
    [added] = [e for e in entries if e["detail"].get("tool") == "Otter"]
    assert (added["action"], added["actor"]) == ("tool.approved", ADMIN_ID)
    assert "Otter" in [t.label for t in await tool_catalog.catalog(services)]
    assert (await audit.verify(services)).ok


async def test_an_escalated_gate_is_decided_by_the_named_person_in_slack(
    services: Services, sender: SlackSender, slack: SlackDouble
) -> None:
    """The SLA passes on a gate that escalates: the named person gets a DM with the buttons,
    a former reviewer's click names them, and their click decides the gate."""
    await seed(services, slack)
    slack.add_user("UBOSS", email="uboss@example.com")
    await gates.set_gate(services, "legal", on_timeout="escalate", escalate_to="UBOSS")
    await gates.remove_gate(services, "security")
    case = await usecases.propose(services, PROPOSER, usecases.validate_proposal({
        "name": "Contract summaries", "team": "Legal ops", "tool": "Claude",
        "data_class": "internal", "description": "Summaries", "expected_outcome": "Faster",
        "measurement": "Days",
    }))  # fmt: skip
    await review.tick(services, T0 + timedelta(minutes=1))
    request = slack.messages_to(LEGAL)[-1]
    services.clock = Clock(T0 + timedelta(days=14))
    report = await review.tick(services)
    assert report.escalated == [case["gates"][0]["review_id"]]
    before = len(slack.responses)
    await sender.action(ids.GATE_APPROVE, user_id=LEGAL, value=buttons(request)[ids.GATE_APPROVE])
    assert "<@UBOSS>" in (await reply_after(slack, before))["text"]
    escalated = slack.messages_to("UBOSS")[-1]
    before = len(slack.responses)
    await sender.action(
        ids.GATE_APPROVE, user_id="UBOSS", value=buttons(escalated)[ids.GATE_APPROVE]
    )
    await reply_after(slack, before)
    [shown] = await usecases.list_use_cases(services)
    assert (shown["state"], shown["gates"][0]["state"]) == ("pilot", "approved")
    assert shown["gates"][0]["decided_by"] == "UBOSS"
    assert any("escalated" in json.dumps(m) for m in slack.messages_to(PROPOSER))


async def test_a_user_group_that_could_not_be_read_is_asked_once_it_can(
    services: Services, sender: SlackSender, slack: SlackDouble
) -> None:
    """Slack refuses usergroups.list when the proposal comes in: the gate keeps the group and
    the next tick that can read it asks its members (once), instead of a gate nobody was asked
    about auto-approving in silence."""
    await seed(services, slack)
    await gates.remove_gate(services, "legal")
    slack.fail_next("usergroups.list", error="internal_error")
    before = views(slack)
    await sender.command(ids.LEVERAGE_COMMAND, "propose", user_id=PROPOSER)
    form = await last_view(slack, before, ids.PROPOSE_VIEW)
    done = await sender.view_submission(
        ids.PROPOSE_VIEW, proposal_state(), user_id=PROPOSER,
        private_metadata=form["private_metadata"],
    )  # fmt: skip
    assert done.json()["response_action"] == "update"
    [case] = await usecases.list_use_cases(services)
    assert case["gates"][0]["reviewers"] == ["SSECURITY"]
    slack.fail_next("usergroups.list", error="internal_error")  # still down at the first tick
    reports = []
    for minutes in (1, 2, 3):
        services.clock = Clock(T0 + timedelta(minutes=minutes))
        reports.append(await review.tick(services))
    assert [bool(r.resolved) for r in reports] == [False, True, False]
    [dm] = [m for m in slack.messages_to(SECURITY) if ids.GATE_APPROVE in buttons(m)]
    assert reports[-1].notices.get("sent", 0) == 0  # the third tick asked nobody again
    [case] = await usecases.list_use_cases(services)
    assert case["gates"][0]["reviewers"] == [SECURITY]
    await sender.action(ids.GATE_APPROVE, user_id=SECURITY, value=buttons(dm)[ids.GATE_APPROVE])

    async def piloted() -> bool:
        shown = await usecases.show(services, case["id"])
        return shown is not None and shown["state"] == "pilot"

    await eventually(piloted)
    entries = [e["action"] for e in (await audit.export(services))["entries"]]
    assert entries.count("gate.reviewers_resolved") == 1
