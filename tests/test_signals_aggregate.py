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
    s = (await org_signals(services, raw=True))[Q]
    assert (s.prompted, s.answered, s.with_example) == (12, 10, 7)
    assert s.response_rate == round(10 / 12, 3) and s.breadth == 0.7
    # Below K disclosures, none enters any figure, not even the stage's inputs: 0 and 2 read
    # the same everywhere.
    assert (s.approved, s.not_approved, s.covert) == (6, 1, 0)
    assert s.sanctioned_share == round(6 / 7, 3) and not s.disclosures_counted
    assert s.production == 1 and s.pilots == 1
    assert s.measured == 4 and s.hours_saved == 12.0
    assert s.repeatable_kinds == ["drafting"]  # 6 people, 2 teams, would continue
    assert s.themes == {"drafting": 6, "coding": 1}
    assert s.gates["procurement"] == 3  # obstacles only: the 2 disclosures (< K) are not added
    assert s.gates["policy"] == 3 and s.gates["legal_review"] == 0
    assert s.top_gate == ("policy", 3)
    # What anyone may see: every cell below K is withheld, and so is any cell that would let
    # a withheld one be worked out (complementary suppression).
    shown = (await org_signals(services))[Q]
    assert shown.answered == 10 and shown.approved == 6 and shown.approval_unknown == 0
    # 3 answered without an example (< K): answered - with_example would give it away, so the
    # number with an example is withheld too; not approved (1) then stays undetermined.
    assert shown.with_example == 0 and {"with_example", "not_approved"} <= set(shown.hidden)
    assert shown.protective == ["with_example"]
    assert shown.covert == 0 and shown.measured == 0 and shown.continues == 7
    assert shown.breadth is None and shown.sanctioned_share is None
    assert shown.themes == {"drafting": 6}  # coding 1 < K and the theme pool 1 < K: omitted
    assert shown.other == {"gates": 6}  # policy 3 + procurement 3: each < K, pooled they reach K
    assert shown.gates == {}  # a gate below K is left out, as a gate nobody reported is
    data = shown.to_dict()
    assert data["covert"] is None and data["not_approved"] is None and data["approved"] == 6
    assert "obstacle_gates" not in data and "reason_gates" not in data
    assert any("fewer than 5 disclosures so far" in w for w in shown.withheld)
    # Alpha (4 answers < K) is withheld whole; so Beta's count of answers is withheld too,
    # else the organisation's 10 minus Beta's 6 would give Alpha's 4.
    alpha, beta = await team_signals(services, Q)
    assert alpha.to_dict()["answered"] is None and "answered" not in alpha.protective
    assert beta.to_dict()["answered"] is None and beta.protective == ["answered"]


async def test_team_slices_honour_k_everywhere(services: Services) -> None:
    small, small_people = await make_team(services.db, "Tiny", 1)
    mid, mid_people = await make_team(services.db, "Mid", 8)
    await add_answers(services.db, Q, small, small_people)
    await add_answers(services.db, Q, mid, mid_people[:3])  # 3 answers < K=5
    await add_disclosures(services.db, Q, 2, team_id=mid)
    slices = await team_signals(services, Q)
    assert [s.team_id for s in slices] == [mid]  # the one-person team never appears
    mid_slice = slices[0]
    # 3 answers read "fewer than K", as 0 would: nothing about the team is shown yet.
    assert mid_slice.to_dict()["answered"] is None and "answered" not in mid_slice.protective
    assert mid_slice.with_example == 0 and mid_slice.themes == {} and mid_slice.gates == {}
    assert mid_slice.withheld == ["answer details withheld: fewer than 5 answers so far"]
    # Disclosures count org-wide only: a team slice never carries them, at any count.
    assert mid_slice.to_dict()["covert"] is None and not mid_slice.disclosures_counted
    before = mid_slice.to_dict()
    await add_disclosures(services.db, Q, 3, team_id=mid, reason_procurement=True)
    assert (await team_signals(services, Q))[0].to_dict() == before
    await add_answers(services.db, Q, mid, mid_people[3:])
    full = (await team_signals(services, Q, [mid, small]))[0]
    # The one person of Tiny answered: the organisation's 9 minus Mid's 8 would say so, so
    # Mid's counts that would give it away are withheld (complementary suppression).
    assert {"answered", "with_example", "approved"} <= set(full.protective)
    assert full.to_dict()["covert"] is None and full.gates == {}
    assert full.withheld == ["more figures withheld so that no withheld one can be worked out"]
    org = (await org_signals(services))[Q]
    # Every example is "drafting": the organisation's 9 next to its 9 examples would pin every
    # other theme to 0 (non-negativity), so the organisation's drafting count is withheld and
    # Mid's 8 may show instead (the organisation's 9 minus it is no longer known).
    assert org.answered == 9 and org.themes == {} and full.themes == {"drafting": 8}
    # With a second team, the smaller one's counts protect Tiny instead (the pattern withholds
    # the least it can): Mid's are published again.
    other, other_people = await make_team(services.db, "Other", 6)
    await add_answers(services.db, Q, other, other_people)
    mid_view, other_view = await team_signals(services, Q, [mid, other])
    assert mid_view.answered == 8 and "answered" in other_view.protective


