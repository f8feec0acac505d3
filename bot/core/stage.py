"""The stage estimate: signals + facts -> a gated, explainable stage with its binding constraint.

`assess` is the one entry point every surface uses (`/ai-stage`, App Home, `leverage-bot stage`,
the chart and the HTML report), so they can never disagree.

The stage is published only as far as the published figures decide it. It is estimated from the
raw counts, but a criterion whose figures are withheld counts as unknown, and so does the
covert-dominance cap while the covert share is withheld. When the unknowns could move the stage
(below K answers, always), the quarter is "not estimated yet" and its stage is carried forward
from the last quarter whose published figures did decide it, kept within the range this
quarter's published figures allow (their lowest stage when none did, or when the carried stage
lies outside it). So the stage, its trend, its evidence and its constraint are functions of what
is published: one more answer below K, or a withheld cell, cannot flip them. Carrying the last
value forward rather than showing no stage keeps one meaning on every surface (each renders a
stage number) and does not make the stage blink to "unknown" at the start of every quarter; the
report says that the stage was carried, and from where.
"""

from __future__ import annotations

import asyncio
import functools
import json
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any, overload

from bot.core import facts as facts_core
from bot.core import quarters
from bot.core import signals as signals_core
from bot.core import stage_rules as rules
from bot.core import stage_text as plain
from bot.core.cache import cached
from bot.core.diagnostic import answer_diagnostic
from bot.core.facts import Facts
from bot.core.registry import evidence as registry_evidence
from bot.core.registry import facts_with_gates, registry_signals
from bot.core.signals import Signals
from bot.core.stage_text import STAGE_NAMES  # re-exported: the names live with the words


class ThresholdsError(ValueError):
    """The thresholds override file is missing, not TOML, or names unknown settings."""


class QuarterOutOfRange(ValueError):
    """A quarter that has not started, or lies before the first campaign: nothing to judge."""


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
    registry: dict[str, Any] = field(default_factory=dict)
    # False: this quarter's published figures do not decide the stage; it is carried forward
    # from `stage_carried_from` (None: shown at the lowest stage its published figures allow).
    estimated: bool = True
    stage_carried_from: str | None = None

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
            "registry": self.registry,
            "estimated": self.estimated,
            "stage_carried_from": self.stage_carried_from,
        }


@dataclass
class _Estimate:
    stage: int
    criteria: list[rules.Criterion]
    caps: list[tuple[int, str]]
    estimated: bool = True  # see `StageReport.estimated`
    carried_from: str | None = None
    high: int | None = None  # not decided: the published figures allow `stage` to `high`


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


# The public figures each criterion reads; a withheld one withholds the evidence line.
CRITERION_FIGURES: dict[str, tuple[str, ...]] = {
    "examples": ("with_example", "covert"),
    "breadth": ("breadth",),
    "breadth5": ("breadth",),
    "pilots": ("pilots", "production"),
    "production": ("production",),
    "production4": ("production",),
    "production5": ("production",),
    "growth": ("production",),
    "sanctioned": ("sanctioned_share",),
    "sanctioned5": ("sanctioned_share",),
    "measured": ("measured",),
    "repeatable": ("repeatable_kinds",),
    "repeatable5": ("repeatable_kinds",),
}
DISCLOSURE_FIGURES = {"covert", "covert_share", "sanctioned_share"}
# The counts behind a derived figure: it is withheld when one of them is.
BUILT_FROM: dict[str, tuple[str, ...]] = {
    "breadth": ("answered", "with_example"),
    "sanctioned_share": ("approved", "not_approved", "covert"),
    "covert_share": ("covert", "with_example"),
    "hours_saved": ("measured",),
}


def _why(public: Signals, figures: tuple[str, ...] | set[str], k: int) -> str:
    """Which threshold withholds a figure: answers, disclosures, or a small cell."""
    names = set(figures)
    few_answers = "answered" in public.hidden and "answered" not in public.protective
    if few_answers and names - {"covert", "covert_share"}:
        return f"fewer than {k} answers so far"
    if "covert" in public.hidden and names & DISCLOSURE_FIGURES:
        return f"fewer than {k} disclosures so far"
    counts = {c for f in names for c in BUILT_FROM.get(f, (f,)) if c in public.hidden}
    if counts and counts <= set(public.protective):
        return "so that a smaller figure cannot be worked out from it"
    return f"fewer than {k} people behind this figure"


