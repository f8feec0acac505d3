"""Retention: free text older than the configured quarters is removed on schedule, every
figure stays the same, and the state an audit reads says so."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert, select

from bot.coordination import tick
from bot.core.retention import oldest_kept, purge_expired_text, retention_state
from bot.core.services import Services
from bot.core.stage import assess
from bot.scheduler import coordinated_jobs
from storage.models import Answer, Campaign, Disclosure, DisclosureReply, Person, Team
from storage.queries.retention import REMOVED
from tests.test_campaign_fixtures import NOON, at
from tests.test_privacy_figures_audit import audit

OLD, KEPT, NOW = "2025Q3", "2025Q4", "2026Q4"  # NOON is in 2026Q4; 4 quarters kept


async def seed_history(services: Services) -> None:
    """Seven people answering in three quarters, and a disclosure with a reply in each."""
    async with services.db.session() as s:
        team = Team(name="Platform")
        s.add(team)
        await s.flush()
        people = [Person(email=f"p{i}@x.test", name=f"P{i}", team_id=team.id) for i in range(7)]
        s.add_all(people)
        await s.flush()
        for number, quarter in enumerate((OLD, KEPT, NOW)):
            opens = datetime(2025 + number // 2, 9, 9, tzinfo=UTC) + timedelta(days=91 * number)
            s.add(Campaign(id=quarter, opens_at=opens, closes_at=opens + timedelta(days=14)))
            await s.flush()
            await s.exec(insert(Answer).values([  # type: ignore[call-overload]
                {"campaign_id": quarter, "quarter": quarter, "person_id": p.id,
                 "team_id": team.id, "has_example": True, "work_kind": "summarising",
                 "example": f"secret example {quarter} {p.id}", "tool": "Company ChatGPT",
                 "metric": f"secret metric {quarter}" if i % 2 else None,
                 "hours_saved_per_month": 3.0, "establishment": "regular",
                 "spread": "my_team", "continues_without_me": "yes",
                 "created_at": opens, "updated_at": opens}
                for i, p in enumerate(people)
            ]))  # fmt: skip
            s.add(
                Disclosure(
                    id=f"d{quarter}",
                    quarter=quarter,
                    tool="Tool",
                    tool_key="tool",
                    tool_kind="chat",
                    work_kind="writing",
                    frequency="weekly",
                    data_class="internal",
                    make_it_easy=f"secret wish {quarter}",
                    claim_hash=f"h{quarter}",
                ),
            )
            await s.flush()
            s.add(DisclosureReply(disclosure_id=f"d{quarter}", body="secret reply", author="a"))


async def figures(services: Services) -> str:
    return json.dumps([(await assess(services, q)).to_dict() for q in (OLD, KEPT, NOW)])


async def test_old_free_text_is_removed_and_every_figure_stays(services: Services) -> None:
    await seed_history(services)
    at(services, NOON)
    services.settings.retention_quarters = 4
    assert oldest_kept(NOON, 4) == KEPT
    before = await figures(services)
    state = await retention_state(services)
    assert (state.oldest_kept, state.text_past_retention) == (KEPT, 7 + 1 + 1)
    summary = await purge_expired_text(services)
    assert summary == f"before {KEPT}: 7 answers, 1 disclosures, 1 replies"
    assert await figures(services) == before
    async with services.db.session() as s:
        rows = (await s.exec(select(Answer.quarter, Answer.example, Answer.metric))).all()
        wishes = dict((await s.exec(select(Disclosure.quarter, Disclosure.make_it_easy))).all())
        replies = (await s.exec(select(DisclosureReply.body))).all()
    old = [(e, m) for q, e, m in rows if q == OLD]
    assert {e for e, _ in old} == {None} and {m for _, m in old} == {None, REMOVED}
    assert all(e and e.startswith("secret") for q, e, _ in rows if q != OLD)
    assert wishes == {OLD: None, KEPT: f"secret wish {KEPT}", NOW: f"secret wish {NOW}"}
    assert len(replies) == 2
    assert (await retention_state(services)).text_past_retention == 0
    assert (
        await purge_expired_text(services) == f"before {KEPT}: 0 answers, 0 disclosures, 0 replies"
    )


async def test_the_scheduled_purge_runs_once_and_is_reported(services: Services) -> None:
    await seed_history(services)
    at(services, NOON)
    services.settings.retention_quarters = 4
    jobs = [j for j in coordinated_jobs(services) if j.name == "retention"]
    await tick(services, jobs, "replica-a")
    state = await retention_state(services)
    assert state.text_past_retention == 0 and state.last_outcome == "ok"
    assert state.last_purge_at == NOON and "7 answers" in (state.last_detail or "")
    assert "kept for 4 quarters (from 2025Q4 on); 0 older values" in state.describe()


async def test_retention_zero_keeps_everything(services: Services) -> None:
    await seed_history(services)
    at(services, NOON)
    services.settings.retention_quarters = 0
    assert await purge_expired_text(services) == "retention off"
    state = await retention_state(services)
    assert state.oldest_kept is None and "kept forever" in state.describe()


async def test_privacy_audit_shows_retention_in_text_and_json(
    services: Services,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`leverage-bot privacy audit` (the real CLI, its own clock) says how long words are kept,
    how many older values are still stored and when the purge last ran."""
    await seed_history(services)
    services.settings.retention_quarters = 4  # the CLI's default too
    expected = await retention_state(services)  # the real clock, as the CLI's
    assert expected.text_past_retention >= 9  # 2025Q3's words, at least, are past retention
    assert await audit(services, monkeypatch, tmp_path, "--json") == 0
    assert json.loads(capsys.readouterr().out)["retention"] == expected.to_dict()
    assert await audit(services, monkeypatch, tmp_path) == 0
    assert expected.describe() in capsys.readouterr().out.splitlines()
    assert "no purge has run yet" in expected.describe()