async def test_cells_below_k_inside_a_team_are_withheld(services: Services) -> None:
    # A3: inside a team that qualifies, each cell below K is withheld; a pool reaching K shows.
    cells_team, cells_people = await make_team(services.db, "Cells", 6)
    await add_answers(services.db, Q, cells_team, cells_people[:3], obstacle_procurement=True,
                      tool_approved="not_approved")  # fmt: skip
    await add_answers(services.db, Q, cells_team, cells_people[3:], work_kind="coding")
    cells = (await team_signals(services, Q, [cells_team]))[0]
    assert cells.answered == 6 and cells.with_example == 6
    assert cells.themes == {} and cells.other == {"themes": 6}  # drafting 3 + coding 3
    assert cells.gates == {} and "gates" not in cells.other  # procurement 3 < K
    assert cells.approved == 0 and cells.not_approved == 0 and cells.sanctioned_share is None
    assert {"approved", "not_approved", "sanctioned_share"} <= set(cells.hidden)
    assert "figures for fewer than 5 people withheld" in cells.withheld


async def test_demand_lists_tools_outside_the_catalog_above_k(services: Services) -> None:
    await make_team(services.db, "Everyone", 5)  # disclosures count only in a directory of K
    async with services.db.session() as s:
        s.add(ApprovedTool(tool_key="copilot", label="Copilot"))
    await add_disclosures(services.db, Q, 6, tool="Copilot", tool_key="copilot")
    await add_disclosures(services.db, Q, 4, tool="ShadowGPT", tool_key="shadowgpt")
    await add_disclosures(services.db, Q, 2, tool="ShadowGPT", tool_key="shadowgpt",
                          work_kind="coding")  # fmt: skip
    await add_disclosures(services.db, Q, 2, tool="Rare", tool_key="rare")
    found = await demand(services, Q)
    # Per-kind cells below K are withheld; the pool of rare tools (2 < K) is not shown.
    assert found == [{"tool": "Shadowgpt", "count": 6, "work": {}}]
    await add_disclosures(services.db, Q, 3, tool="Other", tool_key="other")
    found = await demand(services, Q)
    assert found[1] == {
        "tool": "other tools (each named fewer than 5 times)",
        "count": 5,
        "work": {},
    }
    assert all(t["tool"].lower() != "copilot" for t in found)


async def test_org_smaller_than_k_never_shows_disclosure_counts(services: Services) -> None:
    team, people = await make_team(services.db, "Four", 4)
    await add_answers(services.db, Q, team, people)
    await add_disclosures(services.db, Q, 3, reason_fear_of_blame=True)
    s = (await org_signals(services))[Q]
    assert s.covert == 0 and "policy" not in s.gates
    assert any("directory is smaller than the group size" in w for w in s.withheld)
    assert "answered" in s.hidden  # 4 answers < K read "fewer than 5", as none would