def _withheld_inputs(c: rules.Criterion, public: Signals) -> list[str]:
    """The figures a criterion reads that are withheld in `public`."""
    figures = CRITERION_FIGURES.get(c.key, ())
    if not public.disclosures_counted:  # below K disclosures, covert use enters no figure
        figures = tuple(f for f in figures if f not in ("covert", "covert_share"))
    return [f for f in figures if f in public.hidden]


def _public_text(c: rules.Criterion, public: Signals, k: int) -> tuple[str, bool | None]:
    """The line as read, or 'withheld' when a figure it shows is behind fewer than K."""
    hidden = _withheld_inputs(c, public)
    if not hidden:
        return c.text, c.met
    label = c.text.split(": ", 1)[0]
    return f"{label}: withheld ({_why(public, tuple(hidden), k)})", None


def _as_published(
    est: _Estimate, public: Signals, growth_known: bool = True
) -> tuple[_Estimate, bool]:
    """What the published figures say of an estimate, and whether they decide its stage.

    A criterion whose figures are withheld has `met` None; the covert-dominance cap is kept
    only when the covert share is published (below K disclosures covert use counts as none,
    which is published too, so the cap is then known not to hold). The stage is decided when
    every way the unknowns could fall gives the same stage."""
    found = [
        c if not _withheld_inputs(c, public) and (growth_known or c.key != "growth")
        else replace(c, met=None)
        for c in est.criteria
    ]  # fmt: skip
    covert_unknown = public.disclosures_counted and "covert_share" in public.hidden
    caps = [(cap, why) for cap, why in est.caps if not (cap == 1 and covert_unknown)]
    ceiling = min([cap for cap, _ in caps], default=len(STAGE_NAMES))
    low = min(rules.gated_stage(found, unknown_met=False), ceiling, 1 if covert_unknown else 5)
    high = min(rules.gated_stage(found, unknown_met=True), ceiling)
    return _Estimate(low, found, caps, high=None if low == high else high), low == high


def _evidence(
    est: _Estimate, facts: Facts, sig: Signals, public: Signals, k: int
) -> list[dict[str, Any]]:
    lines = []
    for c in est.criteria:
        text, met = _public_text(c, public, k)
        lines.append({"stage": c.stage, "met": met, "text": text, "key": c.key})
    for cap, reason in est.caps:  # only caps its published figures show (`_as_published`)
        lines.append({"stage": cap, "met": False, "text": reason, "cap": True})
    if not est.estimated:
        lines.append({"stage": None, "met": False, "key": "carried", "text": _carried_text(est)})
    lines += _unknown(public, k)
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
    if sig.answered < k:  # worded the same for none and for a few
        quarter = quarters.quarter_label(sig.quarter)
        lines.append(
            {"stage": None, "met": False, "text": f"Fewer than {k} answers in {quarter} so far"}
        )
    return lines


def _carried_text(est: _Estimate) -> str:
    head = "Stage not estimated yet: too few published figures to decide it"
    if est.carried_from is not None:
        return f"{head}; carried forward from {quarters.quarter_label(est.carried_from)}"
    return f"{head}; shown at the lowest stage the published figures allow"


def _unknown(public: Signals, k: int) -> list[dict[str, Any]]:
    """How many examples left the optional maturity questions empty: unknown, never "no"."""
    if "maturity_unknown" in public.hidden:
        n = f"Fewer than {k}"
    elif public.maturity_unknown:
        n = f"{public.maturity_unknown} of {public.with_example or 'the'}"
    else:
        return []
    return [
        {
            "stage": None,
            "met": None,
            "key": "unknown",
            "text": f"{n} examples left the optional questions on how established they are "
            "unanswered: counted as unknown, not as no",
        }
    ]


def _facts_for(quarter: str, latest: str, history: list[Any], now: Facts) -> Facts:
    if quarter == latest or not quarters.is_quarter(quarter):
        return now
    return facts_core.facts_as_of(history, quarters.quarter_end(quarter))


