"""CSV that a spreadsheet opens as data, never as formulas (OWASP: CSV injection).

A cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is a formula to Excel,
LibreOffice and Google Sheets (`=HYPERLINK(…)`, `=cmd|' /C calc'!A0`). Every text cell that
does is prefixed with a single quote, and a cell holding a separator, a quote or a line break
is quoted with its quotes doubled (so no text can start a cell of its own), as OWASP's
CSV-injection guidance says. Numbers are written as numbers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """A text cell that cannot run as a formula; its line breaks become plain `\n` (which
    the writer quotes), so a carriage return cannot end a row early either."""
    if not isinstance(value, str):
        return value
    if value.startswith(FORMULA_STARTS):
        value = "'" + value
    return value.replace("\r\n", "\n").replace("\r", "\n")


def write_csv(fields: Sequence[str], rows: Iterable[Mapping[str, Any]]) -> str:
    """Rows as CSV text: header first, every cell neutralised."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(fields), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: safe_cell(v) for k, v in row.items()})
    return out.getvalue()
