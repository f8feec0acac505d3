"""What admins may read about disclosures: aggregates, the demand signal and scrubbed free text.

The rules, in one place so every surface (Slack, App Home, CLI, exports) applies the same ones:
- every count admins see is a cell of the quarter's one suppressed table: the stage's own
  cells (the covert total, reasons, kinds of tool, demand for tools) and the admins' few more
  (kinds of work), suppressed together with them (`bot.core.admin_figures`), so no admin figure
  can be subtracted from another one, or from what the stage report shows everyone;
- disclosures count org-wide only: no surface counts them per team;
- nothing, not a count and not an entry, while the quarter's disclosures are withheld (fewer
  than K); then individual entries (needed to reply), without team and without free text, each
  under a short reference (a keyed code, never the id), in a fresh random order at every
  reading, naming only kinds and reasons whose counts are shown;
- free text ("what would make it easy") appears only in admin exports, org-wide, scrubbed of
  e-mail addresses, chat mentions and names from the directory, next to the tool only as the
  stage names it and only where the stage shows its count.
"""

from __future__ import annotations

import json
import re
import secrets
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from bot.core import admin_figures, quarters, signals, tool_names
from bot.core.disclosure_control import Table
from bot.core.disclosures import InvalidDisclosure, current_quarter, reference, release_key
from bot.core.services import Services
from bot.core.signals import QuarterFigures
from bot.core.vocabulary import COVERT_REASONS, TOOL_KINDS, WORK_KINDS
from storage.queries import disclosures as q

EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(\.[\w-]+)+")
MENTION = re.compile(r"<[@!#][^>]*>|@[\w.-]+")
USER_ID = re.compile(r"\b[UW][A-Z0-9]{6,}\b")
WORD = re.compile(r"[^\W\d_][\w'’-]*")


OTHER = "other"
OTHER_TOOLS = "other tools"
SNAPSHOT_TRIES = 5


@dataclass
class Entry:
    """One disclosure as admins see it in Slack: enough to reply, nothing that places it.

    `ref` is what admins type to reply (`ABCD-EFGH`)."""

    ref: str
    tool_kind: str
    work_kind: str
    reasons: list[str]
    replied: bool


@dataclass
class Overview:
    quarter: str
    total: int  # 0 while the quarter's disclosures are withheld, whatever their number
    min_group: int
    reasons: dict[str, int] = field(default_factory=dict)
    tool_kinds: dict[str, int] = field(default_factory=dict)
    work_kinds: dict[str, int] = field(default_factory=dict)
    entries: list[Entry] = field(default_factory=list)
    other_tool_kinds: int = 0
    other_work_kinds: int = 0
    cells_withheld: bool = False

    @property
    def entries_shown(self) -> bool:
        return self.total > 0


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
    safe mistake), besides e-mail addresses, chat mentions and user IDs.
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


@dataclass
class Snapshot:
    """One quarter as admins may read it: the stage's figures, the table with the admins'
    cells (`bot.core.admin_figures`) and the rows behind them, all from the same data."""

    figures: QuarterFigures
    table: Table
    rows: list[Any]

    @property
    def shown(self) -> bool:
        """Admins see disclosures only where everyone sees their total: from K disclosures."""
        return _shown(self.figures) and self.table.shown(admin_figures.COVERT)


def _shown(f: QuarterFigures) -> bool:
    return f.data.disclosures_shown and f.table.shown(admin_figures.COVERT)


async def snapshot(services: Services, quarter: str) -> Snapshot:
    """The quarter's table and its rows, read so that they agree: the rows are read between two
    readings of the figures and kept only when both readings count what the rows hold."""
    for _ in range(SNAPSHOT_TRIES):
        before = await signals.figures_for(services, quarter)
        async with services.db.session() as session:
            rows = await q.quarter_disclosures(session, quarter)
        after = await signals.figures_for(services, quarter)
        if _table_counts(before) == _table_counts(after) == _row_counts(rows):
            works = Counter(str(row.work_kind) for row in rows)
            return Snapshot(after, admin_figures.admin_table(after.table, dict(works)), rows)
    raise RuntimeError("the disclosures kept changing while they were read")


def _table_counts(f: QuarterFigures) -> tuple[int, dict[str, int]]:
    return f.data.covert, {k: n for k, n in f.data.tool_kinds.items() if n}


def _row_counts(rows: list[Any]) -> tuple[int, dict[str, int]]:
    return len(rows), dict(Counter(str(row.tool_kind) for row in rows))


async def overview(services: Services, quarter: str, *, references: bool = True) -> Overview:
    """Counts and entries for one quarter, read off the quarter's one suppressed table
    (`references` False leaves the entries' references empty: the privacy audit counts
    entries and needs no key to name them)."""
    quarter = check_quarter(quarter)
    snap = await snapshot(services, quarter)
    k = services.min_group_size
    if not snap.shown:
        return Overview(quarter, 0, k)  # nothing, and the same for none and for a few
    t = snap.table
    result = Overview(quarter, len(snap.rows), k)
    result.reasons = admin_figures.shown_reasons(t)
    result.tool_kinds = admin_figures.shown_tool_kinds(t)
    result.work_kinds = admin_figures.shown_work_kinds(t)
    result.other_tool_kinds = t.value(admin_figures.TOOL_KINDS_POOL) or 0
    result.other_work_kinds = t.value(admin_figures.WORK_POOL) or 0
    result.cells_withheld = admin_figures.family_withheld(t)
    async with services.db.session() as session:
        replied = await q.replied_ids(session, quarter)
    shown = _Shown(set(result.reasons), set(result.tool_kinds), set(result.work_kinds))
    release = release_key(quarter, len(snap.rows)) if references else ""
    result.entries = [_entry(services, row, replied, shown, release) for row in snap.rows]
    secrets.SystemRandom().shuffle(result.entries)  # a new order at every reading
    return result


