"""Capability signals computed in SQL: definitions, gates, demand and K in every team slice."""

from __future__ import annotations

from bot.core.services import Services
from bot.core.signals import demand, org_signals, team_signals
from storage.models import ApprovedTool
from tests.stage_fixtures import add_answers, add_disclosures, add_prompts, make_team

Q = "2026Q2"


async def test_org_signals_count_what_the_model_needs(services: Services) -> None:
    a, a_people = await make_team(services.db, "Alpha", 6)
    b, b_people = await make_team(services.db, "Beta", 6)
    await add_prompts(services.db, Q, a_people + b_people)
    # Production in Alpha: documented, spread, survives the person leaving.
    await add_answers(services.db, Q, a, a_people[:3], establishment="production",
                      continues_without_me="yes", spread="my_team", hours_saved_per_month=4.0,
                      obstacle_procurement=True)  # fmt: skip
    # In "production" but only one person does it: not a production use case, only a pilot.
    await add_answers(services.db, Q, a, a_people[3:4], work_kind="coding",
                      establishment="production", continues_without_me="yes", spread="just_me",
                      tool_approved="not_approved", metric="PR cycle -20%")  # fmt: skip
    await add_answers(services.db, Q, b, b_people[:3], establishment="regular",
                      continues_without_me="yes", obstacle_no_policy=True)  # fmt: skip
    await add_answers(services.db, Q, b, b_people[3:], has_example=False, example=None)
    await add_disclosures(services.db, Q, 2, reason_no_approved_tool=True, reason_review_slow=True)
    s = (await org_signals(services))[Q]
    assert (s.prompted, s.answered, s.with_example) == (12, 10, 7)
    assert s.response_rate == round(10 / 12, 3) and s.breadth == 0.7
    assert (s.approved, s.not_approved, s.covert) == (6, 1, 2)
    assert s.sanctioned_share == round(6 / 9, 3)
    assert s.production == 1 and s.pilots == 1
    assert s.measured == 4 and s.hours_saved == 12.0
    assert s.repeatable_kinds == ["drafting"]  # 6 people, 2 teams, would continue
    assert s.themes == {"drafting": 6, "coding": 1}
    assert s.gates["procurement"] == 3 + 2  # obstacles + "no approved tool" disclosures
    assert s.gates["policy"] == 3 and s.gates["legal_review"] == 2
    assert s.top_gate == ("procurement", 5)


async def test_team_slices_honour_k_everywhere(services: Services) -> None:
    small, small_people = await make_team(services.db, "Tiny", 1)
    mid, mid_people = await make_team(services.db, "Mid", 8)
    await add_answers(services.db, Q, small, small_people)
    await add_answers(services.db, Q, mid, mid_people[:3])  # 3 answers < K=5
    await add_disclosures(services.db, Q, 2, team_id=mid)
    slices = await team_signals(services, Q)
    assert [s.team_id for s in slices] == [mid]  # the one-person team never appears
    mid_slice = slices[0]
    assert mid_slice.answered == 3 and mid_slice.with_example == 0 and mid_slice.themes == {}
    assert mid_slice.covert == 0 and not any(mid_slice.gates.values())
    assert any("fewer than 5 people answered" in w for w in mid_slice.withheld)
    assert any("disclosures withheld" in w for w in mid_slice.withheld)
    await add_answers(services.db, Q, mid, mid_people[3:])
    await add_disclosures(services.db, Q, 3, team_id=mid, reason_procurement=True)
    full = (await team_signals(services, Q, [mid, small]))[0]
    assert full.with_example == 8 and full.themes == {"drafting": 8}
    assert full.covert == 5 and full.gates["procurement"] == 3 and full.withheld == []


async def test_demand_lists_tools_outside_the_catalog_above_k(services: Services) -> None:
    async with services.db.session() as s:
        s.add(ApprovedTool(tool_key="copilot", label="Copilot"))
    await add_disclosures(services.db, Q, 6, tool="Copilot", tool_key="copilot")
    await add_disclosures(services.db, Q, 4, tool="ShadowGPT", tool_key="shadowgpt")
    await add_disclosures(services.db, Q, 2, tool="ShadowGPT", tool_key="shadowgpt",
                          work_kind="coding")  # fmt: skip
    await add_disclosures(services.db, Q, 2, tool="Rare", tool_key="rare")
    found = await demand(services, Q)
    assert found[0] == {"tool": "shadowgpt", "kind": "chat_assistant", "count": 6,
                        "work": {"drafting": 4, "coding": 2}}  # fmt: skip
    assert found[1]["count"] == 2 and "below the group size" in found[1]["tool"]
    assert all(t["tool"] != "copilot" for t in found)


async def test_org_smaller_than_k_never_shows_disclosure_counts(services: Services) -> None:
    team, people = await make_team(services.db, "Four", 4)
    await add_answers(services.db, Q, team, people)
    await add_disclosures(services.db, Q, 3, reason_fear_of_blame=True)
    s = (await org_signals(services))[Q]
    assert s.covert == 0 and s.gates["policy"] == 0
    assert any("directory is smaller than the group size" in w for w in s.withheld)
    assert s.answered == 4  # answers are attributed, not anonymous: still counted org-wide
