"""What admins may read about disclosures: aggregates, the demand signal and scrubbed free text.

The rules, in one place so every surface (Slack, CLI, exports) applies the same ones:
- counts are org-wide, or per team only for teams that have at least K active people now;
- individual entries (needed to reply) appear only once the quarter holds at least K
  disclosures, without team and without free text, so no one can be picked out as they arrive;
  each under a short reference (a keyed code, never the id), in a fresh random order at every
  reading, and naming only kinds and reasons whose counts are shown (the rest read "other"),
  so the list agrees with K and its order joins nothing (not the export, not an earlier list);
- free text ("what would make it easy", tool names) appears only in admin exports, org-wide,
  only when the quarter holds at least K disclosures, and scrubbed of e-mail addresses, chat
  mentions and names from the directory.
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass, field
from typing import Any

from bot.core import quarters, tool_names
from bot.core.disclosure_control import BELOW_K, NONE, Table, suppress_cells
from bot.core.disclosures import InvalidDisclosure, reference
from bot.core.services import Services
from bot.core.vocabulary import COVERT_REASONS, TOOL_KINDS, WORK_KINDS
from storage.queries import disclosures as q

EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(\.[\w-]+)+")
MENTION = re.compile(r"<[@!#][^>]*>|@[\w.-]+")
USER_ID = re.compile(r"\b[UW][A-Z0-9]{6,}\b")
WORD = re.compile(r"[^\W\d_][\w'’-]*")


OTHER = "other"


@dataclass
class Entry:
    """One disclosure as admins see it in Slack: enough to reply, nothing that places it.

    `ref` is what admins type to reply (`ABCD-EFGH`); `other_reasons` says that some of its
    reasons are among those whose counts are withheld."""

    ref: str
    tool_kind: str
    work_kind: str
    reasons: list[str]
    replied: bool
    other_reasons: bool = False


@dataclass
class Overview:
    quarter: str
    total: int
    min_group: int
    reasons: dict[str, int] = field(default_factory=dict)
    tool_kinds: dict[str, int] = field(default_factory=dict)
    teams: list[tuple[str, int]] = field(default_factory=list)
    entries: list[Entry] = field(default_factory=list)
    other_reasons: int = 0
    other_tool_kinds: int = 0
    cells_withheld: bool = False

    @property
    def entries_shown(self) -> bool:
        return self.total >= self.min_group


@dataclass
class Demand:
    tool: str
    count: int
    work_kinds: dict[str, int]


def check_quarter(quarter: str) -> str:
    if not quarters.is_quarter(quarter):
        raise InvalidDisclosure({"quarter": "A quarter looks like 2026Q4."})
    return quarters.normalise_quarter(quarter)


class Scrubber:
    """Removes obvious identifiers from free text before an admin reads it.

    Prose loses every word that is part of a directory name (over-scrubbing "Will" is the
    safe mistake). Tool names are product names, so there only possessives ("Maria's GPT")
    are scrubbed, besides e-mails and mentions: a colleague called Claude must not erase the
    tool Claude.
    """

    def __init__(self, names: list[str]) -> None:
        self.name_words = {w.lower() for n in names for w in WORD.findall(n) if len(w) >= 2}

    @staticmethod
    def identifiers(text: str) -> str:
        text = EMAIL.sub("[email]", text)
        text = MENTION.sub("[mention]", text)
        return USER_ID.sub("[id]", text)

    def __call__(self, text: str | None) -> str:
        if not text:
            return ""
        return WORD.sub(self._name_or_word, self.identifiers(text))

    def _name_or_word(self, match: re.Match[str]) -> str:
        word = match.group(0)
        return "[name]" if word.lower() in self.name_words else word

    def tool(self, text: str) -> str:
        def possessive(match: re.Match[str]) -> str:
            word = match.group(0)
            stem = re.sub(r"['’]s$", "", word)
            return "[name]" if stem != word and stem.lower() in self.name_words else word

        return WORD.sub(possessive, self.identifiers(text))


async def overview(services: Services, quarter: str) -> Overview:
    """Counts and themes for one quarter, honouring the minimum group size everywhere."""
    quarter = check_quarter(quarter)
    k = services.min_group_size
    async with services.db.session() as session:
        result = Overview(quarter, await q.quarter_count(session, quarter), k)
        if not result.entries_shown:
            return result  # below K disclosures nothing is shown, not even a reason count
        reasons = await q.reason_counts(session, quarter)
        tool_kinds = await q.counts_by(session, quarter, "tool_kind")
        work_kinds = await q.counts_by(session, quarter, "work_kind")
        teams = await q.team_counts(session, quarter, k)
        replied = await q.replied_ids(session, quarter)
        rows = await q.quarter_disclosures(session, quarter)
    result.reasons, result.other_reasons, cut_reasons = suppress_cells(reasons, k)
    table = _single_choice_table(result.total, k, tool_kinds, work_kinds, dict(teams))
    result.tool_kinds = _shown(table, "tool", tool_kinds)
    pooled = result.total - sum(result.tool_kinds.values())  # the total minus the shown: no news
    result.other_tool_kinds = pooled if pooled >= k else 0
    shown_work = _shown(table, "work", work_kinds)
    result.teams = [(name, n) for name, n in teams if table.shown(f"team.{name}")]
    cut_cells = any(table.cells[c].value for c in table.withheld if table.cells[c].published)
    result.cells_withheld = cut_reasons or cut_cells
    shown = _Shown(set(result.reasons), set(result.tool_kinds), set(shown_work))
    result.entries = [_entry(services, row, replied, shown) for row in rows]
    secrets.SystemRandom().shuffle(result.entries)  # a new order at every reading
    return result


def _single_choice_table(
    total: int,
    k: int,
    tool_kinds: dict[str, int],
    work_kinds: dict[str, int],
    teams: dict[str, int],
) -> Table:
    """The overview's single-choice figures as one table for `bot.core.disclosure_control`:
    each disclosure has one kind of tool, one kind of work and at most one named team, so each
    family sums to the published total. Primary suppression withholds counts below K (0 too:
    "none" and "a few" read the same); complementary suppression then withholds more until no
    withheld count follows from the total minus the shown ones."""
    table = Table(k)
    table.add("total", total, NONE, marginal=True)
    for family, counts, vocabulary in (
        ("tool", tool_kinds, TOOL_KINDS),
        ("work", work_kinds, WORK_KINDS),
    ):
        keys = sorted(set(vocabulary) | set(counts))
        parts = [table.add(f"{family}.{key}", counts.get(key, 0), BELOW_K) for key in keys]
        table.sums("total", parts)
    parts = [table.add(f"team.{name}", n, BELOW_K) for name, n in sorted(teams.items())]
    # Disclosures with no team recorded (teams under K people) are never published as a figure.
    unplaced = table.add("team.unplaced", total - sum(teams.values()), published=False)
    table.sums("total", [*parts, unplaced])
    return table.suppress()


def _shown(table: Table, family: str, counts: dict[str, int]) -> dict[str, int]:
    return {key: n for key, n in counts.items() if table.shown(f"{family}.{key}")}


@dataclass(frozen=True)
class _Shown:
    reasons: set[str]
    tool_kinds: set[str]
    work_kinds: set[str]


def _entry(services: Services, row: Any, replied: set[str], shown: _Shown) -> Entry:
    """Kinds and reasons whose counts are withheld read "other": an entry must not spell out
    what the counts above it hide."""
    reasons = [r for r in COVERT_REASONS if getattr(row, f"reason_{r}")]
    return Entry(
        reference(services, str(row.id)),
        row.tool_kind if row.tool_kind in shown.tool_kinds else OTHER,
        row.work_kind if row.work_kind in shown.work_kinds else OTHER,
        [r for r in reasons if r in shown.reasons],
        str(row.id) in replied,
        other_reasons=any(r not in shown.reasons for r in reasons),
    )


async def demand(services: Services, quarter: str | None = None) -> list[Demand] | None:
    """Disclosed tools outside the approved catalog, most named first; None below K disclosures.

    Tool names are free text, so the signal follows the free-text rule: nothing until the scope
    holds at least K disclosures, and names are scrubbed.
    """
    scope = check_quarter(quarter) if quarter else None
    async with services.db.session() as session:
        if await q.quarter_count(session, scope) < services.min_group_size:
            return None
        rows = await q.unapproved_demand(session, scope)
        spellings = await q.tool_spellings(session, sorted({k for k, _, _ in rows}))
        scrub = Scrubber(await q.directory_names(session))
    # Counted and named per tool (aliases folded, `bot.core.tool_names`), never as one typed it.
    typed: dict[str, list[tuple[str, int]]] = {}
    for key, spelling, n in spellings:
        typed.setdefault(tool_names.canonical_key(key), []).append((spelling, n))
    by_tool: dict[str, Demand] = {}
    for stored_key, work_kind, count in rows:
        key = tool_names.canonical_key(stored_key)
        label = scrub.tool(tool_names.label(key, typed.get(key, [])))
        item = by_tool.setdefault(key, Demand(label, 0, {}))
        item.count += count
        item.work_kinds[work_kind] = item.work_kinds.get(work_kind, 0) + count
    return _demand_cells(list(by_tool.values()), services.min_group_size)


def _demand_cells(items: list[Demand], k: int) -> list[Demand]:
    """Tools named in at least K disclosures, each with its kinds of work of at least K; the
    rest pooled into one line only when the pool itself reaches K."""
    shown = sorted((d for d in items if d.count >= k), key=lambda d: (-d.count, d.tool))
    for item in shown:
        item.work_kinds = {w: n for w, n in item.work_kinds.items() if n >= k}
    pooled = sum(d.count for d in items if d.count < k)
    if pooled >= k:
        shown.append(Demand(f"other tools (each named fewer than {k} times)", pooled, {}))
    elif pooled:
        shown.append(Demand(f"tools named fewer than {k} times: withheld", 0, {}))
    return shown


async def export(services: Services, quarter: str) -> list[dict[str, object]] | None:
    """Admins' free-text export for one quarter: org-wide, scrubbed; None below K disclosures."""
    quarter = check_quarter(quarter)
    async with services.db.session() as session:
        if await q.quarter_count(session, quarter) < services.min_group_size:
            return None
        rows = await q.quarter_disclosures(session, quarter)
        scrub = Scrubber(await q.directory_names(session))
    # No `id` and no reference: admins reply from `admin list`; either here would join free
    # text to its entry. Sorted by what the rows say, so the order carries no other information.
    exported: list[dict[str, object]] = [
        {
            "quarter": row.quarter,
            "tool": scrub.tool(row.tool),
            "tool_kind": row.tool_kind,
            "work_kind": row.work_kind,
            "frequency": row.frequency,
            "data_class": row.data_class,
            "reasons": [r for r in COVERT_REASONS if getattr(row, f"reason_{r}")],
            "make_it_easy": scrub(row.make_it_easy),
        }
        for row in rows
    ]
    return sorted(exported, key=lambda r: json.dumps(r, sort_keys=True, ensure_ascii=False))


