"""The admins' figures about disclosures, as cells of the quarter's one table.

Admins see more than everyone else: counts of disclosures by kind of work, entries that each
name a kind of tool, a kind of work and reasons, and an export whose rows can be counted by
tool. Each of those counts is a figure, and an admin can subtract it from anything else
published. So the admins' figures are added to the quarter's suppressed table
(`bot.core.figure_table.build_table`, read through `bot.core.signals.figures`) instead of being
suppressed on their own:

- every cell of the stage's table is frozen, so what everyone sees stays exactly as it is and
  the admins' cells can only be withheld more, never make the stage withhold less;
- the new cells are tied to the old ones by the relations an admin knows: all disclosures =
  the sum over kinds of work; a kind of work = the tools outside the catalog named for it + the
  catalog tools named for it (never shown); the catalog tools = the sum of those;
- primary suppression withholds the new cells below K (0 too), complementary suppression then
  withholds more of them until no protected cell, old or new, follows from the published ones.

Reasons, kinds of tool, the demand for tools and the covert total are the stage's own cells:
admins read them off the same table, so every surface publishes one suppression pattern.
"""

from __future__ import annotations

import copy

from bot.core.disclosure_control import BELOW_K, NONE, SuppressionError, Table
from bot.core.figure_table import ORG, work_key
from bot.core.vocabulary import COVERT_REASONS, TOOL_KINDS, WORK_KINDS

COVERT = f"{ORG}.covert"
WORK = "admin.work"
CATALOG_WORK = "admin.catalog_work"
TOOL_KINDS_POOL = "admin.tool_kinds_pool"
WORK_POOL = "admin.work_pool"
EXPORT_OTHER_TOOLS = "admin.export_other_tools"


def reason_key(reason: str) -> str:
    return f"{ORG}.reason.{reason}"


def tool_kind_key(kind: str) -> str:
    return f"{ORG}.tool_kind.{kind}"


def work_kind_key(kind: str) -> str:
    return f"{WORK}.{kind}"


def tool_cells(t: Table) -> list[str]:
    return sorted(key for key, cell in t.cells.items() if cell.label == "tool")


def admin_table(stage: Table, work_kinds: dict[str, int]) -> Table:
    """The stage's table (left as it is) with the admins' cells added and suppressed.

    `work_kinds` counts the quarter's disclosures per kind of work, from the same rows the
    stage's table was built from. Without a published covert total there is nothing to add:
    admins then see no figure and no entry either."""
    t = copy.deepcopy(stage)
    for cell in t.cells.values():
        cell.frozen = True
    if not t.shown(COVERT):
        return t
    kinds = sorted(set(WORK_KINDS) | set(work_kinds))
    added = [t.add(work_kind_key(kind), work_kinds.get(kind, 0), BELOW_K) for kind in kinds]
    t.sums(COVERT, added)
    tools = tool_cells(t)
    if "demand.catalog" in t.cells:
        catalog = []
        for kind in kinds:
            named = [work_key(tool.removeprefix("demand.tool."), kind) for tool in tools]
            named = [c for c in named if c in t.cells]
            in_catalog = work_kinds.get(kind, 0) - sum(t.cells[c].value for c in named)
            catalog.append(t.add(f"{CATALOG_WORK}.{kind}", in_catalog, published=False))
            t.sums(work_kind_key(kind), [*named, catalog[-1]])
            added.append(catalog[-1])
        t.sums("demand.catalog", catalog)
    if "demand.catalog" in t.cells:
        # The export's rows naming no listed tool: all disclosures minus the listed tools.
        hidden = ["demand.catalog", *(c for c in tools if not t.shown(c))]
        t.add(EXPORT_OTHER_TOOLS, sum(t.cells[c].value for c in hidden), NONE, frozen=True)
        t.sums(EXPORT_OTHER_TOOLS, hidden)
    _suppress(t, added)
    _pool(t, TOOL_KINDS_POOL, [tool_kind_key(k) for k in sorted(set(TOOL_KINDS))])
    _pool(t, WORK_POOL, [work_kind_key(k) for k in kinds])
    return t


def _suppress(t: Table, added: list[str]) -> None:
    for key in added:
        cell = t.cells[key]
        if not cell.published or cell.protected(t.k):
            t.withheld.add(key)
            if cell.published:
                t.primary.add(key)
    try:
        t.suppress_complementary()
    except SuppressionError:  # cannot happen with every new cell withheld; never publish then
        t.withhold(key for key in added if t.cells[key].published)
    if t.exposed():  # the same belt: an admin cell must never give a stage cell away
        t.withhold(key for key in added if t.cells[key].published)


def _pool(t: Table, key: str, parts: list[str]) -> None:
    """The withheld `parts` together ("other (n)"), published when it reaches K: all
    disclosures minus the shown parts, so it adds nothing an admin could not subtract."""
    hidden = [p for p in parts if p in t.cells and p in t.withheld]
    value = sum(t.cells[p].value for p in hidden)
    if not hidden or value < t.k:
        return
    t.add(key, value, BELOW_K, frozen=True)
    t.sums(key, hidden)
    if t.exposed():
        del t.cells[key]
        t.relations = [r for r in t.relations if key not in r]


def shown_reasons(t: Table) -> dict[str, int]:
    return {r: t.cells[reason_key(r)].value for r in COVERT_REASONS if t.shown(reason_key(r))}


def shown_tool_kinds(t: Table) -> dict[str, int]:
    prefix = f"{ORG}.tool_kind."
    keys = sorted(k.removeprefix(prefix) for k in t.cells if k.startswith(prefix))
    return {k: t.cells[tool_kind_key(k)].value for k in keys if t.shown(tool_kind_key(k))}


def shown_work_kinds(t: Table) -> dict[str, int]:
    keys = sorted(k.removeprefix(f"{WORK}.") for k in t.cells if k.startswith(f"{WORK}."))
    return {k: t.cells[work_kind_key(k)].value for k in keys if t.shown(work_kind_key(k))}


def family_withheld(t: Table) -> bool:
    """Whether any reason, kind of tool or kind of work is withheld, whatever its value (the
    note "counts below K are withheld" must not depend on what the withheld cells hold)."""
    prefixes = (f"{ORG}.reason.", f"{ORG}.tool_kind.", f"{WORK}.")
    return any(
        key.startswith(prefixes) and key in t.withheld and t.cells[key].published for key in t.cells
    )
