"""The stage estimate: signals + facts -> a gated, explainable stage with its binding constraint.

`assess` is the one entry point every surface uses (`/ai-stage`, App Home, `leverage-bot stage`,
the chart and the HTML report), so they can never disagree.
"""

from __future__ import annotations

import asyncio
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from bot.core import facts as facts_core
from bot.core import quarters
from bot.core import signals as signals_core
from bot.core import stage_rules as rules
from bot.core.diagnostic import answer_diagnostic
from bot.core.facts import Facts
from bot.core.signals import Signals

STAGE_NAMES = {
    1: "Ad-hoc individual use",
    2: "Pilot capability",
    3: "Production capability",
    4: "AI as infrastructure",
    5: "AI as default",
}


class ThresholdsError(ValueError):
    """The thresholds override file is missing, not TOML, or names unknown settings."""


def load_thresholds(override_file: str = "") -> dict[str, Any]:
    """Packaged defaults, with any section values from the override file laid over them."""
    text = resources.files("bot.core").joinpath("stage_thresholds.toml").read_text("utf-8")
    merged = tomllib.loads(text)
    if not override_file:
        return merged
    try:
        override = tomllib.loads(Path(override_file).read_text("utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise ThresholdsError(f"stage thresholds file {override_file}: {error}") from None
    for section, values in override.items():
        if section not in merged or not isinstance(values, dict):
            raise ThresholdsError(f"stage thresholds file: unknown section [{section}]")
        unknown = set(values) - set(merged[section])
        if unknown:
            raise ThresholdsError(f"stage thresholds file: unknown keys {sorted(unknown)}")
        merged[section].update(values)
    return merged


@dataclass
class StageReport:
    quarter: str
    stage: int
    confidence: str
    constraint: dict[str, Any]
    evidence: list[dict[str, Any]]
    signals: dict[str, Any]
    trend: list[dict[str, Any]] = field(default_factory=list)
    diagnostic: dict[str, Any] = field(default_factory=dict)
    facts: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def stage_name(self) -> str:
        return STAGE_NAMES[self.stage]

    @property
    def next_step(self) -> str | None:
        return self.constraint.get("next_step")

    def to_dict(self) -> dict[str, Any]:
        return {
            "quarter": self.quarter,
            "stage": self.stage,
            "stage_name": self.stage_name,
            "confidence": self.confidence,
            "constraint": self.constraint,
            "next_step": self.next_step,
            "evidence": self.evidence,
            "signals": self.signals,
            "trend": self.trend,
            "diagnostic": self.diagnostic,
            "facts": self.facts,
            "notes": self.notes,
        }


@dataclass
class _Estimate:
    stage: int
    criteria: list[rules.Criterion]
    caps: list[tuple[int, str]]


def _growth(history: list[Signals], facts: Facts) -> int:
    """Consecutive most-recent quarters in which production use cases grew."""
    streak = 0
    for older, newer in zip(reversed(history[:-1]), reversed(history[1:]), strict=False):
        if rules.production_count(newer, facts) > rules.production_count(older, facts):
            streak += 1
        else:
            break
    return streak


def estimate(history: list[Signals], facts: Facts, t: dict[str, Any]) -> _Estimate:
    """The stage for the last quarter in `history` (earlier ones feed the growth criterion)."""
    sig = history[-1]
    found = rules.criteria(sig, facts, t, _growth(history, facts))
    cap_reasons = rules.caps(sig, facts, t)
    stage = min([rules.gated_stage(found)] + [cap for cap, _ in cap_reasons])
    return _Estimate(stage, found, cap_reasons)


def _evidence(est: _Estimate, facts: Facts, sig: Signals) -> list[dict[str, Any]]:
    lines = [{"stage": c.stage, "met": c.met, "text": c.text} for c in est.criteria]
    for cap, reason in est.caps:
        lines.append({"stage": cap, "met": False, "text": reason, "cap": True})
    for problem in facts.contradictions:
        lines.append({"stage": None, "met": False, "text": f"Contradictory facts: {problem}"})
    training = facts.number("training_completion_pct")
    if training is not None:
        lines.append(
            {
                "stage": None,
                "met": None,
                "text": f"Training completion {training:g}%: knowledge, not maturity; "
                "it does not move the stage",
            }
        )
    if sig.answered == 0:
        lines.append({"stage": None, "met": False, "text": f"No answers in {sig.quarter} yet"})
    return lines


def _facts_for(quarter: str, latest: str, history: list[Any], now: Facts) -> Facts:
    if quarter == latest or not quarters.is_quarter(quarter):
        return now
    return facts_core.facts_as_of(history, quarters.quarter_end(quarter))


def stages(
    series: list[Signals], changes: list[Any], now: Facts, t: dict[str, Any], last: int = 0
) -> list[int]:
    """The stage each of the last `last` quarters had (all when 0), with that quarter's facts."""
    latest = series[-1].quarter
    start = max(0, len(series) - last) if last else 0
    return [
        estimate(series[: i + 1], _facts_for(series[i].quarter, latest, changes, now), t).stage
        for i in range(start, len(series))
    ]


async def stage_history(services: Any) -> dict[str, int]:
    """Every quarter's stage, oldest first: for exports that auditors read."""
    t = load_thresholds(services.settings.stage_thresholds_file)
    by_quarter = await signals_core.org_signals(
        services, t["signals"]["repeatable_min_people"], t["signals"]["repeatable_min_teams"]
    )
    if not by_quarter:
        return {}
    now = await facts_core.load_facts(services)
    changes = await facts_core.fact_history(services)
    series = list(by_quarter.values())
    return dict(zip(by_quarter, stages(series, changes, now, t), strict=True))


def _trend(
    series: list[Signals], changes: list[Any], now: Facts, t: dict[str, Any]
) -> list[dict[str, Any]]:
    out = []
    window = int(t["trend"]["quarters"])
    recent = series[-window:]
    for sig, stage in zip(recent, stages(series, changes, now, t, window), strict=True):
        out.append(
            {
                "quarter": sig.quarter,
                "stage": stage,
                "answered": sig.answered,
                "response_rate": sig.response_rate,
                "breadth": sig.breadth,
                "sanctioned_share": sig.sanctioned_share,
                "production": sig.production,
                "repeatable_kinds": len(sig.repeatable_kinds),
                "covert": sig.covert,
            }
        )
    return out


async def assess(services: Any, quarter: str | None = None) -> StageReport:
    """The organisation's stage for `quarter` (default: the latest with any data)."""
    t = load_thresholds(services.settings.stage_thresholds_file)
    by_quarter, (now, changes) = await asyncio.gather(
        signals_core.org_signals(
            services, t["signals"]["repeatable_min_people"], t["signals"]["repeatable_min_teams"]
        ),
        facts_core.facts_and_history(services),
    )
    latest = list(by_quarter)[-1] if by_quarter else quarters.quarter_of(services.clock())
    quarter = quarter or latest
    series = [s for q, s in by_quarter.items() if q <= quarter]
    if not series or series[-1].quarter != quarter:
        people = next(iter(by_quarter.values())).people if by_quarter else 0
        series.append(Signals(quarter=quarter, people=people))
        signals_core.finish(series[-1])
    sig = series[-1]
    sig.demand = await signals_core.demand(services, quarter)
    est = estimate(series, now, t)
    return StageReport(
        quarter=quarter,
        stage=est.stage,
        confidence=rules.confidence(sig, t),
        constraint=rules.binding_constraint(est.stage, est.criteria, sig, est.caps),
        evidence=_evidence(est, now, sig),
        signals=sig.to_dict(),
        trend=_trend(series, changes, now, t),
        diagnostic=answer_diagnostic(series, changes, now, t, _facts_for),
        facts={"values": now.values, "contradictions": now.contradictions},
    )
