"""A manager's team summary: thresholds on every slice, names only by consent, and who may see
a team at all. `respond_team_summary` is the function `/ai-leverage team` dispatches to."""

from __future__ import annotations

from typing import Any

from bot.core.services import Services
from bot.core.signals import figures_for
from bot.core.team_summary import build_team_summary
from handlers.blocks.team_summary import team_summary_blocks, team_summary_text
from handlers.commands.team import respond_team_summary
from handlers.team_view import gather_team_view
from tests.conftest import ADMIN_ID
from tests.stage_fixtures import add_answers, add_disclosures, add_prompts, make_person, make_team

Q = "2026Q4"


class Recorder:
    """Stands in for Bolt's `respond`: records what the listener would post to response_url."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    async def __call__(self, **kwargs: Any) -> None:
        self.calls.append(kwargs)

    @property
    def text(self) -> str:
        return self.calls[-1]["text"]


async def managed_org(services: Services) -> tuple[int, list[int]]:
    manager = await make_person(services.db, "Mona Manager", "UMGR")
    eng, people = await make_team(services.db, "Eng", 7, manager=manager)
    solo, loner = await make_team(services.db, "Solo", 1, manager=manager)
    await add_prompts(services.db, Q, people + loner)
    await add_answers(services.db, Q, eng, people[:2], share_consent=True,
                      example="Drafted release notes with the assistant")  # fmt: skip
    await add_answers(services.db, Q, eng, people[2:5], work_kind="coding", example="secret",
                      tool_approved="not_approved", obstacle_procurement=True)  # fmt: skip
    await add_answers(services.db, Q, solo, loner, share_consent=True, example="solo story")
    await add_disclosures(services.db, Q, 2, team_id=eng)
    return manager, people


async def test_manager_sees_team_figures_and_consented_examples(services: Services) -> None:
    manager, _ = await managed_org(services)
    summary = await build_team_summary(services, manager, Q)
    text = summary.text
    # Solo's one person answered: the organisation's 6 minus Eng's 5 would say so, so Eng's
    # count is withheld (complementary suppression), not shown as "fewer than 5".
    assert "Eng (7 people)" in text and "Response rate: withheld (of 7)" in text
    # A3: every cell below K is withheld, pooled into "other" only when the pool reaches K.
    # Every theme is below K; their pool (5) would give Eng's count of examples, and with it
    # Solo's, so it is not shown either.
    assert "Drafting 2" not in text and "Coding 3" not in text and "themes (5)" not in text
    assert "approved withheld, not approved withheld" in text
    assert "Procurement" not in text and "Gates most reported" not in text
    assert "figures for fewer than 5 people withheld" in text
    assert "Eng Person 0" in text and "Eng Person 1" in text  # consented, by name
    assert "secret" not in text and "Eng Person 2" not in text
    assert "Eng Person 5" not in text and "Eng Person 6" not in text  # never answered
    assert "covert" not in text  # disclosures count org-wide only, never per team
    assert "Solo has 1 people, fewer than 5" in text and "solo story" not in text
    view = await gather_team_view(services, manager, Q)
    blocks = [b.to_dict() for b in team_summary_blocks(view)]
    assert len(blocks) <= 50 and team_summary_text(view).startswith("Team summary, Q4 2026.")


async def test_manager_with_no_team_is_told_so(services: Services) -> None:
    lonely = await make_person(services.db, "Lee Lonely", "ULONE")
    summary = await build_team_summary(services, lonely, Q)
    assert summary.teams == [] and "Nobody in the directory reports to you" in summary.text
    missing = await build_team_summary(services, 999999, Q)
    assert "not in the directory" in missing.text


async def test_only_managers_and_admins_see_team_views(services: Services) -> None:
    await managed_org(services)
    reply = Recorder()
    await respond_team_summary(reply, services, "UMGR")
    assert "Eng (7 people)" in reply.text and reply.calls[-1]["response_type"] == "ephemeral"
    await respond_team_summary(reply, services, "UEng6")
    await respond_team_summary(reply, services, "UENG6")  # a team member, manages nobody
    assert "Team views are for a team's managers" in reply.text
    await respond_team_summary(reply, services, "UNOBODY")
    assert "not in the organisation's directory" in reply.text
    await make_person(services.db, "Ada Admin", ADMIN_ID)
    await respond_team_summary(reply, services, ADMIN_ID)
    assert "Eng (7 people)" in reply.text and "Solo" not in reply.text
    assert reply.calls[-1]["blocks"][0]["text"]["text"] == "All teams, Q4 2026"


async def test_a_teams_view_does_not_depend_on_its_disclosures(
    services: Services,
) -> None:
    manager = await make_person(services.db, "Mona Manager", "UMGR")
    team, people = await make_team(services.db, "Eng", 8, manager=manager)
    await add_prompts(services.db, Q, people)
    await add_answers(services.db, Q, team, people[:6])
    before = (await build_team_summary(services, manager, Q)).text
    await add_disclosures(services.db, Q, 2, team_id=team)
    assert (await build_team_summary(services, manager, Q)).text == before
    await add_disclosures(services.db, Q, 6, team_id=team, reason_procurement=True)
    text = (await build_team_summary(services, manager, Q)).text
    assert text == before and "covert" not in text
    assert "Sanctioned share: 100% (approved 6, not approved 0, approval unknown 0)" in text


async def test_the_organisation_beside_a_team_is_read_from_answers_alone(
    services: Services,
) -> None:
    """The comparison uses a team's definitions: sanctioned share among answers (no covert
    use in it) and obstacles people reported in answers (no covert reasons), while the
    organisation's own report counts both once there are K disclosures."""
    manager = await make_person(services.db, "Mona Manager", "UMGR")
    team, people = await make_team(services.db, "Eng", 12, manager=manager)
    other, rest = await make_team(services.db, "Ops", 6)
    await add_prompts(services.db, Q, people + rest)
    await add_answers(services.db, Q, team, people[:6], obstacle_legal_review=True)
    await add_answers(services.db, Q, team, people[6:11], tool_approved="not_approved",
                      obstacle_legal_review=True)  # fmt: skip
    await add_answers(services.db, Q, other, rest[:5], obstacle_legal_review=True)
    await add_disclosures(services.db, Q, 30, reason_no_approved_tool=True)
    view = await gather_team_view(services, manager, Q)
    org = view.org
    assert org is not None and org.answered == 16 and not org.disclosures_counted
    assert org.sanctioned_share == round(11 / 16, 3) and "covert" in org.hidden
    assert org.top_gate == ("legal_review", 16)
    text = team_summary_text(view)
    fields = " ".join(str(b.to_dict()) for b in team_summary_blocks(view))
    assert "org 69%" in fields and "org Legal" in fields and "covert" not in text
    public = (await figures_for(services, Q)).org
    assert public.covert == 30 and public.sanctioned_share == round(11 / 46, 3)
    assert public.gates["procurement"] == 30 and "procurement" not in org.gates
    assert public.top_gate is not None and public.top_gate[0] == "procurement"


async def test_an_obstacle_below_k_reads_like_none(services: Services) -> None:
    """Three reports of an obstacle and none read the same ("none by 5+"), never "none
    reported" for one and a dash for the other: 0 and 1..K-1 are protected alike."""
    manager = await make_person(services.db, "Mona Manager", "UMGR")
    team, people = await make_team(services.db, "Eng", 8, manager=manager)
    await add_prompts(services.db, Q, people)
    await add_answers(services.db, Q, team, people[:5])
    blocks = [
        b.to_dict() for b in team_summary_blocks(await gather_team_view(services, manager, Q))
    ]
    await add_answers(services.db, Q, team, people[5:8], obstacle_legal_review=True)
    after = [b.to_dict() for b in team_summary_blocks(await gather_team_view(services, manager, Q))]
    field = next(f["text"] for b in after if b.get("fields") for f in b["fields"]
                 if "obstacle" in f["text"])  # fmt: skip
    assert "none by 5+" in field
    obstacle = [
        f for b in blocks if b.get("fields") for f in b["fields"] if "obstacle" in f["text"]
    ]
    assert obstacle[0]["text"].split("\n")[1] == field.split("\n")[1]
