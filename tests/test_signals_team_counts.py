"""The figures read the same however the answers are fetched: grouped in the database (each
team of K people on its own, everybody else together), or, beyond `DETAIL_TEAMS` teams, the
organisation's row beside the teams' counts of answers alone, as from one row per team.

The reference is the plain per-team fetch (`answers_by_quarter_team`, `themes_by_quarter_team`);
every public figure, every raw stage input and every cell of the disclosure-control table, with
what it withholds, must be the same. Organisations come from hypothesis (small teams, people in
no team, answers from no team)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from bot.core import figure_table
from bot.core import signals as signals_core
from bot.core.services import Services
from storage.queries import signals as q
from tests.privacy_org import Org, orgs, store

EXAMPLES = settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _per_team(big: list[int]) -> tuple[Any, Any]:
    return q.answers_by_quarter_team, q.themes_by_quarter_team


async def _everything(services: Services) -> dict[str, Any]:
    out = {}
    for quarter, f in (await signals_core.figures(services)).items():
        out[quarter] = {
            "org": f.org.to_dict(),
            "raw": f.raw.to_dict(),
            "teams": {team: s.to_dict() for team, s in f.teams.items()},
            "cells": {key: cell.value for key, cell in f.table.cells.items()},
            "withheld": sorted(f.table.withheld),
        }
    return out


async def _both_ways(services: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    fetched = await _everything(services)
    with monkeypatch.context() as m:
        m.setattr(signals_core, "_loaders", _per_team)
        reference = await _everything(services)
    assert fetched == reference
    assert reference  # not two empty readings


@EXAMPLES
@given(org=orgs)
async def test_grouped_answers_give_the_per_team_figures(
    services: Services, monkeypatch: pytest.MonkeyPatch, org: Org
) -> None:
    await store(services, org)
    await _both_ways(services, monkeypatch)


@EXAMPLES
@given(org=orgs)
async def test_team_counts_alone_give_the_per_team_figures_beyond_the_detail_limit(
    services: Services, monkeypatch: pytest.MonkeyPatch, org: Org
) -> None:
    monkeypatch.setattr(figure_table, "DETAIL_TEAMS", 1)
    await store(services, org)
    await _both_ways(services, monkeypatch)


async def test_beyond_the_detail_limit_the_slim_fetch_is_used(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Positive control: the comparison above is between two different fetches."""
    monkeypatch.setattr(figure_table, "DETAIL_TEAMS", 1)
    assert signals_core._loaders([1, 2]) == (q.answers_with_team_counts, signals_core._no_rows)
    monkeypatch.setattr(figure_table, "DETAIL_TEAMS", 2)
    assert signals_core._loaders([1, 2])[0].func is q.answers_by_quarter_group
