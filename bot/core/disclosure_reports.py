"""What admins may read about disclosures: aggregates, the demand signal and scrubbed free text.

The rules, in one place so every surface (Slack, CLI, exports) applies the same ones:
- counts are org-wide, or per team only for teams that have at least K active people now;
- individual entries (needed to reply) appear only once the quarter holds at least K
  disclosures, without team and without free text, so no one can be picked out as they arrive;
- free text ("what would make it easy", tool names) appears only in admin exports, org-wide,
  only when the quarter holds at least K disclosures, and scrubbed of e-mail addresses, chat
  mentions and names from the directory.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.core import quarters
from bot.core.disclosures import InvalidDisclosure
from bot.core.services import Services
from bot.core.vocabulary import COVERT_REASONS, TOOL_KINDS, WORK_KINDS
from storage.queries import disclosures as q

EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(\.[\w-]+)+")
MENTION = re.compile(r"<[@!#][^>]*>|@[\w.-]+")
USER_ID = re.compile(r"\b[UW][A-Z0-9]{6,}\b")
WORD = re.compile(r"[^\W\d_][\w'’-]*")


@dataclass
class Entry:
    """One disclosure as admins see it in Slack: enough to reply, nothing that places it."""

    id: str
    tool_kind: str
    work_kind: str
    reasons: list[str]
    replied: bool


@dataclass
class Overview:
    quarter: str
    total: int
    min_group: int
    reasons: dict[str, int] = field(default_factory=dict)
    tool_kinds: dict[str, int] = field(default_factory=dict)
    teams: list[tuple[str, int]] = field(default_factory=list)
    entries: list[Entry] = field(default_factory=list)

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
        result.reasons = await q.reason_counts(session, quarter)
        result.tool_kinds = await q.counts_by(session, quarter, "tool_kind")
        result.teams = await q.team_counts(session, quarter, k)
        if result.entries_shown:
            replied = await q.replied_ids(session, quarter)
            rows = await q.quarter_disclosures(session, quarter)
            result.entries = [_entry(row, replied) for row in rows]
    return result


def _entry(row: object, replied: set[str]) -> Entry:
    reasons = [r for r in COVERT_REASONS if getattr(row, f"reason_{r}")]
    ident = str(row.id)  # type: ignore[attr-defined]
    return Entry(ident, row.tool_kind, row.work_kind, reasons, ident in replied)  # type: ignore[attr-defined]


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
        labels = await q.tool_labels(session, sorted({k for k, _, _ in rows}))
        scrub = Scrubber(await q.directory_names(session))
    by_tool: dict[str, Demand] = {}
    for key, work_kind, count in rows:
        item = by_tool.setdefault(key, Demand(scrub.tool(labels.get(key, key)), 0, {}))
        item.count += count
        item.work_kinds[work_kind] = item.work_kinds.get(work_kind, 0) + count
    return sorted(by_tool.values(), key=lambda d: (-d.count, d.tool))


async def export(services: Services, quarter: str) -> list[dict[str, object]] | None:
    """Admins' free-text export for one quarter: org-wide, scrubbed; None below K disclosures."""
    quarter = check_quarter(quarter)
    async with services.db.session() as session:
        if await q.quarter_count(session, quarter) < services.min_group_size:
            return None
        rows = await q.quarter_disclosures(session, quarter)
        scrub = Scrubber(await q.directory_names(session))
    return [
        {
            "id": row.id,
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


# ---------------------------------------------------------------- plain-text renderings


def _label(key: str) -> str:
    return COVERT_REASONS.get(key) or TOOL_KINDS.get(key) or WORK_KINDS.get(key) or key


def render_overview(view: Overview, max_entries: int = 40) -> str:
    """Markdown-ish text for Slack and the terminal alike."""
    lines = [f"*Disclosures {view.quarter}:* {view.total}"]
    if view.total:
        lines.append("Why not in the open: " + _counts(view.reasons))
        lines.append("Kinds of tool: " + _counts(view.tool_kinds))
    if view.teams:
        lines.append(
            f"By team (teams of at least {view.min_group} people): "
            + ", ".join(f"{name} {n}" for name, n in view.teams)
        )
    if not view.entries_shown:
        lines.append(
            f"Individual entries appear once the quarter has at least {view.min_group} "
            "disclosures, so nobody can be picked out as they arrive."
        )
    for entry in view.entries[:max_entries]:
        mark = "replied" if entry.replied else "no reply yet"
        reasons = "; ".join(_label(r) for r in entry.reasons)
        lines.append(
            f"`{entry.id}` {_label(entry.tool_kind)}, {_label(entry.work_kind)}: {reasons} ({mark})"
        )
    if len(view.entries) > max_entries:
        lines.append(f"…and {len(view.entries) - max_entries} more (see the CLI).")
    return "\n".join(lines)


def _counts(counts: dict[str, int]) -> str:
    shown = sorted(((n, k) for k, n in counts.items() if n), reverse=True)
    return ", ".join(f"{_label(k)} {n}" for n, k in shown) or "none"


def render_demand(items: list[Demand] | None, min_group: int) -> str:
    if items is None:
        return f"Not enough disclosures yet (fewer than {min_group}) to show tool names."
    if not items:
        return "Every disclosed tool is in the approved catalog."
    lines = ["*Disclosed tools outside the approved catalog:*"]
    for item in items:
        work = ", ".join(f"{_label(k)} {n}" for k, n in sorted(item.work_kinds.items()))
        lines.append(f"{item.tool}: {item.count} ({work})")
    return "\n".join(lines)
