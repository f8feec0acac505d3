"""Issue 4/5, finding A2: the org-level stage views never show a figure behind fewer than K
answers or K disclosures, on any surface (report dict, `/ai-stage` blocks, App Home, export)."""

from __future__ import annotations

import json

from bot.core.facts import set_facts
from bot.core.reports import export_signals, html_report
from bot.core.services import Services
from bot.core.stage import assess
from handlers.blocks.org_home import org_home_blocks
from handlers.blocks.stage import stage_evidence_blocks
from tests.stage_fixtures import add_answers, add_disclosures, add_prompts, make_team

Q = "2026Q3"
FEW = "fewer than 5 answers so far"


def rendered(blocks: list) -> str:
    return str([b.to_dict() for b in blocks])


async def small_quarter(services: Services) -> None:
    """A big directory, two answers with obstacles and one disclosure with reasons."""
    team, people = await make_team(services.db, "Big", 20)
    await add_prompts(services.db, Q, people)
    await add_answers(services.db, Q, team, people[:1], tool_approved="not_approved",
                      obstacle_procurement=True, hours_saved_per_month=7.0, metric="x")  # fmt: skip
    await add_answers(services.db, Q, team, people[1:2], obstacle_no_policy=True)
    await add_disclosures(services.db, Q, 1, reason_fear_of_blame=True, reason_review_slow=True)


async def test_first_answers_and_disclosure_are_withheld_in_the_report(services: Services) -> None:
    await small_quarter(services)
    report = await assess(services)
    s = report.signals
    assert s["answered"] is None  # 2 answers read "fewer than 5", as 0 would
    withheld = (
        "with_example",
        "approved",
        "not_approved",
        "measured",
        "hours_saved",
        "production",
        "pilots",
        "breadth",
        "sanctioned_share",
        "covert",
        "covert_share",
    )
    for name in withheld:
        assert s[name] is None, name
    assert not any(s["gates"].values()) and s["demand"] == [] and s["themes"] == {}
    assert any(FEW in w for w in s["withheld"])
    assert any("fewer than 5 disclosures so far" in w for w in s["withheld"])
    assert report.constraint["gate"] is None
    lines = {line["text"].split(":")[0]: line for line in report.evidence}
    assert lines["Reported AI use"]["text"] == f"Reported AI use: withheld ({FEW})"
    assert lines["Reported AI use"]["met"] is None
    assert "withheld" in lines["Answers with an example"]["text"]
    assert "withheld" in lines["Sanctioned share of use"]["text"]
    assert all(p["covert"] is None and p["breadth"] is None for p in report.trend)
    assert report.stage >= 1  # the stage itself is still estimated


async def test_small_quarter_blocks_home_export_and_html_say_withheld(services: Services) -> None:
    await small_quarter(services)
    report = await assess(services)
    text = rendered(stage_evidence_blocks(report))
    assert "disclosed covert withheld" in text and "approved withheld" in text
    assert "Obstacles reported:" not in text and "Obstacle people report most" not in text
    assert "fewer than 5 disclosures so far" in text
    home = rendered(org_home_blocks(report))
    assert "Enough answers include an example · withheld" in home and ": 3" not in home
    rows = json.loads(await export_signals(services, "json"))["quarters"]
    assert rows[-1]["covert"] is None and rows[-1]["not_approved"] is None
    assert all(v is None for k, v in rows[-1].items() if k.startswith("gate_"))
    page = html_report(report, b"")
    table = page.split("<h2>Quarter by quarter</h2>", 1)[1].split("</table>", 1)[0]
    assert "<td class='na'>–</td>" in table  # withheld: a dash, never None or 0
    assert "None" not in page and "What people say stops them" not in page


async def test_covert_cap_line_ignores_fewer_than_k_disclosures(services: Services) -> None:
    team, people = await make_team(services.db, "Six", 6)
    await add_answers(services.db, Q, team, people, has_example=False, example=None)
    await set_facts(services, {"ai_policy": "true"}, "UADMIN", "cli")
    before = (await assess(services)).to_dict()
    await add_disclosures(services.db, Q, 3)
    report = await assess(services)
    texts = " ".join(line["text"] for line in report.evidence)
    # Below K, disclosures enter no figure and no cap: the report is the one with none at all.
    assert "Covert use dominates" not in texts and "A cap on covert use" not in texts
    assert report.to_dict() == before


async def test_k_disclosures_and_answers_show_their_figures(services: Services) -> None:
    team, people = await make_team(services.db, "Big", 10)
    await add_answers(services.db, Q, team, people, obstacle_procurement=True)
    await add_disclosures(services.db, Q, 5, reason_no_approved_tool=True)
    report = await assess(services)
    s = report.signals
    assert s["covert"] == 5 and s["approved"] == 10 and s["gates"]["procurement"] == 15
    assert report.constraint["gate"]["reports"] == 15
    assert "disclosed covert 5" in rendered(stage_evidence_blocks(report))


async def test_one_disclosure_and_no_answers_reads_like_none(services: Services) -> None:
    await make_team(services.db, "Big", 20)
    before = (await assess(services, Q)).to_dict()
    await add_disclosures(services.db, Q, 1, reason_fear_of_blame=True)
    report = await assess(services, Q)
    assert report.signals["covert"] is None and not any(report.signals["gates"].values())
    line = next(e for e in report.evidence if e["text"].startswith("Reported AI use"))
    assert line["text"] == "Reported AI use: withheld (fewer than 5 answers so far)"
    assert "Fewer than 5 answers in" in " ".join(e["text"] for e in report.evidence)
    assert report.to_dict() == before
