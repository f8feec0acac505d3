"""Organisation process facts: the gates the stage model needs that no survey answer can tell.

Answers say what people do; facts say what the organisation has decided (a policy, a review
path with an SLA, procurement defaults, review credit). The stage depends on them, so every
change is validated against a fixed list of keys and logged with who made it and when.

Known keys (value types are enforced; an empty value clears a fact):

- ``ai_policy`` (bool): a published AI usage policy exists.
- ``review_path`` (bool): there is a defined review path for AI use cases (legal/compliance).
- ``review_sla_days`` (int 1..365): the review gate has an SLA (e.g. 14 days, then auto-approve
  with logging). Setting it implies a review path unless ``review_path`` says otherwise, which
  is reported as a contradiction.
- ``procurement_ai_default`` (bool): procurement prefers AI-capable tools by default.
- ``review_credit`` (bool): performance reviews ask for one example of AI leverage.
- ``production_use_cases_documented`` (int >= 0): production AI use cases the organisation
  has documented (a floor under what the answers show).
- ``training_completion_pct`` (number 0..100): training completion. Knowledge, not maturity:
  shown in the evidence, never moves the stage.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from storage.queries import facts as q

TRUE_WORDS = {"true", "yes", "y", "1", "on"}
FALSE_WORDS = {"false", "no", "n", "0", "off"}


class FactError(ValueError):
    """A fact that is unknown or has a value of the wrong kind; the message says which."""


def _bool(raw: str) -> str:
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return "true"
    if word in FALSE_WORDS:
        return "false"
    raise FactError("expects true or false")


def _int_range(low: int, high: int) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        try:
            value = int(raw.strip())
        except ValueError:
            raise FactError(f"expects a whole number from {low} to {high}") from None
        if not low <= value <= high:
            raise FactError(f"expects a whole number from {low} to {high}")
        return str(value)

    return parse


def _percent(raw: str) -> str:
    try:
        value = float(raw.strip().rstrip("%"))
    except ValueError:
        raise FactError("expects a percentage from 0 to 100") from None
    if not 0 <= value <= 100:
        raise FactError("expects a percentage from 0 to 100")
    return f"{value:g}"


KNOWN_FACTS: dict[str, tuple[Callable[[str], str], str]] = {
    "ai_policy": (_bool, "A published AI usage policy exists"),
    "review_path": (_bool, "A review path for AI use cases exists"),
    "review_sla_days": (_int_range(1, 365), "Days within which the AI review gate decides"),
    "procurement_ai_default": (_bool, "Procurement makes AI-capable tools the default"),
    "review_credit": (_bool, "Performance reviews ask for one example of AI leverage"),
    "production_use_cases_documented": (
        _int_range(0, 100000),
        "Production AI use cases the organisation has documented",
    ),
    "training_completion_pct": (_percent, "Training completion (knowledge; never moves stage)"),
}


@dataclass
class Facts:
    """Typed view of the facts at one moment, plus any contradictions between them."""

    values: dict[str, str] = field(default_factory=dict)

    def flag(self, key: str) -> bool | None:
        raw = self.values.get(key)
        return None if raw is None else raw == "true"

    def number(self, key: str) -> float | None:
        raw = self.values.get(key)
        return None if raw is None else float(raw)

    @property
    def review_path(self) -> bool:
        """A review path holds when declared, or implied by an SLA, and not explicitly denied."""
        declared = self.flag("review_path")
        if declared is False:
            return False
        return bool(declared) or self.number("review_sla_days") is not None

    @property
    def contradictions(self) -> list[str]:
        found = []
        if self.flag("review_path") is False and self.number("review_sla_days") is not None:
            found.append(
                "review_sla_days is set but review_path=false: an SLA on a review path that "
                "does not exist; the review path is not counted until this is resolved"
            )
        if self.flag("ai_policy") is False and self.flag("procurement_ai_default"):
            found.append("procurement_ai_default=true while ai_policy=false: no policy governs it")
        return found


def parse_pairs(pairs: Iterable[str]) -> dict[str, str]:
    """`KEY=VALUE` words (CLI or Slack) into a dict; a word without `=` is an error."""
    parsed: dict[str, str] = {}
    for word in pairs:
        key, sep, value = word.partition("=")
        if not sep or not key.strip():
            raise FactError(f"{word!r} is not KEY=VALUE")
        parsed[key.strip().lower()] = value.strip()
    return parsed


def validate(pairs: dict[str, str]) -> dict[str, str]:
    """Normalise every value or raise one FactError naming each bad key: all or nothing."""
    problems, clean = [], {}
    for key, raw in pairs.items():
        if key not in KNOWN_FACTS:
            problems.append(f"unknown fact {key!r} (known: {', '.join(KNOWN_FACTS)})")
            continue
        try:
            clean[key] = KNOWN_FACTS[key][0](raw) if raw != "" else ""
        except FactError as error:
            problems.append(f"{key} {error}")
    if problems:
        raise FactError("; ".join(problems))
    if not clean:
        raise FactError("no facts given: use KEY=VALUE")
    return clean


async def set_facts(
    services: Any, pairs: dict[str, str], changed_by: str, source: str
) -> list[tuple[str, str | None, str]]:
    """Validate, then store every fact and log it; returns (key, old, new) per changed fact."""
    clean = validate(pairs)
    changes = []
    async with services.db.session() as session:
        current = await q.all_facts(session)
        for key, value in clean.items():
            old = current[key].value if key in current else None
            if old == value or (old is None and value == ""):
                continue
            await q.upsert_fact(session, key, value, changed_by[:64], source[:16], services.clock())
            changes.append((key, old, value))
    return changes


async def load_facts(services: Any) -> Facts:
    async with services.db.session() as session:
        current = await q.all_facts(session)
    return Facts({k: f.value for k, f in current.items()})


async def fact_history(services: Any) -> list[Any]:
    async with services.db.session() as session:
        return await q.fact_changes(session)


async def facts_and_history(services: Any) -> tuple[Facts, list[Any]]:
    """Current facts and the whole change log, in one session (the stage needs both)."""
    async with services.db.session() as session:
        current = await q.all_facts(session)
        history = await q.fact_changes(session)
    return Facts({k: f.value for k, f in current.items()}), history


def facts_as_of(history: list[Any], moment: datetime) -> Facts:
    """Replay the change log up to `moment`: trends use the facts each quarter actually had."""
    values: dict[str, str] = {}
    for change in history:
        if change.changed_at > moment:
            break
        if change.new_value == "":
            values.pop(change.key, None)
        else:
            values[change.key] = change.new_value
    return Facts(values)
