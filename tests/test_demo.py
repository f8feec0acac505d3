"""`leverage-bot demo` runs end to end offline and leaves a report a person can open."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def test_demo_runs_the_real_flows_and_writes_the_report(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_"))}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "demo", "--out", str(out), "--people", "80",
         "--quarters", "3", "--seed", "3"],
        capture_output=True, text=True, timeout=300, env=env, cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    printed = result.stdout
    assert "Directory imported from CSV: " in printed
    assert "== Organisation stage ==" in printed and "Evidence:" in printed
    assert "Team summary for" in printed
    assert "0 Block Kit validation errors" in printed
    png, html = out / "ai-stage.png", out / "ai-stage.html"
    assert png.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    page = html.read_text()
    assert "data:image/png;base64," in page
    assert "http://" not in page and "https://" not in page  # self-contained
    assert (out / "demo.db").exists()
    assert not (tmp_path / "leverage-bot.db").exists()  # never touches a real install's file
