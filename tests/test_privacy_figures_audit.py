"""`leverage-bot privacy audit`: it passes on a publication that needed complementary
suppression, and fails (exit 1, naming the figures) on one made without it."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main as cli_main
from bot.core import figure_table
from bot.core.disclosure_control import Table
from bot.core.services import Services
from bot.core.signals import team_signals
from tests.privacy_org import Org, Q, Reply, store

# The issue's own example: 17 examples, 16 approved and 1 not; and a team of 3 beside one of 14
# (the organisation's count minus the big team's would give the small team's).
ISSUE_ORG = Org(
    teams=[[Reply(True)] * 13 + [Reply(True, "not_approved")], [Reply(True)] * 3],
    loose=[],
)


async def audit(
    services: Services, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, *argv: str
) -> int:
    await services.db.dispose()  # the CLI opens its own engine (and its own event loop)
    monkeypatch.setenv("DATABASE_URL", services.settings.database_url)
    monkeypatch.chdir(tmp_path)
    return await asyncio.to_thread(cli_main, ["privacy", "audit", *argv])


async def test_audit_proves_the_issue_org_safe(
    services: Services,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    await store(services, ISSUE_ORG)
    assert await audit(services, monkeypatch, tmp_path, "--quarter", Q, "--json") == 0
    report = json.loads(capsys.readouterr().out)
    quarter = report["quarters"][0]
    assert report["ok"] and quarter["ok"] and quarter["offending"] == []
    # Not approved (1) is withheld with "approved" (16), not with "approval unknown" (0):
    # that pair would add up to 17 - 16 = 1, exactly one person (non-negativity, review L1).
    assert {"org.not_approved", "org.approved", "rest.answered"} <= set(quarter["withheld"])
    assert (
        quarter["published"]["org.approval_unknown"] == 0
        and "org.not_approved" not in (quarter["published"])
    )
    assert (
        "org.with_example = org.approved + org.not_approved + org.approval_unknown"
        in (quarter["relations"])
    )
    assert await audit(services, monkeypatch, tmp_path) == 0
    assert "no withheld figure is determined by the published ones" in capsys.readouterr().out


async def test_audit_fails_without_complementary_suppression(
    services: Services,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    await store(services, ISSUE_ORG)
    monkeypatch.setattr(Table, "suppress_complementary", lambda self: [])  # primary only
    assert await audit(services, monkeypatch, tmp_path, "--quarter", Q) == 1
    err = capsys.readouterr().err
    assert "org.not_approved (withheld, but determined by the published figures)" in err
    assert "rest.answered (withheld, but determined by the published figures)" in err


def test_audit_passes_on_the_demo_organisation(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_"))}
    demo = subprocess.run(
        [sys.executable, "-m", "bot", "demo", "--out", str(out), "--people", "80",
         "--quarters", "3", "--seed", "5"],
        capture_output=True, text=True, timeout=300, env=env, cwd=tmp_path,
    )  # fmt: skip
    assert demo.returncode == 0, demo.stderr[-3000:]
    env["DATABASE_URL"] = f"sqlite:///{out / 'demo.db'}"
    result = subprocess.run(
        [sys.executable, "-m", "bot", "privacy", "audit", "--json"],
        capture_output=True, text=True, timeout=300, env=env, cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout)
    assert report["ok"] and len(report["quarters"]) == 3
    assert all(q["published"] and q["relations"] for q in report["quarters"])


async def test_beyond_the_detail_limit_teams_publish_participation_only(
    services: Services,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(figure_table, "DETAIL_TEAMS", 1)
    await store(services, Org(teams=[[Reply(True)] * 6, [Reply(True)] * 7], loose=[]))
    first, second = await team_signals(services, Q)
    assert (first.answered, second.answered) == (6, 7) and first.themes == {}
    assert "with_example" in first.hidden and any(
        "breakdowns withheld" in w for w in first.withheld
    )
    assert await audit(services, monkeypatch, tmp_path, "--quarter", Q) == 0
    assert "no withheld figure is determined" in capsys.readouterr().out
