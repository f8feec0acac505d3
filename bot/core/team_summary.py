"""Placeholder: the aggregator builds team summaries here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass
class TeamSummary:
    manager_person_id: int
    quarter: str
    text: str


async def build_team_summary(services: Any, manager_person_id: int, quarter: str) -> TeamSummary:
    return TeamSummary(manager_person_id, quarter, "Team summaries are not built yet.")
