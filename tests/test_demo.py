"""`leverage-bot demo` runs end to end offline, leaves a report a person can open, and its data
is one documented step from the CLI; a failed run never leaves outputs that disagree."""

from __future__ import annotations

import asyncio
import json
import os
import random
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from bot.cli import main
from bot.demo import run as demo_run
from bot.demo.synthetic import answer_for, build_org


def test_demo_runs_the_real_flows_and_its_data_is_one_step_from_the_cli(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_"))}
    venv_bin = str(Path(sys.executable).absolute().parent)
    # As after scripts/demo.sh: the venv that runs the demo is not on the reader's PATH.
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if p != venv_bin)
    result = subprocess.run(
        [sys.executable, "-m", "bot", "demo", "--people", "80", "--quarters", "3", "--seed", "3"],
        capture_output=True, text=True, timeout=300, env=env, cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    assert "TEAMS_JWKS_URL" not in result.stderr  # the demo's own doubles are no warning
    printed = result.stdout
    assert "Directory imported from CSV: " in printed
    assert "== Organisation stage ==" in printed and "Evidence:" in printed
    assert "Team summary for" in printed
    assert "0 Block Kit validation errors" in printed
    assert "reviews auto-approved by the clock (the tick repeated: 0 more)" in printed
    assert "production, survived rotation" in printed and "chain intact" in printed
    assert "gates: 0 Block Kit validation errors" in printed
    # Microsoft Teams users answer the same campaigns, in Adaptive Cards, through /api/messages.
    teams = re.search(r"Teams \(Bot Connector double\): (\d+) people installed the app, (\d+) "
                      r"prompts and reminders delivered in Teams, (\d+) answered in Adaptive "
                      r"Cards, (\d+) card validation errors", printed)  # fmt: skip
    assert teams and all(int(n) > 0 for n in teams.groups()[:3]) and teams.group(4) == "0"
    out = tmp_path / "leverage-demo"
    png, html = out / "ai-stage.png", out / "ai-stage.html"
    assert png.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    page = html.read_text()
    assert "data:image/png;base64," in page
    assert "http://" not in page and "https://" not in page  # self-contained
    assert not (tmp_path / "leverage-bot.db").exists()  # never touches a real install's file
    assert not [p for p in out.iterdir() if p.name.startswith(".demo-run-")]  # no staging left

    url = re.search(r"export DATABASE_URL=(\S+) LEVERAGE_HASH_KEY=(\S+)", printed)
    assert url and url.group(1) == f"sqlite:///{(out / 'demo.db').resolve()}"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", url.group(1))
    monkeypatch.setenv("LEVERAGE_HASH_KEY", url.group(2))
    demo_stage = printed.split("== Organisation stage ==", 1)[1].splitlines()[1]
    assert main(["stage", "--teams"]) == 0
    shown = capsys.readouterr().out
    assert shown.splitlines()[0] == demo_stage  # the same organisation as the demo printed
    assert "Teams (" in shown and "None" not in shown
    assert main(["export", "--format", "json"]) == 0
    assert len(json.loads(capsys.readouterr().out)["quarters"]) == 3
    assert main(["disclosures", "list"]) == 0
    assert "none" not in capsys.readouterr().out.lower().split("\n", 1)[0]
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'elsewhere.db'}")
    monkeypatch.delenv("LEVERAGE_HASH_KEY")
    assert main(["--demo", "stage"]) == 0  # from the demo's folder, without the variable
    assert capsys.readouterr().out.splitlines()[0] == demo_stage
    assert main(["--demo", "disclosures", "list"]) == 0

    # The printed steps, pasted into that reader's shell, reach the demo's organisation.
    steps = printed.split("Explore the same organisation with the CLI:\n", 1)[1].splitlines()
    pasted = [line.strip() for line in steps[:3]]
    assert pasted[0].startswith("source ") and pasted[1].startswith("export DATABASE_URL=")
    shell = subprocess.run(["bash", "-c", "set -e; " + "; ".join(pasted)], capture_output=True,
                           text=True, timeout=120, env=env, cwd=tmp_path)  # fmt: skip
    assert shell.returncode == 0, shell.stderr[-2000:]
    assert shell.stdout.splitlines()[0] == demo_stage


def test_a_failed_demo_run_leaves_the_previous_outputs_as_they_were(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "demo"
    asyncio.run(demo_run.run_demo(out, people=50, quarters=2, seed=1))
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    assert {"demo.db", "ai-stage.png", "ai-stage.html"} <= set(before)

    async def broken(*_args: object) -> None:
        raise RuntimeError("the chart failed")

    monkeypatch.setattr(demo_run, "write_report", broken)
    with pytest.raises(RuntimeError, match="the chart failed"):
        asyncio.run(demo_run.run_demo(out, people=60, quarters=3, seed=2))
    after = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    assert after == before  # database, chart and report still belong together
    assert [p.name for p in out.iterdir() if not p.is_file()] == []  # no staging folder left


def test_demo_teams_work_on_a_few_kinds_so_their_summaries_can_name_them() -> None:
    """A team summary names a kind of work only when at least K of the team's examples share it.
    Real teams do most of their AI work in two or three kinds; the synthetic ones do too, so the
    demo's summaries name themes ("Drafting 6, Analysis 5") instead of pooling every example as
    "smaller themes (15)"."""
    rng = random.Random(7)
    org = build_org(rng, 300)
    kinds: dict[str, Counter[str]] = {}
    for person in org.people:
        answer = answer_for(rng, 5, 6, person.team)
        if answer and answer.get("work_kind"):
            kinds.setdefault(person.team, Counter())[str(answer["work_kind"])] += 1
    sizable = {team: counts for team, counts in kinds.items() if counts.total() >= 15}
    assert len(sizable) >= 5
    for team, counts in sizable.items():
        assert counts.most_common(1)[0][1] >= 5, (team, counts)
