"""A forensic reader of database files, as someone holding a copy or a backup would use one.

SQLite: the file format (https://www.sqlite.org/fileformat2.html) read byte by byte, without
SQLite's help: walk a table's B-tree from its root page and report, for every cell, the page it
sits on, its byte offset within the page and its overflow pages. PostgreSQL: the heap file read
through `pg_read_binary_file` (superuser), as a copy of the data directory would show it.
No tests here.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path


@dataclass
class Cell:
    page: int
    offset: int
    payload: bytes  # the local part of the record
    overflow: list[int] = field(default_factory=list)  # overflow page numbers, in chain order


class SqliteFile:
    def __init__(self, path: Path) -> None:
        self.data = path.read_bytes()
        self.page_size = struct.unpack(">H", self.data[16:18])[0] or 65536
        self.usable = self.page_size - self.data[20]

    def page(self, number: int) -> bytes:
        return self.data[(number - 1) * self.page_size : number * self.page_size]

    def cells(self, root: int) -> list[Cell]:
        """Every record of the B-tree rooted at `root`: a table's leaf cells, or all of an
        index's cells (a WITHOUT ROWID table is an index B-tree keyed by its primary key)."""
        found: list[Cell] = []
        stack = [root]
        while stack:
            number = stack.pop()
            page = self.page(number)
            head = 100 if number == 1 else 0
            kind = page[head]
            count = struct.unpack(">H", page[head + 3 : head + 5])[0]
            interior = kind in (2, 5)
            pointers = head + (12 if interior else 8)
            for i in range(count):
                offset = struct.unpack(">H", page[pointers + 2 * i : pointers + 2 * i + 2])[0]
                if interior:
                    stack.append(struct.unpack(">I", page[offset : offset + 4])[0])
                    if kind == 5:  # a table's interior cells hold only a rowid
                        continue
                    offset += 4  # an index's interior cells are entries in their own right
                found.append(self._cell(number, page, offset, kind))
            if interior:
                stack.append(struct.unpack(">I", page[head + 8 : head + 12])[0])
        return found

    def _cell(self, number: int, page: bytes, offset: int, kind: int) -> Cell:
        size, pos = varint(page, offset)
        if kind == 13:  # table leaf: a rowid follows the payload size
            _, pos = varint(page, pos)
        local = self._local_size(size, kind)
        cell = Cell(number, offset, page[pos : pos + local])
        if local < size:
            next_page = struct.unpack(">I", page[pos + local : pos + local + 4])[0]
            while next_page:
                cell.overflow.append(next_page)
                next_page = struct.unpack(">I", self.page(next_page)[:4])[0]
        return cell

    def _local_size(self, size: int, kind: int) -> int:
        u = self.usable
        most = u - 35 if kind == 13 else (u - 12) * 64 // 255 - 23
        if size <= most:
            return size
        least = (u - 12) * 32 // 255 - 23
        local = least + (size - least) % (u - 4)
        return local if local <= most else least


def varint(data: bytes, pos: int) -> tuple[int, int]:
    value = 0
    for i in range(9):
        byte = data[pos + i]
        if i == 8:
            return (value << 8) | byte, pos + 9
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            return value, pos + i + 1
    raise AssertionError("unreachable")


def concordance(order: list[str], position: dict[str, tuple[int, int]]) -> tuple[int, int]:
    """Among pairs that share a page, how many have the later arrival at the lower offset.

    SQLite puts each new cell at the end of the page's free space, i.e. below the previous
    ones, so on a file that keeps arrival order this is (n, n).
    """
    rank = {key: n for n, key in enumerate(order)}
    later_lower = pairs = 0
    for a, b in combinations([k for k in order if k in position], 2):
        if position[a][0] != position[b][0]:
            continue
        pairs += 1
        first, second = (a, b) if rank[a] < rank[b] else (b, a)
        later_lower += position[second][1] < position[first][1]
    return later_lower, pairs


def rank_correlation(xs: list[float], ys: list[float]) -> float:
    """Spearman's rho (no ties expected): 1.0 when ys rise exactly with xs."""
    n = len(xs)
    rx = {v: i for i, v in enumerate(sorted(xs))}
    ry = {v: i for i, v in enumerate(sorted(ys))}
    d2 = sum((rx[x] - ry[y]) ** 2 for x, y in zip(xs, ys, strict=True))
    return 1 - 6 * d2 / (n * (n * n - 1))
