"""The demo: several quarters of a synthetic organisation, through the real flows, offline.

Nothing here is a shortcut around the product: the directory is imported from CSV with Slack
look-ups, prompts go out through the delivery outbox to a Slack Web API double over loopback
HTTP, the latest quarter's answers arrive as signed view submissions to the real app, and the
report is the one `/ai-stage` shows. Only time is simulated, so that six quarters take seconds.
"""

from __future__ import annotations

import os
import random
import shutil
import sys
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from aiohttp import web
from pydantic import SecretStr

from bot.config import load_settings
from bot.core import answers, campaigns, disclosures, quarters
from bot.core.delivery import run_due_deliveries
from bot.core.directory import import_directory
from bot.core.facts import set_facts
from bot.core.reports import write_report
from bot.core.services import Services
from bot.core.stage import assess
from bot.core.team_summary import build_team_summary
from bot.demo import DEFAULT_OUT, DEMO_HASH_KEY
from bot.demo.gates import gates_story
from bot.demo.synthetic import DemoOrg, answer_for, build_org, disclosure_for
from bot.demo.teams import TeamsSide, doubles_expected, teams_settings
from bot.slack.app import create_bolt_app, create_web_app
from bot.slack.double import SlackDouble
from bot.slack.simulator import SlackSender, multi, number, plain, radio, static
from bot.teams.double import BotConnectorDouble
from bot.teams.hosting import mount_teams
from handlers import ids
from storage.db import Database
from storage.queries import org as org_queries

SIGNING_SECRET = "demo-signing-secret"
ADMIN = "U0000001"  # the synthetic CEO
# Process facts as the organisation adopts the article's changes, by quarter index.
FACTS_BY_QUARTER = {
    1: {"ai_policy": "true"},
    2: {"review_path": "true", "review_sla_days": "30"},
    3: {"review_sla_days": "14", "training_completion_pct": "92"},
    4: {"procurement_ai_default": "true"},
}


