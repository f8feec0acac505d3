"""The HTML report reads as a leader's brief, the chart as the text does (percent, a legend
for every series, gaps not zeros, why the stage moved), and exports are clean numbers."""

from __future__ import annotations

import base64
import json
import math
import re
import struct
from datetime import UTC, datetime
from pathlib import Path

from bot.core.facts import set_facts
from bot.core.reports import chart_figure, export_signals, html_report, write_report
from bot.core.services import Services
from bot.core.signals import team_signals
from bot.core.stage import assess
from tests.stage_fixtures import add_answers, add_prompts, make_team

EARLY, LATE = "2026Q2", "2026Q3"
PRODUCTION = {"establishment": "production", "continues_without_me": "yes", "spread": "my_team"}


async def org(services: Services) -> None:
    """Three teams; production only in the late quarter, with a policy and review path then."""
    services.clock = lambda: datetime(2026, 5, 4, 9, tzinfo=UTC)
    everyone = []
    for i, name in enumerate(("Data", "<b>Ops</b>", "Sales")):
        team, people = await make_team(services.db, name, 6)
        await add_answers(services.db, EARLY, team, people, obstacle_legal_review=True,
                          hours_saved_per_month=0.1)  # fmt: skip
        await add_answers(services.db, LATE, team, people, **PRODUCTION)
        everyone += people if i else people[:3]
    for quarter in (EARLY, LATE):
        await add_prompts(services.db, quarter, everyone)
    services.clock = lambda: datetime(2026, 8, 3, 9, tzinfo=UTC)
    await set_facts(services, {"ai_policy": "true", "review_sla_days": "30"}, "U1", "cli")
    services.clock = lambda: datetime(2026, 11, 2, 9, tzinfo=UTC)


async def brief(services: Services) -> str:
    report = await assess(services)
    teams = await team_signals(services, report.quarter)
    when = datetime(2026, 11, 29, 16, 30, tzinfo=UTC)
    return html_report(report, b"png", teams=teams, generated=when, min_group_size=5)


async def test_the_brief_says_stage_meaning_constraint_step_and_date(services: Services) -> None:
    await org(services)
    page = await brief(services)
    assert "<h1>Stage 3 of 5: Production capability</h1>" in page
    assert "at least one use case runs in production" in page  # what the stage means
    assert "What holds us at stage 3:" in page and "Next step:</b>" in page
    assert "generated 2026-11-29 16:30 UTC" in page
    footnote = re.search(r"For admins: once it is done, record it with <code>([^<]+)</code>", page)
    assert footnote and footnote.group(1).startswith("leverage-bot ")
    next_step = page.split("Next step:</b>", 1)[1].split("</p>", 1)[0]
    assert "facts set" not in next_step  # the command is the admins' footnote, not the step
    for term in ("Binding constraint", "Sanctioned share", "Confidence", "Withheld"):
        assert f"<dt>{term}</dt>" in page


async def test_shares_are_percent_and_evidence_is_grouped_without_repeats(
    services: Services,
) -> None:
    await org(services)
    page = await brief(services)
    table = page.split("<h2>Quarter by quarter</h2>", 1)[1].split("</table>", 1)[0]
    assert "Q2 2026" in table and "Q3 2026" in table and "%" in table
    assert not re.search(r">0\.\d+<", page)  # no ratio such as 0.829 anywhere
    for stage in range(1, 6):
        assert f"<h3>Stage {stage}: " in page
    evidence = page.split("the evidence</h2>", 1)[1].split("<h2>", 1)[0]
    valued = re.findall(r"</span> (Production use cases: \d+)", evidence)
    assert len(valued) == 1  # the figure once; higher stages show only their threshold
    assert "Production use cases: needs ≥ 3" in evidence


async def test_teams_apply_the_group_size_and_are_escaped(services: Services) -> None:
    await org(services)
    few, people = await make_team(services.db, "Few answers", 6)
    await add_answers(services.db, LATE, few, people[:2])
    await make_team(services.db, "Tiny", 3)  # below K: never a row
    page = await brief(services)
    teams = page.split("<h2>Teams", 1)[1].split("</table>", 1)[0]
    assert "&lt;b&gt;Ops&lt;/b&gt;" in teams and "<b>Ops</b>" not in teams
    assert teams.count("<tr>") == 5 and "Tiny" not in teams  # header and four teams of six
    row = teams.split("Few answers", 1)[1].split("</tr>", 1)[0]
    assert "None" not in teams and "withheld" in row


async def test_chart_reads_in_percent_with_a_legend_for_every_series(services: Services) -> None:
    await org(services)
    report = await assess(services)
    report.trend[0]["sanctioned_share"] = None  # withheld that quarter
    fig = chart_figure(report)
    top, bottom, _counts = fig.axes
    legend = [t.get_text() for t in bottom.get_legend().get_texts()]
    expected = ["Response rate", "Answers with an example", "Sanctioned share of use",
                "Disclosed covert use (share of reported use)"]  # fmt: skip
    assert [label.removesuffix(" (no data)") for label in legend[:4]] == expected
    assert legend[3].endswith("(no data)")  # no disclosures: said in the legend, not drawn as 0
    assert any("Production use cases" in label for label in legend)
    fig.canvas.draw()
    assert any(t.get_text().endswith("%") for t in bottom.get_yticklabels())
    sanctioned = next(ln for ln in bottom.get_lines() if ln.get_label().startswith("Sanctioned"))
    assert math.isnan(sanctioned.get_ydata()[0])  # a gap, not a zero
    stages = [p["stage"] for p in report.trend]
    assert stages == [1, 3]
    notes = [t.get_text() for t in top.texts]
    assert notes == [report.trend[1]["change"]] and notes[0].startswith("1→3: ")


async def test_a_phone_gets_a_tall_chart_with_the_same_legend(
    services: Services, tmp_path: Path
) -> None:
    """The wide chart shrunk to a phone's 390 px would have words a few pixels high: the page
    carries a tall drawing that a narrow screen shows instead, legend and all."""
    await org(services)
    _, html_path = await write_report(services, tmp_path)
    page = html_path.read_text()
    phone = re.search(r"<picture><source media='\(max-width: 40rem\)' "
                      r"srcset='data:image/png;base64,([A-Za-z0-9+/=]+)'><img ", page)  # fmt: skip
    assert phone
    png = base64.b64decode(phone.group(1))
    width, height = struct.unpack(">II", png[16:24])  # the PNG's IHDR
    assert png.startswith(b"\x89PNG") and width < height <= 2 * width and width <= 500
    report = await assess(services)
    legends = [
        [t.get_text() for t in chart_figure(report, narrow=narrow).axes[1].get_legend().get_texts()]
        for narrow in (True, False)
    ]
    assert legends[0] == legends[1] and len(legends[0]) == 5


async def test_json_export_has_clean_numbers_and_a_final_newline(services: Services) -> None:
    await org(services)
    text = await export_signals(services, "json")
    assert text.endswith("}\n")
    early = json.loads(text)["quarters"][0]
    assert early["quarter"] == EARLY and early["hours_saved"] == 1.8
    assert not re.search(r"\d\.\d{7,}", text)
