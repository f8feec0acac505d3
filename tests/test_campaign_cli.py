"""`leverage-bot campaign …` as an operator runs it: a real subprocess against the double."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys

from bot.core.services import Services
from bot.slack.double import SlackDouble
from tests.test_campaign_fixtures import keys_sent_to, seed_org


async def cli(services: Services, slack: SlackDouble, *args: str) -> tuple[int, str, str]:
    env = {
        **os.environ,
        "DATABASE_URL": services.settings.database_url,
        "SLACK_API_URL": slack.base_url,
        "SLACK_BOT_TOKEN": "xoxb-cli",
        "LEVERAGE_FANOUT_RATE": "100",
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "campaign", *args, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    out, err = await proc.communicate()
    return proc.returncode or 0, out.decode(), err.decode()


async def test_cli_start_now_status_and_close(services: Services, slack: SlackDouble) -> None:
    org = await seed_org(services, slack, 4)
    code, out, err = await cli(services, slack, "start", "--now")
    assert code == 0, err
    assert "sent 4" in out and "4/4" in err  # the progress bar on stderr
    code, out, err = await cli(services, slack, "start", "--now")
    assert code == 0 and "sent 0" in out
    assert [len(keys_sent_to(slack, u)) for u in org.user_ids] == [1, 1, 1, 1]
    code, out, _ = await cli(services, slack, "status", "--json")
    status = json.loads(out)
    assert (code, status["prompted"], status["delivered"], status["status"]) == (0, 4, 4, "open")
    code, out, _ = await cli(services, slack, "close")
    assert code == 0 and "closed" in out
    assert len(keys_sent_to(slack, org.user_ids[0])) == 2  # the manager's team summary


async def test_cli_refuses_bad_quarter_and_missing_campaign(
    services: Services, slack: SlackDouble
) -> None:
    code, _, err = await cli(services, slack, "start", "--quarter", "2026Q9")
    assert code == 2 and "2026Q4" in err
    code, _, err = await cli(services, slack, "close")
    assert code == 2 and "no campaign is open" in err
