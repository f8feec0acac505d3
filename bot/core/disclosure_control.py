"""Statistical disclosure control: the one place that decides which figures may be published.

Every figure any surface shows (Slack replies, App Home, DMs, the CLI, exports, the HTML report
and its chart, team summaries) is a cell of a `Table`: a named count with the linear relations
that tie it to other cells (a total is the sum of its parts, the organisation is the sum of its
teams and of everybody else, a gate is what answers and disclosures reported together). The
table is suppressed in two steps, as statistical offices do:

1. **Primary suppression.** A cell whose count is protected is withheld. Counts of people are
   protected from 1 to K-1 (a 0 singles nobody out); counts of anonymous disclosures, and any
   cell whose 0 a surface cannot show apart from "withheld", are protected from 0 to K-1, so
   that "none" and "a few" read the same.
2. **Complementary suppression.** Publishing the remaining cells must not let anyone recompute
   a withheld one. A withheld cell is *determined* by the published ones when its unit vector
   lies in the row space of the relations plus the published cells; equivalently, when in the
   reduced row-echelon form of the relations restricted to withheld cells, its pivot row holds
   no other cell. While some protected cell is determined, one more cell (the cheapest in a
   relation with it) is withheld, to a fixed point. Cells marked `frozen` are never chosen:
   that is how a team's figures stay independent of anonymous disclosures.

The arithmetic is exact (`fractions.Fraction`), so `determined` is a proof, not an estimate;
`leverage-bot privacy audit` runs the same test over everything published for a quarter.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from fractions import Fraction

# How a cell is protected: not at all, its counts 1..K-1, or its counts 0..K-1.
NONE, SMALL, BELOW_K = "none", "small", "below_k"
# Suppressing a marginal (a total) costs more than suppressing a part: prefer parts.
MARGINAL_COST = 1_000_000


def fewer_than(k: int) -> str:
    """How every withheld count reads, whatever it is (0 and 1..K-1 alike)."""
    return f"fewer than {k}"


@dataclass
class Cell:
    key: str
    value: int
    protect: str = SMALL
    published: bool = True  # False: a quantity that exists only in relations, never shown
    marginal: bool = False
    frozen: bool = False
    label: str = ""

    def protected(self, k: int) -> bool:
        if self.protect == NONE:
            return False
        low = 0 if self.protect == BELOW_K else 1
        return low <= self.value < k


class SuppressionError(RuntimeError):
    """No cell can be withheld to protect a determined cell (every candidate is frozen)."""


@dataclass
class Table:
    """Cells, the linear relations between them (each sums to zero) and what is withheld."""

    k: int
    cells: dict[str, Cell] = field(default_factory=dict)
    relations: list[dict[str, int]] = field(default_factory=list)
    withheld: set[str] = field(default_factory=set)
    primary: set[str] = field(default_factory=set)

    def add(self, key: str, value: int, protect: str = SMALL, **kw: object) -> str:
        self.cells[key] = Cell(key, int(value), protect, **kw)  # type: ignore[arg-type]
        return key

    def sums(self, total: str, parts: Iterable[str]) -> None:
        """`total` = the sum of `parts`. With no parts the total is 0 by construction (a group
        nobody is in), which protects nothing and needs no relation."""
        parts = list(parts)
        if not parts:
            return
        relation = {total: 1}
        for part in parts:
            relation[part] = relation.get(part, 0) - 1
        self.relations.append({c: n for c, n in relation.items() if n})

    def shown(self, key: str) -> bool:
        return key in self.cells and key not in self.withheld

    def value(self, key: str) -> int | None:
        """The published value, or None when withheld (or unknown)."""
        return self.cells[key].value if self.shown(key) else None

    def withhold(self, keys: Iterable[str]) -> None:
        for key in keys:
            if key in self.cells:
                self.primary.add(key)
                self.withheld.add(key)

    # -- the two steps ------------------------------------------------------------------
    def suppress_primary(self) -> None:
        for cell in self.cells.values():
            if not cell.published or cell.protected(self.k):
                self.withheld.add(cell.key)
                if cell.published:
                    self.primary.add(cell.key)

    def suppress_complementary(self) -> list[str]:
        """Withhold more cells until no protected cell is determined; returns those added."""
        added = []
        while exposed := self.exposed():
            key = self._complement_for(exposed[0])
            self.withheld.add(key)
            added.append(key)
        # The greedy choices can overshoot: publish again, most valuable first, every added
        # cell that is not needed any more (the pattern left is irredundant).
        for key in sorted(added, key=self._cost, reverse=True):
            self.withheld.discard(key)
            if self.exposed():
                self.withheld.add(key)
            else:
                added.remove(key)
        return added

    def suppress(self) -> Table:
        self.suppress_primary()
        self.suppress_complementary()
        return self

    # -- the test -------------------------------------------------------------------------
    def determined(self) -> set[str]:
        return determined(self.relations, self.withheld)

    def exposed(self) -> list[str]:
        """Protected withheld cells that the published cells and relations determine."""
        return sorted(c for c in self.determined() if self.cells[c].protected(self.k))

    def _complement_for(self, key: str) -> str:
        """The cheapest published, unfrozen cell in a relation with `key`; else with any
        withheld cell linked to it (the relations form a graph), nearest first."""
        seen, frontier = {key}, [key]
        while frontier:
            near = [r for r in self.relations if any(c in r for c in frontier)]
            candidates = {c for r in near for c in r if self.shown(c) and not self.cells[c].frozen}
            if candidates:
                return min(candidates, key=self._cost)
            frontier = [c for r in near for c in r if c not in seen and c in self.withheld]
            seen.update(frontier)
        raise SuppressionError(f"no cell can be withheld to protect {key}")

    def _cost(self, key: str) -> tuple[int, str]:
        cell = self.cells[key]
        return (cell.value + (MARGINAL_COST if cell.marginal else 0), key)


def determined(relations: list[dict[str, int]], withheld: set[str]) -> set[str]:
    """Withheld cells whose value follows from the published ones through `relations`.

    Restricted to withheld cells, the relations read A·w = b (b known). w_i is determined iff
    e_i is in the row space of A, iff in the reduced row-echelon form of A the pivot row of
    w_i holds w_i alone. Exact rational elimination, rows kept sparse.
    """
    pivots: dict[str, dict[str, Fraction]] = {}
    for relation in relations:
        row = {c: Fraction(n) for c, n in relation.items() if c in withheld and n}
        for p in [c for c in row if c in pivots]:
            factor = row.get(p)
            if factor:
                _subtract(row, pivots[p], factor)
        if not row:
            continue
        pivot = min(row)
        scale = row[pivot]
        row = {c: n / scale for c, n in row.items()}
        for other in pivots.values():
            factor = other.get(pivot)
            if factor:
                _subtract(other, row, factor)
        pivots[pivot] = row
    return {p for p, row in pivots.items() if len(row) == 1}


def _subtract(row: dict[str, Fraction], pivot_row: dict[str, Fraction], factor: Fraction) -> None:
    for c, n in pivot_row.items():
        value = row.get(c, Fraction(0)) - factor * n
        if value:
            row[c] = value
        else:
            row.pop(c, None)


def suppress_cells(cells: dict[str, int], k: int) -> tuple[dict[str, int], int, bool]:
    """A list of categories that share no published total (multi-select counts, such as reasons
    or gates): cells of at least K, the pooled count of the smaller non-zero ones (0 unless it
    reaches K) and whether any non-zero cell was left out."""
    shown = {key: n for key, n in cells.items() if n >= k}
    rest = sum(n for n in cells.values() if 0 < n < k)
    return shown, (rest if rest >= k else 0), rest > 0
