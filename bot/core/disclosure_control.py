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
3. **Non-negativity (intervals).** Counts are never negative, so a relation whose withheld
   cells all carry the same sign bounds each of them by their known total: a total of 0 pins
   every one to 0 (a team with 6 examples, all of them "coding", shows that every other theme
   is 0, although 0 and "a few" were to read the same), and a total of 1 to K-1 says that
   fewer than K people are among them. So, in the same loop, such a relation's withheld total
   must be at least K, or 0 when none of its cells is protected from 0; else one more of its
   cells is withheld (`pinned`). This looks at one relation at a time, which is what a reader
   adding up a row does; bounds that need several relations combined are not searched for.

The arithmetic is exact (`fractions.Fraction`), so `determined` is a proof, not an estimate;
`leverage-bot privacy audit` runs the same test over everything published for a quarter.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

# How a cell is protected: not at all, its counts 1..K-1, or its counts 0..K-1.
NONE, SMALL, BELOW_K = "none", "small", "below_k"
# Suppressing a marginal (a total) costs more than suppressing a part: prefer parts.
MARGINAL_COST = 1_000_000
RESTORE_TRIES = 12


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
        """Withhold more cells until no protected cell is determined and no relation pins its
        unknown cells (see the module docstring); returns those added."""
        added: list[str] = []
        while chosen := self._next_complements():
            for key in sorted(chosen):
                if key not in self.withheld:
                    self.withheld.add(key)
                    added.append(key)
        # The greedy choices can overshoot: publish again, most valuable first, added cells
        # that are not needed any more (within a bounded number of tries).
        for key in sorted(added, key=self._cost, reverse=True)[:RESTORE_TRIES]:
            self.withheld.discard(key)
            if self.exposed():
                self.withheld.add(key)
            else:
                added.remove(key)
        return added

    def _next_complements(self) -> set[str]:
        """One round: a complement per block for a determined protected cell; when there is
        none, a complement per block for a pinned relation."""
        known = self.determined()
        firsts: dict[str, str] = {}
        for cell in self._protected(known):
            firsts.setdefault(_block(cell), cell)
        if firsts:
            return {self._complement_for(cell) for cell in firsts.values()}
        pins: dict[str, dict[str, int]] = {}
        for relation in self.pinned(known):
            first = min(c for c in relation if c in self.withheld and c not in known)
            pins.setdefault(_block(first), relation)
        return {self._complement_in(r, known) for r in pins.values()}

    def suppress(self) -> Table:
        self.suppress_primary()
        self.suppress_complementary()
        return self

    # -- the test -------------------------------------------------------------------------
    def determined(self) -> set[str]:
        return determined(self.relations, self.withheld)

    def exposed(self) -> list[str]:
        """Withheld cells the published ones give away: protected cells determined exactly,
        and the unknown cells of a relation that pins them (`pinned`)."""
        known = self.determined()
        pinned = {c for r in self.pinned(known) for c in r if c in self.withheld - known}
        return sorted(set(self._protected(known)) | pinned)

    def determined_protected(self) -> list[str]:
        """Protected withheld cells determined exactly (the linear test alone)."""
        return self._protected(self.determined())

    def _protected(self, cells: set[str]) -> list[str]:
        return sorted(c for c in cells if self.cells[c].protected(self.k))

    def pinned(self, known: set[str] | None = None) -> list[dict[str, int]]:
        """Relations whose unknown cells (withheld, and not determined: `known`) all carry the
        same sign and so add up to a known total, when that total gives protected cells away:
        0 when one of them is protected from 0 (`BELOW_K`) and the published cells are not all
        0 themselves, or 1 to K-1 (fewer than K people among them)."""
        known = self.determined() if known is None else known
        found = []
        for relation in self.relations:
            hidden = {c: n for c, n in relation.items() if c in self.withheld and c not in known}
            if not hidden or len({n > 0 for n in hidden.values()}) > 1:
                continue
            sign = 1 if next(iter(hidden.values())) > 0 else -1
            rest = sum(n * self.cells[c].value for c, n in relation.items() if c not in hidden)
            total = -sign * rest  # = the sum of |coefficient| x value over the unknown cells
            protects = {self.cells[c].protect for c in hidden}
            if total >= self.k or protects == {NONE}:
                continue
            if total > 0 or (BELOW_K in protects and any(self.cells[c].value for c in relation)):
                found.append(relation)  # (a 0 that follows from published zeros tells nothing)
        return found

    def _complement_in(self, relation: dict[str, int], known: set[str]) -> str:
        """For a pinned relation: a published, unfrozen cell, a part before a total (withheld,
        a part adds its count to the unknown total, a total makes the signs mixed), the
        cheapest first; else, as for a determined cell, the nearest one through the relations."""
        unknown = [c for c in relation if c in self.withheld and c not in known]
        sign = relation[unknown[0]] > 0
        candidates = [c for c in relation if self.shown(c) and not self.cells[c].frozen]
        if candidates:  # a part (same sign as the unknown cells) before a total, then the cost
            return min(candidates, key=lambda c: ((relation[c] > 0) != sign, self._cost(c)))
        return self._complement_for(min(unknown))

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
    e_i is in the row space of A, iff every w in the null space of A has w_i = 0.

    The cells fall into blocks (the part of a key before its first dot: the organisation, a
    team, everybody else), and most relations stay inside one block. So the null space is
    built in two steps: exactly, per block, from that block's own relations (`_local`:
    rational elimination, a few cells each); then across blocks, through the few relations
    that span them (`_across`: modular arithmetic over a 31-bit prime, vectorised). That keeps
    an organisation of thousands of teams to milliseconds instead of minutes.
    """
    rows = [{c: n for c, n in r.items() if c in withheld and n} for r in relations]
    local: dict[str, list[dict[str, int]]] = {}
    spanning: list[dict[str, int]] = []
    cells: dict[str, set[str]] = {}
    for row in rows:
        blocks = {_block(c) for c in row}
        for c in row:
            cells.setdefault(_block(c), set()).add(c)
        if len(blocks) == 1:
            local.setdefault(blocks.pop(), []).append(row)
        elif blocks:
            spanning.append(row)
    nulls = {b: _local_cached(_frozen(local.get(b, [])), frozenset(cells[b])) for b in cells}
    return _across(nulls, spanning)


def _frozen(relations: list[dict[str, int]]) -> tuple[tuple[tuple[str, int], ...], ...]:
    return tuple(sorted(tuple(sorted(r.items())) for r in relations))


@functools.lru_cache(maxsize=200_000)
def _local_cached(
    relations: tuple[tuple[tuple[str, int], ...], ...], cells: frozenset[str]
) -> _Null:
    """Blocks repeat from one round of suppression to the next: each is solved once."""
    return _local([dict(r) for r in relations], set(cells))


@functools.lru_cache(maxsize=500_000)
def _block(key: str) -> str:
    return key.split(".", 1)[0]


@dataclass
class _Null:
    """A block's local null space: each cell as a combination of the block's free cells."""

    free: list[str]
    of: dict[str, dict[str, Fraction]]  # cell -> {free cell: coefficient}; {} if determined
    mod: dict[str, list[tuple[int, int]]] = field(default_factory=dict)  # the same, mod PRIME

    def __post_init__(self) -> None:
        where = {f: i for i, f in enumerate(self.free)}
        self.mod = {
            c: [(where[f], _mod(n)) for f, n in combo.items()] for c, combo in self.of.items()
        }


def _local(relations: list[dict[str, int]], cells: set[str]) -> _Null:
    pivots = _rref(relations)
    free = sorted(cells - set(pivots))
    of: dict[str, dict[str, Fraction]] = {f: {f: Fraction(1)} for f in free}
    for p, row in pivots.items():
        of[p] = {c: -n for c, n in row.items() if c != p}
    return _Null(free, of)


def _rref(relations: list[dict[str, int]]) -> dict[str, dict[str, Fraction]]:
    """Reduced row-echelon form, sparse and exact: pivot cell -> its row (pivot coefficient 1,
    no other pivot in it)."""
    pivots: dict[str, dict[str, Fraction]] = {}
    for relation in relations:
        row = {c: Fraction(n) for c, n in relation.items() if n}
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
    return pivots


def _subtract(row: dict[str, Fraction], pivot_row: dict[str, Fraction], factor: Fraction) -> None:
    for c, n in pivot_row.items():
        value = row.get(c, Fraction(0)) - factor * n
        if value:
            row[c] = value
        else:
            row.pop(c, None)


PRIME = 2_147_483_647  # 2**31 - 1: products of two residues fit in int64


def _mod(x: Fraction) -> int:
    return x.numerator % PRIME * pow(x.denominator, PRIME - 2, PRIME) % PRIME


def _across(nulls: dict[str, _Null], spanning: list[dict[str, int]]) -> set[str]:
    """Cells determined once the spanning relations tie the blocks' null spaces together.

    With N_b a block's null space and M_b = G_b·N_b the spanning relations seen through it, a
    cell v of block t is determined iff its row f_v of N_t is y·M_t for some y with y·M_s = 0
    for every other block s (y in the left null space of the other blocks' columns).
    """
    import numpy as np

    blocks = sorted(nulls)
    widths = [len(nulls[b].free) for b in blocks]
    offsets: dict[str, int] = {}
    for b, start in zip(blocks, np.cumsum([0, *widths]), strict=False):
        offsets[b] = int(start)
    g = np.zeros((len(spanning), int(sum(widths))), dtype=np.int64)
    for i, row in enumerate(spanning):
        for cell, n in row.items():
            block = _block(cell)
            base = offsets[block]
            for j, coefficient in nulls[block].mod[cell]:
                g[i, base + j] = (g[i, base + j] + n * coefficient) % PRIME
    spans = {b: (offsets[b], offsets[b] + w) for b, w in zip(blocks, widths, strict=True)}
    pivots, _ = _echelon(g)
    critical = {_owner(spans, j) for j in pivots}
    out: set[str] = set()
    # A y with y·g = 0 has y·M_b = 0 for every block b: it helps to determine no cell.
    for b in blocks:
        null = nulls[b]
        lo, hi = spans[b]
        if b not in critical:  # removing b leaves the rank: only its own relations decide
            out.update(cell for cell, combo in null.of.items() if not combo)
            continue
        left = _echelon(np.concatenate([g[:, :lo], g[:, hi:]], axis=1))[1]
        reach = (left @ g[:, lo:hi]) % PRIME if left.size else np.zeros((0, hi - lo), np.int64)
        rank = _rank(reach)
        for cell, combo in null.of.items():
            if not combo:
                out.add(cell)
                continue
            f = np.zeros((1, hi - lo), dtype=np.int64)
            for j, coefficient in null.mod[cell]:
                f[0, j] = coefficient
            if rank and _rank(np.concatenate([reach, f])) == rank:
                out.add(cell)
    return out


def _owner(spans: dict[str, tuple[int, int]], column: int) -> str:
    return next(b for b, (lo, hi) in spans.items() if lo <= column < hi)


def _echelon(a: Any) -> tuple[list[int], Any]:
    """Row echelon form modulo PRIME, row by row (each row reduced against the pivots found so
    far, one vectorised step per pivot): the pivot columns, and a basis (rows) of the left null
    space {y : y·a = 0}."""
    import numpy as np

    rows, cols = a.shape
    work = np.concatenate([a % PRIME, np.eye(rows, dtype=np.int64)], axis=1)
    basis: list[tuple[Any, int]] = []
    null = []
    for i in range(rows):
        row = work[i]
        for pivot_row, c in basis:
            factor = row[c]
            if factor:
                row = (row - (factor * pivot_row) % PRIME) % PRIME
        nz = np.nonzero(row[:cols])[0]
        if nz.size == 0:
            null.append(row[cols:])
            continue
        c = int(nz[0])
        basis.append((row * pow(int(row[c]), PRIME - 2, PRIME) % PRIME, c))
    left = np.array(null, dtype=np.int64).reshape(len(null), rows)
    return [c for _, c in basis], left


def _rank(a: Any) -> int:
    return len(_echelon(a)[0]) if a.size else 0


def suppress_cells(cells: dict[str, int], k: int) -> tuple[dict[str, int], int, bool]:
    """A list of categories that share no published total (multi-select counts, such as reasons
    or gates): cells of at least K, the pooled count of the smaller non-zero ones (0 unless it
    reaches K) and whether any non-zero cell was left out."""
    shown = {key: n for key, n in cells.items() if n >= k}
    rest = sum(n for n in cells.values() if 0 < n < k)
    return shown, (rest if rest >= k else 0), rest > 0
