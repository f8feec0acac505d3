"""Ordinary mistakes get one or two plain lines and a non-zero exit, never a traceback;
`--debug` or LOG_LEVEL=DEBUG brings the traceback back. The CLI runs in-process (in a worker
thread, as `asyncio.run` needs) against the Slack double and real databases."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.cli import main
from bot.core import quarters
from bot.slack.double import SlackDouble
from storage.db import Database
from tests.conftest import database_url_for_tests

HEADER = "email,name,team,manager_email,slack_user_id\n"
BOSS = "boss@example.com,Bea,Lead,,U0BOSS\n"
WITH_IDS = HEADER + BOSS + "ana@example.com,Ana,Data,boss@example.com,U0ANA\n"
ONE_WITHOUT = HEADER + BOSS + "ana@example.com,Ana,Data,boss@example.com,\n"


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, database: Database) -> pytest.MonkeyPatch:
    """A clean operator environment: no Slack settings, no .env, an emptied database."""
    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if name.startswith(("SLACK_", "DATABASE_", "LEVERAGE_", "LOG_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("DATABASE_URL", database_url_for_tests(tmp_path))
    return monkeypatch


async def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = await asyncio.to_thread(main, list(args))
    out, err = capsys.readouterr()
    return code, out, err


def plain(err: str, lines: int = 3) -> None:
    assert "Traceback" not in err
    assert 0 < len(err.strip().splitlines()) <= lines, err


async def test_database_down_is_one_plain_message_with_the_password_masked(
    env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    env.setenv("DATABASE_URL", f"postgresql://bot:s3cret@127.0.0.1:{closed_port()}/leverage")
    code, out, err = await run_cli(capsys, "stage")
    assert code == 2 and out == ""
    plain(err)
    assert "cannot use the database postgresql://bot:***@127.0.0.1" in err
    assert "s3cret" not in err and "Check DATABASE_URL" in err


@pytest.mark.parametrize("how", ["--debug", "LOG_LEVEL=DEBUG"])
async def test_debug_brings_the_traceback_back(
    how: str, env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    env.setenv("DATABASE_URL", f"postgresql://bot:pw@127.0.0.1:{closed_port()}/leverage")
    args = ["stage"]
    if how == "--debug":
        args.append("--debug")
    else:
        env.setenv("LOG_LEVEL", "DEBUG")
    code, _, err = await run_cli(capsys, *args)
    assert code == 2
    assert "Traceback" in err and "cannot use the database" in err


async def test_sqlite_in_a_missing_folder_and_an_unknown_backend(
    env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    env.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'nowhere' / 'bot.db'}")
    code, _, err = await run_cli(capsys, "facts", "list")
    assert code == 2 and "does not exist" in err and "nowhere" in err
    plain(err)
    env.setenv("DATABASE_URL", "mysql://bot@localhost/x")
    code, _, err = await run_cli(capsys, "stage")
    assert code == 2 and "unsupported database backend 'mysql'" in err
    plain(err)


async def test_report_and_export_name_files_that_cannot_be_written(
    env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    existing = tmp_path / "report.html"
    existing.write_text("mine")
    code, _, err = await run_cli(capsys, "report", "--out", str(existing))
    assert code == 2 and "already exists and is not a folder" in err
    plain(err)
    assert existing.read_text() == "mine"
    code, _, err = await run_cli(capsys, "export", "--format", "csv", "--out",
                                 str(tmp_path / "missing" / "x.csv"))  # fmt: skip
    assert code == 2 and "does not exist" in err
    plain(err)


async def test_bad_quarter_is_a_plain_usage_error(
    env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = await run_cli(capsys, "stage", "--quarter", "2026Q9")
    assert code == 2 and "write it like 2026Q4" in err
    plain(err)


async def test_import_without_a_token_uses_the_files_ids_and_names_rows_without_one(
    env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "all.csv").write_text(WITH_IDS)
    code, out, err = await run_cli(capsys, "org", "import", "all.csv")
    assert code == 0, err
    assert "2 created" in out and "SLACK_BOT_TOKEN is not set" in out
    assert "Not reachable" not in out and err == ""
    (tmp_path / "some.csv").write_text(ONE_WITHOUT)
    code, out, err = await run_cli(capsys, "org", "import", "some.csv", "--offline")
    assert code == 0, err
    assert "Slack was not asked (--offline)" in out
    assert "line 3 ana@example.com: no slack_user_id in the file, and Slack was not asked" in out
    assert "not found in Slack" not in out


async def test_import_with_slack_unreachable(
    env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    env.setenv("SLACK_BOT_TOKEN", "xoxb-valid-looking")
    env.setenv("SLACK_API_URL", f"http://127.0.0.1:{closed_port()}/api/")
    (tmp_path / "all.csv").write_text(WITH_IDS)
    (tmp_path / "some.csv").write_text(ONE_WITHOUT)
    code, out, err = await run_cli(capsys, "org", "import", "all.csv")
    assert code == 0, err
    assert "2 created" in out and "Slack did not help (cannot reach Slack" in out
    code, out, err = await run_cli(capsys, "org", "import", "some.csv")
    assert code == 2 and "cannot reach Slack at http://127.0.0.1" in err
    assert "1 row(s) have no slack_user_id" in err and "lines 3" in err and "--offline" in err
    plain(err)


async def test_import_and_sync_with_a_token_slack_refuses(
    env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path, slack: SlackDouble
) -> None:
    env.setenv("SLACK_BOT_TOKEN", "not-a-bot-token")
    env.setenv("SLACK_API_URL", slack.base_url)
    (tmp_path / "some.csv").write_text(ONE_WITHOUT)
    code, _, err = await run_cli(capsys, "org", "import", "some.csv")
    assert code == 2 and "Slack does not recognise SLACK_BOT_TOKEN (invalid_auth)" in err
    plain(err)
    code, _, err = await run_cli(capsys, "org", "sync")
    assert code == 2 and "invalid_auth" in err
    plain(err)
    env.delenv("SLACK_BOT_TOKEN")
    code, _, err = await run_cli(capsys, "org", "sync")
    assert code == 2 and "needs SLACK_BOT_TOKEN" in err


async def test_import_online_names_each_row_slack_does_not_know(
    env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path, slack: SlackDouble
) -> None:
    env.setenv("SLACK_BOT_TOKEN", "xoxb-cli")
    env.setenv("SLACK_API_URL", slack.base_url)
    slack.add_user("U0BOSS", email="boss@example.com", name="bea", tz="Europe/Berlin")
    (tmp_path / "some.csv").write_text(ONE_WITHOUT)
    code, out, err = await run_cli(capsys, "org", "import", "some.csv")
    assert code == 0, err
    assert "line 3 ana@example.com: no Slack account with this e-mail" in out


async def test_serve_refuses_a_token_slack_rejects_and_a_port_in_use(
    env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], slack: SlackDouble
) -> None:
    env.setenv("SLACK_SIGNING_SECRET", "secret")
    env.setenv("SLACK_API_URL", slack.base_url)
    env.setenv("HOST", "127.0.0.1")
    env.setenv("SLACK_BOT_TOKEN", "not-a-bot-token")
    code, _, err = await run_cli(capsys, "serve", "--no-scheduler")
    assert code == 2 and "SLACK_BOT_TOKEN (invalid_auth)" in err
    assert "Traceback" not in err
    env.setenv("SLACK_BOT_TOKEN", "xoxb-serve")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        code, _, err = await run_cli(capsys, "serve", "--no-scheduler",
                                     "--port", str(busy.getsockname()[1]))  # fmt: skip
    assert code == 2 and "already in use" in err and "Traceback" not in err


async def test_serve_with_the_database_down(
    env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    env.setenv("SLACK_SIGNING_SECRET", "secret")
    env.setenv("SLACK_BOT_TOKEN", "xoxb-serve")
    env.setenv("DATABASE_URL", f"postgresql://bot:pw@127.0.0.1:{closed_port()}/leverage")
    code, _, err = await run_cli(capsys, "serve", "--no-scheduler")
    assert code == 2 and "cannot use the database" in err and "Traceback" not in err


def test_commands_are_quiet_by_default(tmp_path: Path) -> None:
    """A real process: no alembic INFO lines, nothing on stderr for a good run; LOG_LEVEL=INFO
    still shows them to whoever asks."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "LOG_"))}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'quiet.db'}"
    run = [sys.executable, "-m", "bot", "facts", "list"]
    result = subprocess.run(run, capture_output=True, text=True, timeout=60, env=env, cwd=tmp_path)
    assert result.returncode == 0 and result.stderr == ""
    assert "ai_policy=" in result.stdout
    loud = subprocess.run(run, capture_output=True, text=True, timeout=60,
                          env={**env, "LOG_LEVEL": "INFO"}, cwd=tmp_path)  # fmt: skip
    assert "alembic" in loud.stderr