def published_estimates(
    series: list[Signals],
    public: Sequence[Signals],
    changes: list[Any],
    now: Facts,
    t: dict[str, Any],
    last: int = 0,
    latest: str | None = None,
    facts_last: Facts | None = None,
) -> list[_Estimate]:
    """The published estimate of each of the last `last` quarters (all when 0): criteria and
    caps as their figures are published, and the stage where those decide it, else carried
    forward from the last quarter that did (looking back before the window if need be).
    `facts_last` judges the newest quarter with other facts (the registry's gates)."""
    latest = latest or series[-1].quarter
    start = max(0, len(series) - last) if last else 0

    def judge(i: int) -> tuple[_Estimate, bool]:
        facts = facts_last if facts_last and i == len(series) - 1 else None
        facts = facts or _facts_for(series[i].quarter, latest, changes, now)
        need = int(t["stage5"]["growth_quarters"])
        growth_known = all("production" not in public[j].hidden for j in range(i - need, i + 1)
                           if j >= 0)  # fmt: skip
        return _as_published(estimate(series[: i + 1], facts, t), public[i], growth_known)

    carried: tuple[int, str | None] = (1, None)  # the floor, until some quarter decides
    for j in range(start - 1, -1, -1):
        est, decided = judge(j)
        if decided:
            carried = (est.stage, series[j].quarter)
            break
    out = []
    for i in range(start, len(series)):
        est, decided = judge(i)
        if decided:
            carried = (est.stage, series[i].quarter)
        else:  # the last decided stage, within what this quarter's figures allow
            shown = min(max(carried[0], est.stage), est.high or est.stage)
            est.carried_from = carried[1] if shown == carried[0] else None
            est.stage, est.estimated = shown, False
        out.append(est)
    return out


def change_reason(before: _Estimate, after: _Estimate) -> str | None:
    """Why the stage moved between two quarters, in a few plain words (for the chart); only
    criteria whose figures are published in both quarters are named."""
    if before.stage == after.stage:
        return None
    was = {c.key: c.met for c in before.criteria}
    low, high = sorted((before.stage, after.stage))
    up = after.stage > before.stage
    caps_then = {cap for cap, _ in before.caps}
    caps_now = {cap for cap, _ in after.caps}
    if up:
        moved = [
            c
            for c in after.criteria
            if low < c.stage <= high and c.met is True and was[c.key] is False
        ]
        capped = [CAP_WORDS[cap][0] for cap in sorted(caps_then - caps_now)]
    else:
        moved = [
            c
            for c in after.criteria
            if low < c.stage <= high and c.met is False and was[c.key] is True
        ]
        capped = [CAP_WORDS[cap][1] for cap in sorted(caps_now - caps_then)]
    if 2 in caps_then ^ caps_now:  # the cap already says it: policy and review path
        moved = [c for c in moved if c.key not in ("ai_policy", "review_path")]
    checks = [_lower(plain.check_text(c.key, c.text.split(": ")[0])) for c in moved]
    why = capped + [text if up else f"no longer: {text}" for text in checks]
    if not why:
        return None
    more = f" (+{len(why) - 2} more)" if len(why) > 2 else ""
    return f"{before.stage}→{after.stage}: " + "; ".join(why[:2]) + more


def _lower(text: str) -> str:
    return text if text.startswith("AI ") else text[:1].lower() + text[1:]


# Per cap (stage ceiling): how its lifting and its coming read on the chart.
CAP_WORDS = {
    1: ("covert use no longer dominates", "covert use dominates"),
    2: ("AI policy and review path in place", "AI policy or review path gone"),
}


async def stage_history(services: Any) -> dict[str, int]:
    """Every quarter's published stage, oldest first: for exports that auditors read."""
    t = load_thresholds(services.settings.stage_thresholds_file)
    by_quarter = await signals_core.figures(
        services,
        t["signals"]["repeatable_min_people"],
        t["signals"]["repeatable_min_teams"],
        teams=False,  # the stage reads the organisation's figures only
    )
    if not by_quarter:
        return {}
    now, changes = await facts_core.facts_and_history(services)
    chosen = list(by_quarter.values())
    found = published_estimates([f.raw for f in chosen], PublicSeries(chosen), changes, now, t)
    return {q: e.stage for q, e in zip(by_quarter, found, strict=True)}