class DemoClock:
    """The simulated "now" every core call reads through `Services.clock`."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


@dataclass
class QuarterLine:
    quarter: str
    prompted: int
    answered: int
    disclosures: int


# What a run leaves in its output folder; SQLite's side files must never outlive their database.
OUTPUTS = ("demo.db", "ai-stage.png", "ai-stage.html")
SQLITE_SIDE_FILES = ("demo.db-wal", "demo.db-shm", "demo.db-journal")


async def run_demo(out: Path, *, people: int, quarters: int, seed: int) -> None:
    """Build everything in a staging folder inside `out`, then move it into place: a run that
    fails half-way leaves the previous database, chart and report as they were, consistent."""
    out.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".demo-run-", dir=out))
    try:
        labels = await _build(staging, people=people, quarters=quarters, seed=seed)
        _publish(staging, out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    _print_outputs(out, labels[0])


def _publish(staging: Path, out: Path) -> None:
    for side in SQLITE_SIDE_FILES:
        (out / side).unlink(missing_ok=True)
    for name in (*SQLITE_SIDE_FILES, *OUTPUTS):
        if (staging / name).exists():
            os.replace(staging / name, out / name)


async def _build(folder: Path, *, people: int, quarters: int, seed: int) -> list[str]:
    """The whole simulation into `folder`; returns the quarters simulated, oldest first."""
    rng = random.Random(seed)
    labels = _history(quarters)
    clock = DemoClock(_opening(labels[0]))
    connector = BotConnectorDouble()
    await connector.start()
    teams = TeamsSide(connector)
    async with SlackDouble() as slack:
        services = _services(slack.base_url, folder / "demo.db", clock)
        services.settings = teams_settings(services.settings, connector)
        await services.db.migrate()
        org = build_org(rng, people)
        for person in org.people:
            slack.add_user(
                person.slack_user_id,
                email=person.email,
                real_name=person.name,
                name=person.email.split("@")[0],
                tz=person.tz,
            )
        with doubles_expected():
            runner, url = await _start_app(services)
        sender = SlackSender(url, SIGNING_SECRET, slack.response_url_base)
        try:
            print(f"Demo organisation: {len(org.people)} people; simulating {', '.join(labels)}")
            result = await import_directory(services, org.csv().encode())
            print(
                f"Directory imported from CSV: {result.created} people, "
                f"{result.teams_created} teams (Slack IDs checked against the Slack double)"
            )
            installed = await teams.install(url, org.people)
            print(f"Teams: {installed} people added the Teams app (matched by e-mail)")
            lines = []
            for index in range(len(labels)):
                http = index == len(labels) - 1
                lines.append(
                    await _quarter(services, sender, org, rng, clock, index, labels, http, teams)
                )
            _print_quarters(lines, slack)
            print(teams.report())
            await gates_story(services, sender, slack, _gate_cast(org), clock)
            await _print_reports(services, folder, labels[-1])
        finally:
            await sender.close()
            await teams.close()
            await runner.cleanup()
            await services.db.dispose()
            await connector.stop()
    return labels


def _gate_cast(org: DemoOrg) -> list[str]:
    """The admin, a proposer, two reviewers, a buyer and a successor, from the synthetic org."""
    return [ADMIN, *(p.slack_user_id for p in org.people[10:15])]


def _history(count: int) -> list[str]:
    """The last `count` quarters whose campaign has already opened."""
    label = quarters.quarter_of(datetime.now().astimezone())
    if quarters.open_day(label) > datetime.now().date():
        label = _previous(label)
    labels = [label]
    while len(labels) < count:
        labels.insert(0, _previous(labels[0]))
    return labels


def _previous(label: str) -> str:
    year, quarter = quarters.parse_quarter(label)
    return f"{year - 1}Q4" if quarter == 1 else f"{year}Q{quarter - 1}"


def _opening(label: str) -> datetime:
    day = quarters.open_day(label)
    return datetime(day.year, day.month, day.day, 9, 0).astimezone(
        quarters.resolve_tz("UTC", "UTC")
    )


def _services(api_url: str, db_path: Path, clock: DemoClock) -> Services:
    settings = load_settings(
        slack_bot_token=SecretStr("xoxb-demo"),
        slack_signing_secret=SecretStr(SIGNING_SECRET),
        slack_api_url=api_url,
        database_url=f"sqlite:///{db_path}",
        leverage_admins=ADMIN,
        hash_key=SecretStr(DEMO_HASH_KEY),
        fanout_rate_per_second=2000.0,
        fanout_concurrency=32,
    )
    return Services(settings=settings, db=Database(settings.database_url), clock=clock)


async def _start_app(services: Services) -> tuple[web.AppRunner, str]:
    web_app = create_web_app(services, create_bolt_app(services))
    mount_teams(services, web_app)  # Teams beside Slack: POST /api/messages
    runner = web.AppRunner(web_app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    return runner, f"http://127.0.0.1:{runner.addresses[0][1]}"


async def _quarter(
    services: Services,
    sender: SlackSender,
    org: DemoOrg,
    rng: random.Random,
    clock: DemoClock,
    index: int,
    labels: list[str],
    over_http: bool,
    teams: TeamsSide,
) -> QuarterLine:
    """One campaign: open, deliver, answers and disclosures arrive, remind, close, summaries."""
    label = labels[index]
    clock.now = _opening(label)
    if index in FACTS_BY_QUARTER:
        await set_facts(services, FACTS_BY_QUARTER[index], changed_by=ADMIN, source="cli")
    await campaigns.start_campaign(services, label, now=True)
    await run_due_deliveries(services)
    clock.now += timedelta(hours=3)
    answered = disclosed = 0
    for person in org.people:
        answer = answer_for(rng, index, len(labels), person.team)
        if answer is not None:
            answered += 1
            if over_http and teams.uses_teams(person.email):  # answered in a Teams card
                await _answer_in_teams(teams, person.email, label, answer)
            else:
                await _answer(services, sender, person.slack_user_id, label, answer, over_http)
        disclosure = disclosure_for(rng, index, len(labels))
        if disclosure is not None:
            disclosed += 1
            await _disclose(services, person.slack_user_id, label, disclosure)
    clock.now = _opening(label) + timedelta(days=5, hours=1)
    await campaigns.remind(services, label)
    await run_due_deliveries(services)
    status = await campaigns.campaign_status(services, label)
    clock.now = _opening(label) + timedelta(days=services.settings.campaign_window_days, hours=2)
    await campaigns.close_campaign(services, label)
    await run_due_deliveries(services)
    return QuarterLine(label, status.prompted, answered, disclosed)


async def _answer(
    services: Services,
    sender: SlackSender,
    user_id: str,
    label: str,
    answer: dict[str, Any],
    over_http: bool,
) -> None:
    if not answer["has_example"]:
        await answers.not_this_quarter(services, user_id, label)
        return
    if not over_http:
        data, problems = answers.validate_answer(_form_fields(answer))
        assert data is not None, problems
        await answers.save_answer(services, user_id, label, data)
        return
    # Step one, the question itself; then the optional second step, as a person fills them in.
    first = {
        "example": {"value": plain(str(answer["example"]))},
        "work_kind": {"value": static(str(answer["work_kind"]))},
        "tool": {"value": plain(str(answer["tool"]))},
        "share_consent": {"value": multi(["yes"] if answer["share_consent"] else [])},
    }
    reply = await sender.view_submission(
        ids.ANSWER_VIEW, first, user_id=user_id, private_metadata=label
    )
    assert reply.status == 200 and "errors" not in reply.text, reply.text
    hours = answer.get("hours_saved_per_month")
    details = {name: {"value": radio(str(answer[name]))} for name in answers.MATURITY}
    details["hours_saved_per_month"] = {"value": number("" if hours is None else str(hours))}
    details["obstacles"] = {"value": multi(list(answer["obstacles"]))}
    reply = await sender.view_submission(
        ids.ANSWER_DETAILS_VIEW, details, user_id=user_id, private_metadata=label
    )
    assert reply.status == 200 and "errors" not in reply.text, reply.text


async def _answer_in_teams(
    teams: TeamsSide, email: str, label: str, answer: dict[str, Any]
) -> None:
    if not answer["has_example"]:
        await teams.decline(email, label)
    else:
        await teams.answer(email, label, _form_fields(answer))


def _form_fields(answer: dict[str, Any]) -> dict[str, Any]:
    fields = {k: v for k, v in answer.items() if k != "has_example"}
    if fields.get("hours_saved_per_month") is None:
        fields.pop("hours_saved_per_month", None)
    return fields


async def _disclose(services: Services, user_id: str, label: str, d: dict[str, Any]) -> None:
    raw = disclosures.RawDisclosure(
        tool=d["tool"],
        tool_kind=d["tool_kind"],
        work_kind=d["work_kind"],
        frequency=d["frequency"],
        data_class=d["data_class"],
        reasons=tuple(d["reasons"]),
        make_it_easy=d["make_it_easy"],
    )
    await disclosures.submit(
        services, disclosures.validate(raw), chat_user_id=user_id, campaign_id=label
    )


def _print_quarters(lines: list[QuarterLine], slack: SlackDouble) -> None:
    print("\nQuarter   prompted  answered  response  disclosures")
    for line in lines:
        rate = line.answered / line.prompted if line.prompted else 0
        print(
            f"{line.quarter:<9} {line.prompted:>8} {line.answered:>9} {rate:>9.0%} "
            f"{line.disclosures:>12}"
        )
    dms = len(slack.ok_calls("chat.postMessage"))
    print(
        f"Slack double: {dms} DMs posted, {len(slack.published_home_views)} home views, "
        f"{len(slack.validation_errors)} Block Kit validation errors"
    )


async def _print_reports(services: Services, out: Path, quarter: str) -> None:
    from bot.cli.stage import _print_report

    print("\n== Organisation stage ==")
    _print_report(await assess(services, quarter))
    async with services.db.session() as session:
        managers = await org_queries.managers(session)
    print("\n== Team summaries (sent to each manager by DM at close; two shown) ==")
    for manager in sorted(managers, key=lambda m: m.id or 0)[5:7]:
        summary = await build_team_summary(services, manager.id or 0, quarter)
        print(f"\nTo {manager.name}:\n{summary.text}")
    await write_report(services, out)


def _print_outputs(out: Path, first_quarter: str) -> None:
    """Where everything is, and the one step from here to the same data in the CLI."""
    db = (out / "demo.db").resolve()
    print(f"\nChart:       {(out / 'ai-stage.png').resolve()}")
    print(f"HTML report: {(out / 'ai-stage.html').resolve()}")
    print(f"Database:    {db}")
    print("\nExplore the same organisation with the CLI:")
    reach = _reach_cli()
    if reach:
        print(f"  {reach}")
    print(f"  export DATABASE_URL=sqlite:///{db} LEVERAGE_HASH_KEY={DEMO_HASH_KEY}")
    print("  leverage-bot stage --teams")
    print(f"  leverage-bot stage --quarter {first_quarter}")
    print("  leverage-bot disclosures list")
    print("  leverage-bot export --format csv")
    print(f"  leverage-bot report --out {(out / 'report').resolve()}")
    if out.resolve() == DEFAULT_OUT.resolve():
        print(f"(or, from {Path.cwd()}, add --demo to any command instead of the export: "
              "leverage-bot --demo stage)")  # fmt: skip
    print("unset DATABASE_URL LEVERAGE_HASH_KEY to go back to your own database.")


def _reach_cli() -> str | None:
    """The line that puts `leverage-bot` on the reader's PATH, when it is not there already:
    scripts/demo.sh runs it from ./.venv without activating that, so in the shell it returns
    to the bare name is usually "command not found"."""
    bin_dir = Path(sys.executable).absolute().parent  # the venv's bin (not resolved: a symlink)
    found = shutil.which("leverage-bot")
    if found and Path(found).absolute().parent == bin_dir:
        return None
    if (bin_dir / "activate").is_file():
        return f"source {bin_dir / 'activate'}"
    return f'export PATH="{bin_dir}:$PATH"'