# ---------------------------------------------------------------- plain-text renderings


def _label(key: str) -> str:
    return COVERT_REASONS.get(key) or TOOL_KINDS.get(key) or WORK_KINDS.get(key) or key


def render_overview(view: Overview, max_entries: int = 40) -> str:
    """Markdown-ish text for Slack and the terminal alike."""
    if not view.entries_shown:
        count = "none" if not view.total else f"fewer than {view.min_group} so far"
        return (
            f"*Disclosures {view.quarter}:* {count}\nFigures and individual entries appear "
            f"once the quarter has at least {view.min_group} disclosures, so nobody can be "
            "picked out as they arrive."
        )
    lines = [f"*Disclosures {view.quarter}:* {view.total}"]
    lines.append("Why not in the open: " + _counts(view.reasons, view.other_reasons))
    lines.append("Kinds of tool: " + _counts(view.tool_kinds, view.other_tool_kinds))
    if view.teams:
        lines.append(
            f"By team (teams with at least {view.min_group} disclosures): "
            + ", ".join(f"{name} {n}" for name, n in view.teams)
        )
    if view.cells_withheld:
        lines.append(f"(Counts below {view.min_group} are withheld.)")
    for entry in view.entries[:max_entries]:
        mark = "replied" if entry.replied else "no reply yet"
        named = [_label(r) for r in entry.reasons] + (["other"] if entry.other_reasons else [])
        lines.append(
            f"`{entry.ref}` {_label(entry.tool_kind)}, {_label(entry.work_kind)}: "
            f"{'; '.join(named)} ({mark})"
        )
    if len(view.entries) > max_entries:
        lines.append(f"…and {len(view.entries) - max_entries} more (see the CLI).")
    return "\n".join(lines)


def _counts(counts: dict[str, int], other: int = 0) -> str:
    shown = sorted(((n, k) for k, n in counts.items() if n), reverse=True)
    cells = [f"{_label(k)} {n}" for n, k in shown] + ([f"other ({other})"] if other else [])
    return ", ".join(cells) or "none shown"


def render_demand(items: list[Demand] | None, min_group: int) -> str:
    if items is None:
        return f"Not enough disclosures yet (fewer than {min_group}) to show tool names."
    if not items:
        return "Every disclosed tool is in the approved catalog."
    lines = ["*Disclosed tools outside the approved catalog:*"]
    for item in items:
        if not item.count:
            lines.append(f"({item.tool})")
            continue
        work = ", ".join(f"{_label(k)} {n}" for k, n in sorted(item.work_kinds.items()))
        lines.append(f"{item.tool}: {item.count}" + (f" ({work})" if work else ""))
    return "\n".join(lines)