def _trend(
    series: list[Signals],
    public: Sequence[Signals],
    changes: list[Any],
    now: Facts,
    t: dict[str, Any],
    latest: str | None = None,
) -> list[dict[str, Any]]:
    """Stages as published (`published_estimates`), figures from the public series (None
    where withheld), and where the stage moved, why."""
    out = []
    window = int(t["trend"]["quarters"])
    recent = public[-window:]
    found = published_estimates(series, public, changes, now, t, window + 1, latest)
    found = found[-len(recent) - 1 :]
    previous = found[0] if len(found) > len(recent) else None
    for sig, est in zip(recent, found[-len(recent) :], strict=True):
        shown = sig.to_dict()
        kinds = shown["repeatable_kinds"]
        out.append(
            {
                "quarter": sig.quarter,
                "stage": est.stage,
                "estimated": est.estimated,
                "answered": shown["answered"],
                "response_rate": shown["response_rate"],
                "breadth": shown["breadth"],
                "sanctioned_share": shown["sanctioned_share"],
                "production": shown["production"],
                "repeatable_kinds": None if kinds is None else len(kinds),
                "covert": shown["covert"],
                "covert_share": shown["covert_share"],
                "change": change_reason(previous, est) if previous else None,
            }
        )
        previous = est
    return out


async def assess(services: Any, quarter: str | None = None) -> StageReport:
    """The organisation's stage for `quarter` (default: the latest with any data), computed
    once per change of the data and shared by every caller (`bot.core.cache`): read-only."""
    t = load_thresholds(services.settings.stage_thresholds_file)
    return await cached(
        services, view_key(services, quarter, t), lambda: assess_fresh(services, quarter, t)
    )


def view_key(
    services: Any, quarter: str | None = None, t: dict[str, Any] | None = None
) -> tuple[Any, ...]:
    """What a stage view depends on besides the data: for caching it and what is drawn from it."""
    t = t or load_thresholds(services.settings.stage_thresholds_file)
    return ("stage", quarter, services.min_group_size, json.dumps(t, sort_keys=True))


def _recent(quarter: str, current: str) -> bool:
    """This quarter or the one just ended: what the registry, today's state, can speak for.
    Decided by the clock alone: were it "the latest quarter with data", one disclosure that made
    a quarter the latest would show in whether these notes appear."""
    year, number = quarters.parse_quarter(current)
    previous = f"{year}Q{number - 1}" if number > 1 else f"{year - 1}Q4"
    return quarter >= previous


def check_quarter(quarter: str, known: list[str], current: str) -> None:
    """Refuse quarters there is nothing to judge for: not started yet, or before the first
    campaign. Any quarter from the first campaign to this one is judged (a quiet one reads as
    "no answers yet")."""
    if quarter > current:
        raise QuarterOutOfRange(
            f"{quarters.quarter_label(quarter)} has not started yet; choose "
            f"{quarters.quarter_label(current)} or earlier"
        )
    if known and quarter < known[0]:
        raise QuarterOutOfRange(
            f"{quarters.quarter_label(quarter)} is before the first campaign "
            f"({quarters.quarter_label(known[0])}): there is nothing to judge yet"
        )


