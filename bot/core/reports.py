"""What leaders read and auditors ask for: a chart, a self-contained HTML page, and an export.

The chart uses matplotlib's object API on the Agg canvas (no global pyplot state, no display),
so it can be drawn in a worker thread while the bot keeps answering Slack.
"""

from __future__ import annotations

import base64
import html
import io
import json
from pathlib import Path
from typing import Any

from bot.core.signals import org_signals
from bot.core.spreadsheet import write_csv
from bot.core.stage import STAGE_NAMES, StageReport, assess, load_thresholds, stage_history
from bot.core.vocabulary import GATES

SHARES = (("response_rate", "Response rate"), ("breadth", "With an example"),
          ("sanctioned_share", "Sanctioned share"))  # fmt: skip


def chart_png(report: StageReport) -> bytes:
    """Stage over quarters (top) and the key shares plus production use cases (bottom)."""
    # Imported here: matplotlib costs a second at import, which every CLI command would pay.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    trend = report.trend or [{"quarter": report.quarter, "stage": report.stage}]
    quarters = [p["quarter"] for p in trend]
    fig = Figure(figsize=(8, 6), dpi=100)
    FigureCanvasAgg(fig)
    top, bottom = fig.subplots(2, 1, sharex=True)
    top.step(quarters, [p["stage"] for p in trend], where="mid", marker="o", color="#4a3aff")
    top.set_ylim(0.5, 5.5)
    top.set_yticks(list(STAGE_NAMES), [f"{n} {name}" for n, name in STAGE_NAMES.items()])
    top.set_title(f"AI maturity stage (now {report.stage}, confidence {report.confidence})")
    top.grid(axis="y", alpha=0.3)
    for key, label in SHARES:
        bottom.plot(quarters, [p.get(key) or 0 for p in trend], marker="o", label=label)
    bottom.set_ylim(0, 1.05)
    bottom.set_ylabel("share")
    counts = bottom.twinx()
    counts.bar(quarters, [p.get("production") or 0 for p in trend], alpha=0.2, color="green")
    counts.set_ylabel("production use cases")
    bottom.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def _evidence_rows(report: StageReport) -> str:
    marks = {True: "met", False: "missed", None: "note"}
    return "\n".join(
        f"<tr class='{marks[line['met']]}'><td>{line['stage'] or ''}</td>"
        f"<td>{marks[line['met']]}</td><td>{html.escape(line['text'])}</td></tr>"
        for line in report.evidence
    )


SIGNAL_ROWS = (
    ("answered", "Answered"), ("prompted", "Prompted"), ("response_rate", "Response rate"),
    ("breadth", "With an example"), ("sanctioned_share", "Sanctioned share"),
    ("covert", "Disclosed covert use"), ("pilots", "Pilots"),
    ("production", "Production use cases"), ("measured", "Measured outcomes"),
)  # fmt: skip


def _signal_rows(report: StageReport) -> str:
    s = report.signals
    rows = [(label, s.get(key)) for key, label in SIGNAL_ROWS]
    rows += [(f"Gate: {GATES[g]}", n) for g, n in s.get("gates", {}).items() if n]
    rows += [(f"Demand: {d['tool']}", d["count"]) for d in s.get("demand", [])]
    return "\n".join(
        f"<tr><td>{html.escape(str(label))}</td><td>{html.escape(str(value))}</td></tr>"
        for label, value in rows
    )


def html_report(report: StageReport, png: bytes) -> str:
    """One file, no external assets: the chart is embedded as base64."""
    image = base64.b64encode(png).decode("ascii")
    constraint = report.constraint
    diag = report.diagnostic
    answers = "".join(f"<li>{html.escape(a)}</li>" for a in diag.get("answers", []))
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>AI maturity {report.quarter}</title>
<style>body{{font-family:sans-serif;max-width:60em;margin:2em auto}}
td{{padding:.2em .6em;border-bottom:1px solid #ddd}}.met{{color:#176117}}.missed{{color:#9b1c1c}}
</style></head><body>
<h1>AI maturity: stage {report.stage} ({html.escape(report.stage_name)})</h1>
<p>Quarter {html.escape(report.quarter)} · confidence {report.confidence}</p>
<img alt="Stage and key signals over quarters" src="data:image/png;base64,{image}">
<h2>Binding constraint</h2><p>{html.escape(constraint.get("criterion") or "None")}</p>
<p><b>Next step:</b> {html.escape(report.next_step or "Keep going.")}</p>
<h2>Evidence</h2><table>{_evidence_rows(report)}</table>
<h2>Signals ({html.escape(report.quarter)})</h2><table>{_signal_rows(report)}</table>
<h2>{html.escape(diag.get("question", ""))}</h2>
<p>{html.escape(diag.get("summary", ""))}</p><ul>{answers}</ul>
</body></html>
"""


async def write_report(services: Any, out_dir: str | Path) -> tuple[Path, Path]:
    """Write `ai-stage.png` and `ai-stage.html` into `out_dir`; returns both paths."""
    report = await assess(services)
    png = chart_png(report)
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    png_path, html_path = folder / "ai-stage.png", folder / "ai-stage.html"
    png_path.write_bytes(png)
    html_path.write_text(html_report(report, png), encoding="utf-8")
    return png_path, html_path


def _row(s: Any, stage: int | None) -> dict[str, Any]:
    data = s.to_dict()
    row = {"quarter": s.quarter, "stage": stage}
    for key, value in data.items():
        if isinstance(value, int | float | type(None)) and key not in ("team_id",):
            row[key] = value
    row["repeatable_kinds"] = ";".join(s.repeatable_kinds)
    row["withheld"] = "; ".join(s.withheld)
    for gate in GATES:
        row[f"gate_{gate}"] = s.gates.get(gate)  # empty when withheld (below K), not zero
    return row


async def export_signals(services: Any, fmt: str) -> str:
    """Org-level signals per quarter, with the stage each quarter had, as CSV or JSON."""
    if fmt not in ("csv", "json"):
        raise ValueError("format must be csv or json")
    t = load_thresholds(services.settings.stage_thresholds_file)
    series = await org_signals(
        services, t["signals"]["repeatable_min_people"], t["signals"]["repeatable_min_teams"]
    )
    stages = await stage_history(services)
    rows = [_row(s, stages.get(q)) for q, s in series.items()]
    if fmt == "json":
        return json.dumps({"quarters": rows}, indent=2)
    return write_csv(list(rows[0]) if rows else ["quarter", "stage"], rows)