def test_a_reader_that_leaves_early_is_not_an_error(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "LOG_"))}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'pipe.db'}"
    with subprocess.Popen(
        [sys.executable, "-m", "bot", "facts", "list"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=tmp_path,
    ) as proc:  # fmt: skip
        assert proc.stdout is not None and proc.stderr is not None
        proc.stdout.close()  # gone before the first line is written
        err = proc.stderr.read().decode()
        assert proc.wait(timeout=60) == 0
    assert "Traceback" not in err and "BrokenPipe" not in err


async def test_stage_refuses_future_quarters_and_teams_never_read_none(
    env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], database: Database
) -> None:
    from tests.stage_fixtures import add_answers, add_prompts, make_team

    quarter = quarters.quarter_of(datetime.now(UTC))
    team, people = await make_team(database, "Few answers", 6)
    await add_answers(database, quarter, team, people[:2])  # below K: figures withheld
    await add_prompts(database, quarter, people)
    code, _, err = await run_cli(capsys, "stage", "--quarter", "2999Q1")
    assert code == 2 and "Q1 2999 has not started yet" in err
    plain(err)
    code, out, err = await run_cli(capsys, "stage", "--teams")
    assert code == 0, err
    team_line = next(line for line in out.splitlines() if "team Few answers" in line)
    assert "None" not in out and "withheld" in team_line and "of 6" in team_line
    assert "Next step:" in out and "Stage 1 of 5" in out