async def assess_fresh(
    services: Any, quarter: str | None = None, t: dict[str, Any] | None = None
) -> StageReport:
    """`assess` without the cache (benchmarks measure the computation itself).

    The quarter is judged with the process facts that held in it (replayed from the audited
    change log), so an old quarter is never credited with a policy recorded later."""
    t = t or load_thresholds(services.settings.stage_thresholds_file)
    k = services.min_group_size
    figures = functools.partial(
        signals_core.figures,
        services,
        t["signals"]["repeatable_min_people"],
        t["signals"]["repeatable_min_teams"],
        teams=False,  # the stage reads the organisation's figures only
    )
    by_quarter, (now, changes) = await asyncio.gather(
        figures(), facts_core.facts_and_history(services)
    )
    current = quarters.quarter_of(services.clock())
    latest = list(by_quarter)[-1] if by_quarter else current
    quarter = quarter or latest
    check_quarter(quarter, list(by_quarter), max(current, latest))
    if quarter not in by_quarter:
        by_quarter = await figures(include=quarter)
    chosen = [f for q, f in by_quarter.items() if q <= quarter]
    series = [f.raw for f in chosen]
    public = PublicSeries(chosen)
    sig = series[-1]
    then = _facts_for(quarter, latest, changes, now)
    registry = await registry_signals(services)
    if quarter == latest:  # the registry describes the present: a floor under the answers
        sig = series[-1] = replace(  # a copy: the figures may be shared from the cache
            sig,
            production=max(sig.production, registry.production),
            measured=max(sig.measured, registry.measured),
        )
        then = facts_with_gates(then, registry)
    [est] = published_estimates(series, public, changes, now, t, 1, latest, facts_last=then)
    evidence = _evidence(est, then, sig, public[-1], k)
    if _recent(quarter, current):  # the registry's notes are about today
        evidence += registry_evidence(registry)
    constraint = _constraint(est, evidence, public[-1])
    _advise(constraint, then, now, t, past=quarter != latest)
    return StageReport(
        quarter=quarter,
        stage=est.stage,
        estimated=est.estimated,
        stage_carried_from=est.carried_from,
        confidence=rules.confidence(public[-1], t),
        constraint=constraint,
        evidence=evidence,
        signals=public[-1].to_dict(),
        trend=_trend(series, public, changes, now, t, latest),
        diagnostic=answer_diagnostic(public, changes, now, t, _facts_for),
        facts={"values": then.values, "contradictions": then.contradictions},
        registry=registry.to_dict(),
    )


def _advise(
    constraint: dict[str, Any], then: Facts, now: Facts, t: dict[str, Any], *, past: bool
) -> None:
    """The one next step, true for the quarter judged: never a change that quarter already had
    recorded; for an earlier quarter, a change recorded since is said to be done since."""
    if not constraint.get("criterion"):
        return
    max_sla = float(t["stage4"]["max_review_sla_days"])
    step = plain.choose_step(constraint.get("criterion_key"), constraint.get("step"), then, max_sla)
    constraint["step"] = step
    constraint["next_step"] = plain.next_step_sentence(step, then)
    constraint["next_step_plain"] = plain.STEPS[step]
    constraint["next_step_hint"] = plain.admin_hint(constraint["next_step"])
    if past and plain.step_done(step, now, max_sla):
        constraint["next_step"] = plain.STEPS[step] + " (recorded since)"
        constraint["next_step_hint"] = None
        constraint["done_since"] = True


class PublicSeries(Sequence[Signals]):
    """The public figures of a run of quarters, suppressed only for the quarters read (the
    trend window and the diagnostic's two ends), not for every quarter of history."""

    def __init__(self, figures: list[signals_core.QuarterFigures]) -> None:
        self._figures = figures

    def __len__(self) -> int:
        return len(self._figures)

    @overload
    def __getitem__(self, index: int) -> Signals: ...
    @overload
    def __getitem__(self, index: slice) -> list[Signals]: ...
    def __getitem__(self, index: int | slice) -> Signals | list[Signals]:
        if isinstance(index, slice):
            return [f.org for f in self._figures[index]]
        return self._figures[index].org


def _constraint(est: _Estimate, evidence: list[dict[str, Any]], public: Signals) -> dict[str, Any]:
    """The binding constraint as shown: its gate from public counts, its text as the evidence
    line reads (so a withheld figure stays withheld there too)."""
    found = est.criteria
    shown = {c.text: line["text"] for c, line in zip(found, evidence, strict=False)}
    cap_lines = [e["text"] for e in evidence if e.get("cap")]
    caps = dict(zip([r for _, r in est.caps], cap_lines, strict=True))
    constraint = rules.binding_constraint(est.stage, found, public, est.caps)
    text = constraint.get("criterion")
    if text:
        constraint["criterion"] = shown.get(text) or caps.get(text) or text
    return constraint
