"""CSV that a spreadsheet opens as data, never as formulas (OWASP: CSV injection).

A cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is a formula to Excel,
LibreOffice and Google Sheets (`=HYPERLINK(…)`, `=cmd|' /C calc'!A0`). Every text cell that
does is prefixed with a single quote, every cell is quoted and quotes inside are doubled, as
OWASP's CSV-injection guidance says. Numbers are written as numbers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def write_csv(fields: Sequence[str], rows: Iterable[Mapping[str, Any]]) -> str:
    """Rows as CSV text: header first, every cell quoted and neutralised."""
    out = io.StringIO()
    writer = csv.DictWriter(
        out, fieldnames=list(fields), quoting=csv.QUOTE_ALL, lineterminator="\n"
    )
    writer.writeheader()
    for row in rows:
        writer.writerow({k: safe_cell(v) for k, v in row.items()})
    return out.getvalue()