async def test_stage_before_any_campaign_says_what_to_do_first(
    env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A fresh install has nothing to judge: not a stage 1 of withheld figures, but the two
    steps that give it something (and the demo for a look at a whole organisation)."""
    code, out, err = await run_cli(capsys, "stage", "--teams")
    assert code == 2 and out == ""
    assert "No campaign has run yet" in err and "campaign start" in err and "demo" in err
    plain(err)
    code, _, err = await run_cli(capsys, "stage", "--quarter", "2025Q1")
    assert code == 2 and "No campaign has run yet" in err
    plain(err)


async def test_campaign_start_says_why_nobody_or_some_are_not_asked(
    env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, err = await run_cli(capsys, "campaign", "start")
    assert code == 0, err
    assert "prompted 0" in out and "Nobody is in the directory yet" in out
    (tmp_path / "some.csv").write_text(ONE_WITHOUT)
    assert (await run_cli(capsys, "org", "import", "some.csv", "--offline"))[0] == 0
    code, out, err = await run_cli(capsys, "campaign", "start")
    assert code == 0, err
    assert "1 of 2 people have no Slack (or Teams) ID and are not asked" in out


async def test_sending_without_a_usable_slack_says_why_and_keeps_the_messages_queued(
    env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path, slack: SlackDouble
) -> None:
    """No token, Slack unreachable, a token Slack refuses: not "sent 0, to retry 2" and exit 0,
    but what happened and what to do, exit 2; a later run with Slack sends every prompt."""
    (tmp_path / "all.csv").write_text(WITH_IDS)
    assert (await run_cli(capsys, "org", "import", "all.csv"))[0] == 0
    code, out, err = await run_cli(capsys, "campaign", "start", "--now")
    assert code == 2 and "Campaign " in out  # opened; its prompts wait for Slack
    assert "SLACK_BOT_TOKEN is not set, so 2 message(s) to Slack stay queued" in err
    plain(err)
    env.setenv("SLACK_BOT_TOKEN", "xoxb-valid-looking")
    env.setenv("SLACK_API_URL", f"http://127.0.0.1:{closed_port()}/api/")
    code, _, err = await run_cli(capsys, "campaign", "start", "--now")
    assert code == 2 and "cannot reach Slack at http://127.0.0.1" in err
    assert "2 message(s) to Slack stay queued" in err and "Check the network" in err
    plain(err)
    env.setenv("SLACK_API_URL", slack.base_url)
    env.setenv("SLACK_BOT_TOKEN", "not-a-bot-token")
    code, _, err = await run_cli(capsys, "campaign", "remind")
    assert code == 2 and "Slack does not recognise SLACK_BOT_TOKEN (invalid_auth)" in err
    plain(err)
    env.setenv("SLACK_BOT_TOKEN", "xoxb-cli")
    code, out, err = await run_cli(capsys, "campaign", "start", "--now")
    assert code == 0, err
    assert "sent 2," in out and "to retry 0" in out
    assert slack.messages_to("U0BOSS") and slack.messages_to("U0ANA")


async def test_disclosures_default_to_the_latest_quarter_with_disclosures(
    env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], database: Database
) -> None:
    from tests.stage_fixtures import add_disclosures, make_team

    await make_team(database, "Everyone", 5)  # disclosures show only in a directory of K
    await add_disclosures(database, "2026Q1", 6)
    await add_disclosures(database, "2026Q2", 7)
    code, _, err = await run_cli(capsys, "disclosures", "list")
    assert code == 2 and "set LEVERAGE_HASH_KEY" in err
    plain(err)
    env.setenv("LEVERAGE_HASH_KEY", "cli-test-key")
    code, out, err = await run_cli(capsys, "disclosures", "export", "--format", "csv")
    assert code == 0, err
    assert "(exporting 2026Q2, the latest quarter with disclosures shown)" in err
    assert len(out.strip().splitlines()) == 1 + 7
    code, out, err = await run_cli(capsys, "disclosures", "list")
    assert code == 0, err
    assert out.startswith("*Disclosures 2026Q2:* 7")


async def test_serve_logs_what_an_operator_needs_and_not_every_tick(
    tmp_path: Path, slack: SlackDouble
) -> None:
    """A real `serve` with its scheduler, at the default level: its own lines, but no alembic
    start-up lines, no APScheduler line for each five-second job run, and no Bolt warning about
    the token our own client carries."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "LOG_", "DATABASE_"))}
    env.update(
        SLACK_BOT_TOKEN="xoxb-serve", SLACK_SIGNING_SECRET="secret", SLACK_API_URL=slack.base_url,
        DATABASE_URL=database_url_for_tests(tmp_path), HOST="127.0.0.1", PORT=str(closed_port()),
    )  # fmt: skip
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "serve", env=env, cwd=tmp_path,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    assert process.stderr is not None
    lines: list[str] = []
    try:
        async with asyncio.timeout(60):
            while not any("leverage-bot serving" in line for line in lines):
                line = (await process.stderr.readline()).decode()
                assert line, "serve exited early:\n" + "".join(lines)
                lines.append(line)
        await asyncio.sleep(1.5)  # the scheduler's jobs run once at start
    finally:
        process.send_signal(signal.SIGTERM)
        rest = (await process.communicate())[1].decode()
    log = "".join(lines) + rest
    assert process.returncode == 0, log
    assert "leverage-bot serving" in log and "stopping" in log
    assert "alembic" not in log and "apscheduler" not in log, log
    assert "token` will be unused" not in log, log