@dataclass(frozen=True)
class _Shown:
    reasons: set[str]
    tool_kinds: set[str]
    work_kinds: set[str]


def _entry(services: Services, row: Any, replied: set[str], shown: _Shown, release: str) -> Entry:
    """Kinds whose counts are withheld read "other"; withheld reasons are left out, unmarked.
    An entry must not spell out, and the entries counted must not add up to, what the counts
    hide: a mark for "a withheld reason", counted over the entries, would give that reason's
    count whenever it is the only one withheld."""
    return Entry(
        reference(services, str(row.id), release) if release else "",
        row.tool_kind if row.tool_kind in shown.tool_kinds else OTHER,
        row.work_kind if row.work_kind in shown.work_kinds else OTHER,
        [r for r in COVERT_REASONS if getattr(row, f"reason_{r}") and r in shown.reasons],
        str(row.id) in replied,
    )


async def default_quarter(services: Services) -> str:
    """The newest quarter whose disclosures are shown (else the current one): what an admin
    means when they name none. Chosen among shown quarters only, so that which quarter it
    picks never tells that a newer one holds a few disclosures."""
    by_quarter = await signals.figures(services)
    for quarter in sorted(by_quarter, reverse=True):
        if by_quarter[quarter].data.disclosures_shown and _shown(by_quarter[quarter]):
            return quarter
    return await current_quarter(services)


async def demand(services: Services, quarter: str | None = None) -> list[Demand] | None:
    """Disclosed tools outside the approved catalog in one quarter (by default the newest whose
    disclosures are shown), most named first; None while the quarter's disclosures are withheld.

    Exactly what the stage report shows everyone (`bot.core.signals.public_demand`): the same
    cells of the same table, so neither can be subtracted from the other. There is no
    all-quarters view: a sum over quarters would count a quarter's few disclosures into figures
    that that quarter on its own withholds."""
    quarter = check_quarter(quarter) if quarter else await default_quarter(services)
    figures = await signals.figures_for(services, quarter)
    if not _shown(figures):
        return None
    return [
        Demand(str(item["tool"]), int(item["count"]), dict(item["work"]))
        for item in signals.public_demand(figures.table)
    ]


async def export(services: Services, quarter: str) -> list[dict[str, object]] | None:
    """Admins' free-text export for one quarter: org-wide, scrubbed; None while the quarter's
    disclosures are withheld.

    A row holds the tool only as the stage names it and only where the stage shows its count
    ("other tools" otherwise), and the scrubbed "what would make it easy". No kind, reason,
    frequency or data class: counted over the rows they would give counts the table withholds,
    and `admin list` names kinds and reasons, so a row carrying them would join to its entry by
    content. No id and no reference either."""
    quarter = check_quarter(quarter)
    snap = await snapshot(services, quarter)
    if not snap.shown:
        return None
    async with services.db.session() as session:
        scrub = Scrubber(await q.directory_names(session))
    exported: list[dict[str, object]] = [
        {
            "quarter": row.quarter,
            "tool": _export_tool(snap.table, str(row.tool_key)),
            "make_it_easy": scrub(row.make_it_easy),
        }
        for row in snap.rows
    ]
    # Sorted by what the rows say, so the order carries no other information.
    return sorted(exported, key=lambda r: json.dumps(r, sort_keys=True, ensure_ascii=False))


def _export_tool(t: Table, stored_key: str) -> str:
    key = tool_names.canonical_key(stored_key)
    return tool_names.label(key) if t.shown(f"demand.tool.{key}") else OTHER_TOOLS


# ---------------------------------------------------------------- plain-text renderings


def _label(key: str) -> str:
    return COVERT_REASONS.get(key) or TOOL_KINDS.get(key) or WORK_KINDS.get(key) or key


def render_overview(view: Overview, max_entries: int = 40) -> str:
    """Markdown-ish text for Slack and the terminal alike."""
    if not view.entries_shown:
        return (
            f"*Disclosures {view.quarter}:* none to show yet.\nFigures and individual entries "
            f"appear once the quarter has at least {view.min_group} disclosures, so nobody can "
            "be picked out as they arrive."
        )
    lines = [f"*Disclosures {view.quarter}:* {view.total}"]
    lines.append("Why not in the open: " + _counts(view.reasons))
    lines.append("Kinds of tool: " + _counts(view.tool_kinds, view.other_tool_kinds))
    lines.append("Kinds of work: " + _counts(view.work_kinds, view.other_work_kinds))
    if view.cells_withheld:
        lines.append(f"(Counts below {view.min_group} are withheld.)")
    for entry in view.entries[:max_entries]:
        mark = "replied" if entry.replied else "no reply yet"
        named = "; ".join(_label(r) for r in entry.reasons) or "no reason shown"
        lines.append(
            f"`{entry.ref}` {_label(entry.tool_kind)}, {_label(entry.work_kind)}: {named} ({mark})"
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
    if not items:  # none outside the catalog, or each named fewer than K times: alike
        return (
            f"No tool outside the approved catalog is named in at least {min_group} "
            "disclosures this quarter."
        )
    lines = ["*Disclosed tools outside the approved catalog:*"]
    for item in items:
        work = ", ".join(f"{_label(k)} {n}" for k, n in sorted(item.work_kinds.items()))
        lines.append(f"{item.tool}: {item.count}" + (f" ({work})" if work else ""))
    return "\n".join(lines)
