"""Organisation process facts: validated keys, an audit log of who changed what and when."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.core.facts import FactError, load_facts, parse_pairs, set_facts
from bot.core.services import Services
from storage.models import FactChange, OrgFact


async def changes(services: Services) -> list[FactChange]:
    async with services.db.session() as s:
        return list((await s.exec(select(FactChange).order_by(FactChange.id))).scalars().all())


async def test_set_facts_normalises_and_logs_who_and_when(services: Services) -> None:
    done = await set_facts(
        services, parse_pairs(["ai_policy=Yes", "review_sla_days=14"]), "alice", "cli"
    )
    assert done == [("ai_policy", None, "true"), ("review_sla_days", None, "14")]
    facts = await load_facts(services)
    assert facts.flag("ai_policy") is True and facts.number("review_sla_days") == 14
    assert facts.review_path  # implied by the SLA
    await set_facts(services, {"review_sla_days": "30"}, "bob", "slack")
    log = await changes(services)
    assert [(c.key, c.old_value, c.new_value, c.changed_by, c.source) for c in log] == [
        ("ai_policy", None, "true", "alice", "cli"),
        ("review_sla_days", None, "14", "alice", "cli"),
        ("review_sla_days", "14", "30", "bob", "slack"),
    ]
    assert all(c.changed_at is not None for c in log)


async def test_unchanged_values_are_not_logged_and_empty_clears(services: Services) -> None:
    await set_facts(services, {"review_credit": "true"}, "alice", "cli")
    assert await set_facts(services, {"review_credit": "1"}, "bob", "cli") == []
    await set_facts(services, {"review_credit": ""}, "carol", "cli")
    async with services.db.session() as s:
        assert await s.get(OrgFact, "review_credit") is None
    assert [c.changed_by for c in await changes(services)] == ["alice", "carol"]


@pytest.mark.parametrize(
    ("pairs", "message"),
    [
        ({"ai_polcy": "true"}, "unknown fact 'ai_polcy'"),
        ({"ai_policy": "maybe"}, "ai_policy expects true or false"),
        ({"review_sla_days": "two weeks"}, "review_sla_days expects a whole number"),
        ({"training_completion_pct": "120"}, "expects a percentage from 0 to 100"),
        ({"production_use_cases_documented": "-1"}, "expects a whole number"),
    ],
)
async def test_bad_facts_change_nothing(services: Services, pairs: dict, message: str) -> None:
    with pytest.raises(FactError, match=message):
        await set_facts(services, {"ai_policy": "true", **pairs}, "alice", "cli")
    assert await changes(services) == []


def test_words_without_equals_are_refused() -> None:
    with pytest.raises(FactError, match="not KEY=VALUE"):
        parse_pairs(["ai_policy"])


async def test_contradictory_facts_are_named(services: Services) -> None:
    await set_facts(services, {"review_sla_days": "14", "review_path": "no"}, "alice", "cli")
    facts = await load_facts(services)
    assert facts.review_path is False
    assert "review_sla_days is set but review_path=false" in facts.contradictions[0]
