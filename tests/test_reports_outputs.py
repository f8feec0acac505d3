"""Chart, HTML report, export and the CLI commands, on the test database."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import sys
from pathlib import Path

from bot.core.reports import chart_png, export_signals, html_report
from bot.core.services import Services
from bot.core.stage import assess
from tests.stage_fixtures import add_answers, add_disclosures, add_prompts, make_team


async def two_quarters(services: Services) -> None:
    team, people = await make_team(services.db, "Data", 6)
    for quarter in ("2026Q1", "2026Q2"):
        await add_prompts(services.db, quarter, people)
        await add_answers(services.db, quarter, team, people, establishment="team")
    await add_disclosures(services.db, "2026Q2", 5, reason_procurement=True)


async def cli(services: Services, *args: str) -> tuple[int, str, str]:
    """Run `leverage-bot` as an operator would, against the test database."""
    env = {**os.environ, "DATABASE_URL": services.settings.database_url, "LOG_LEVEL": "WARNING"}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *args, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await proc.communicate()
    return int(proc.returncode or 0), out.decode(), err.decode()


async def test_chart_and_html_are_self_contained(services: Services) -> None:
    await two_quarters(services)
    report = await assess(services)
    png = chart_png(report)
    assert png.startswith(b"\x89PNG") and len(png) > 5000
    page = html_report(report, png)
    assert "data:image/png;base64," in page and "<h1>Stage 2 of 5: Pilot capability" in page
    assert "<li>Procurement: named 5 times</li>" in page
    assert "http://" not in page and "https://" not in page and 'src="/' not in page


async def test_export_csv_and_json_have_one_row_per_quarter(services: Services) -> None:
    await two_quarters(services)
    rows = list(csv.DictReader(io.StringIO(await export_signals(services, "csv"))))
    assert [r["quarter"] for r in rows] == ["2026Q1", "2026Q2"]
    assert {"stage", "answered", "response_rate", "sanctioned_share", "production",
            "gate_procurement", "covert"} <= set(rows[0])  # fmt: skip
    assert rows[1]["covert"] == "5" and rows[1]["gate_procurement"] == "5"
    data = json.loads(await export_signals(services, "json"))
    assert [q["quarter"] for q in data["quarters"]] == ["2026Q1", "2026Q2"]
    assert data["quarters"][0]["answered"] == 6 and data["quarters"][0]["stage"] == 2


async def test_cli_stage_json_facts_export_and_report(services: Services, tmp_path: Path) -> None:
    await two_quarters(services)
    code, out, err = await cli(services, "facts", "set", "ai_policy=true", "--by", "ops-lead")
    assert code == 0 and "ai_policy: not set -> true (by ops-lead)" in out, err
    code, out, err = await cli(services, "stage", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert {"stage", "confidence", "constraint", "evidence", "signals", "quarter", "trend",
            "next_step", "diagnostic"} <= set(data)  # fmt: skip
    assert data["quarter"] == "2026Q2" and data["facts"]["values"]["ai_policy"] == "true"
    code, out, err = await cli(services, "stage", "--json", "--teams")
    teams = json.loads(out)["teams"]
    assert code == 0 and [t["scope"] for t in teams] == ["Data"] and teams[0]["answered"] == 6
    code, out, err = await cli(services, "stage", "--quarter", "2026Q1")
    assert code == 0 and "(Q1 2026, confidence" in out, err
    code, _, err = await cli(services, "facts", "set", "ai_policy=sometimes")
    assert code == 2 and "expects true or false" in err
    code, out, _ = await cli(services, "export", "--format", "csv")
    assert code == 0 and out.splitlines()[0].startswith("quarter,stage,")
    code, out, err = await cli(services, "report", "--out", str(tmp_path / "r"))
    assert code == 0, err
    assert (tmp_path / "r" / "ai-stage.png").read_bytes().startswith(b"\x89PNG")
    assert "ai-stage.html" in out
