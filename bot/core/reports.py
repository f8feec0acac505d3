"""What leaders read and auditors ask for: a chart, a self-contained HTML page, and an export.

The HTML report is a brief a leader reads in two minutes: the stage and what it means, the one
thing holding the organisation there and the one next step, then the evidence grouped by
stage, a table by quarter, teams, and a glossary. Every share is a percentage; a figure behind
fewer than K people says "withheld", and a quarter without data shows a dash, never a zero.

The chart uses matplotlib's object API on the Agg canvas (no global pyplot state, no display),
so it can be drawn in a worker thread while the bot keeps answering Slack.
"""

from __future__ import annotations

import base64
import html
import io
import json
import math
import os
import re
import tempfile
import textwrap
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.core import stage_text as words
from bot.core.quarters import quarter_label
from bot.core.registry import registry_export
from bot.core.signals import Signals, org_signals, team_signals
from bot.core.spreadsheet import write_csv
from bot.core.stage import StageReport, assess, load_thresholds, stage_history
from bot.core.vocabulary import GATES, WORK_KINDS

# (key in the trend, legend label, colour): shares drawn on the percent axis.
SHARE_SERIES = (
    ("response_rate", "Response rate", "#1f77b4"),
    ("breadth", "Answers with an example", "#ff7f0e"),
    ("sanctioned_share", "Sanctioned share of use", "#2ca02c"),
    ("covert_share", "Disclosed covert use (share of reported use)", "#d62728"),
)
PRODUCTION_COLOUR = "#7f7f7f"
STAGE_COLOUR = "#4a3aff"


def _gaps(values: list[Any]) -> list[float]:
    """None (no data, or withheld) becomes NaN, which matplotlib leaves as a gap, not a zero."""
    return [math.nan if v is None else float(v) * 100 for v in values]


def _align(x: int, count: int) -> str:
    """Which way a note reaches from its point on a narrow chart: inwards, never over the axis
    labels on the left or off the right edge."""
    where = x / max(1, count - 1)
    return "left" if where < 0.34 else "right" if where > 0.66 else "center"


def chart_png(report: StageReport, *, narrow: bool = False) -> bytes:
    buffer = io.BytesIO()
    chart_figure(report, narrow=narrow).savefig(buffer, format="png")
    return buffer.getvalue()


def chart_figure(report: StageReport, *, narrow: bool = False) -> Any:
    """Stage over quarters with why it changed (top); shares in percent and production use
    cases (bottom), every series in the legend. `narrow` draws the same for a phone: tall, the
    legend below the plot, so that at a phone's width the words stay readable."""
    # Imported here: matplotlib costs a second at import, which every CLI command would pay.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import PercentFormatter

    trend = report.trend or [{"quarter": report.quarter, "stage": report.stage}]
    labels = [quarter_label(p["quarter"]) for p in trend]
    xs = list(range(len(trend)))
    fig = Figure(figsize=(4.8, 8.6) if narrow else (9, 7), dpi=100)
    FigureCanvasAgg(fig)
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=[2, 3])
    stages = [p["stage"] for p in trend]
    top.step(xs, stages, where="mid", marker="o", color=STAGE_COLOUR, label="Stage")
    top.set_ylim(0.5, 5.9)
    top.set_yticks(
        list(words.STAGE_NAMES), [f"{n} {name}" for n, name in words.STAGE_NAMES.items()]
    )
    top.set_title(
        f"AI maturity stage: {report.stage} ({words.STAGE_NAMES[report.stage]}),"
        f"{chr(10) if narrow else ' '}confidence {report.confidence}",
        fontsize=10 if narrow else 11,
    )
    top.grid(axis="y", alpha=0.3)
    for x, point in zip(xs, trend, strict=True):
        if point.get("change"):
            top.annotate(
                textwrap.fill(point["change"], 26) if narrow else point["change"],
                (x, point["stage"]), xytext=(0, 12), textcoords="offset points",
                ha=_align(x, len(xs)) if narrow else "center", fontsize=8 if narrow else 7,
                wrap=True,
                bbox={"boxstyle": "round", "fc": "#f4f2ff", "ec": STAGE_COLOUR, "lw": 0.5},
            )  # fmt: skip
    counts = bottom.twinx()
    production = [p.get("production") for p in trend]
    bars = counts.bar(
        [x for x, v in zip(xs, production, strict=True) if v is not None],
        [v for v in production if v is not None],
        width=0.5, alpha=0.35, color=PRODUCTION_COLOUR, label="Production use cases (count, right)",
    )  # fmt: skip
    counts.set_ylabel("production use cases")
    counts.set_ylim(0, max([v for v in production if v is not None] + [1]) * 1.3)
    lines = []
    for key, label, colour in SHARE_SERIES:
        values = _gaps([p.get(key) for p in trend])
        if all(math.isnan(v) for v in values):
            label += " (no data)"
        (line,) = bottom.plot(xs, values, marker="o", color=colour, label=label)
        lines.append(line)
    bottom.set_zorder(counts.get_zorder() + 1)
    bottom.patch.set_visible(False)
    bottom.set_ylim(0, 105)
    bottom.yaxis.set_major_formatter(PercentFormatter(100))
    bottom.set_ylabel("percent")
    bottom.grid(axis="y", alpha=0.3)
    bottom.set_xticks(xs, labels, rotation=45 if narrow else 0, ha="right" if narrow else "center")
    if narrow:
        bottom.legend(handles=[*lines, bars], loc="upper left", bbox_to_anchor=(-0.25, -0.22),
                      fontsize=9, frameon=False)  # fmt: skip
    else:
        bottom.legend(handles=[*lines, bars], loc="upper left", fontsize=7, framealpha=0.9)
    fig.text(
        0.01, 0.005, "Gaps: no data, or withheld (fewer than K people).", fontsize=7,
        color="#555",
    )  # fmt: skip
    fig.tight_layout(rect=(0, 0.02, 1, 1))
    return fig


def _e(value: Any) -> str:
    return html.escape(str(value))


def _share(signals: dict[str, Any], key: str) -> str:
    return words.percent(signals.get(key), withheld=key in (signals.get("hidden") or []))


def _count(signals: dict[str, Any], key: str) -> str:
    if key in (signals.get("hidden") or []):
        return "withheld"
    value = signals.get(key)
    return "–" if value is None else f"{value:g}" if isinstance(value, float) else str(value)


_NEEDS = re.compile(r"\(needs (.+)\)$")


def _evidence_groups(report: StageReport) -> str:
    """One group per stage, with what the stage means; a figure read at a lower stage is not
    repeated above it, only the higher threshold is shown."""
    seen: set[str] = set()
    parts = []
    for stage, name in words.STAGE_NAMES.items():
        lines = [e for e in report.evidence if e["stage"] == stage and not e.get("cap")]
        if not lines:
            continue
        held = all(e["met"] for e in lines)
        status = "holds" if held and stage <= report.stage else "not yet"
        rows = []
        for line in lines:
            label, _, rest = line["text"].partition(": ")
            shown = line["text"]
            need = _NEEDS.search(rest)
            if label in seen and need:
                shown = f"{label}: needs {need.group(1)}"
            seen.add(label)
            mark = {True: "✓ met", False: "✗ not yet", None: "· withheld"}[line["met"]]
            css = {True: "met", False: "missed", None: "note"}[line["met"]]
            rows.append(f"<li class='{css}'><span class='mark'>{mark}</span> {_e(shown)}</li>")
        parts.append(
            f"<section class='stage-group'><h3>Stage {stage}: {_e(name)} "
            f"<small>({status})</small></h3><p class='meaning'>{_e(words.STAGE_MEANING[stage])}</p>"
            f"<ul>{''.join(rows)}</ul></section>"
        )
    notes = [e for e in report.evidence if e["stage"] is None or e.get("cap")]
    if notes:
        items = "".join(f"<li>{_e(e['text'])}</li>" for e in notes)
        parts.append(f"<section class='stage-group'><h3>Limits and notes</h3><ul>{items}</ul>"
                     "</section>")  # fmt: skip
    return "\n".join(parts)


QUARTER_COLUMNS = (
    ("answered", "Answered", "count"),
    ("response_rate", "Response rate", "share"),
    ("breadth", "With an example", "share"),
    ("sanctioned_share", "Sanctioned share", "share"),
    ("covert", "Disclosed covert use", "count"),
    ("production", "Production use cases", "count"),
    ("repeatable_kinds", "Repeatable kinds of work", "count"),
)


def _quarter_table(report: StageReport) -> str:
    head = "".join(f"<th>{_e(label)}</th>" for _, label, _ in QUARTER_COLUMNS)
    rows = []
    for point in reversed(report.trend):
        cells = []
        for key, _, kind in QUARTER_COLUMNS:
            value = point.get(key)
            if value is None:
                cells.append("<td class='na'>–</td>")
            else:
                cells.append(f"<td>{_e(words.percent(value) if kind == 'share' else value)}</td>")
        rows.append(
            f"<tr><th scope='row'>{_e(quarter_label(point['quarter']))}</th>"
            f"<td>{point['stage']}</td>{''.join(cells)}</tr>"
        )
    return (
        "<div class='scroll'><table><thead><tr><th>Quarter</th><th>Stage</th>"
        f"{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
        "<p class='small'>– no data, or withheld because fewer than K people stand behind it.</p>"
    )


def _team_table(teams: list[Signals], k: int) -> str:
    if not teams:
        return (f"<p>No team has at least {k} people yet, so no team is shown "
                "(the minimum group size).</p>")  # fmt: skip
    rows = []
    for team in teams:
        s = team.to_dict()
        themes = sorted((s.get("themes") or {}).items(), key=lambda kv: (-kv[1], kv[0]))[:2]
        named = ", ".join(WORK_KINDS.get(k_, k_) for k_, _ in themes) or "–"
        rows.append(
            f"<tr><th scope='row'>{_e(team.scope)}</th><td>{team.people}</td>"
            f"<td>{_count(s, 'answered')}</td><td>{_share(s, 'response_rate')}</td>"
            f"<td>{_share(s, 'breadth')}</td><td>{_share(s, 'sanctioned_share')}</td>"
            f"<td>{_count(s, 'production')}</td><td>{_e(named)}</td></tr>"
        )
    return (
        "<div class='scroll'><table><thead><tr><th>Team</th><th>People</th><th>Answered</th>"
        "<th>Response rate</th><th>With an example</th><th>Sanctioned share</th>"
        "<th>Production use cases</th><th>Main kinds of work</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></div>"
        f"<p class='small'>Only teams of at least {k} people are listed; a figure behind fewer "
        f"than {k} people reads “withheld”.</p>"
    )


def _gates(report: StageReport) -> str:
    s = report.signals
    gates = sorted(((n, g) for g, n in (s.get("gates") or {}).items() if n), reverse=True)
    items = [f"<li>{_e(GATES[g])}: named {n} times</li>" for n, g in gates[:5]]
    demand = [
        f"<li>{_e(d['tool'])}: asked for in {d['count']} disclosures</li>"
        for d in (s.get("demand") or [])[:5]
    ]
    out = ""
    if items:
        out += ("<h3>What people say stops them</h3><p class='small'>From answers and anonymous "
                f"disclosures this quarter.</p><ul>{''.join(items)}</ul>")  # fmt: skip
    if demand:
        out += ("<h3>Tools people want that are not approved</h3><p class='small'>Named in "
                "disclosures of covert use; approving them moves use into the open.</p>"
                f"<ul>{''.join(demand)}</ul>")  # fmt: skip
    return out


def _glossary() -> str:
    items = "".join(
        f"<dt>{_e(t[:1].upper() + t[1:])}</dt><dd>{_e(d)}</dd>" for t, d in words.GLOSSARY.items()
    )
    return f"<dl class='glossary'>{items}</dl>"


STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;line-height:1.45;
color:#1d1d1f;max-width:60rem;margin:0 auto;padding:1rem}
h1{font-size:1.6rem;margin:.2em 0}h2{font-size:1.2rem;margin-top:1.6em;border-bottom:1px solid
#ddd;padding-bottom:.2em}h3{font-size:1rem;margin:1em 0 .3em}small,.small{color:#555;
font-size:.85rem}.meta{color:#555}.meaning{margin:.2em 0 .4em;color:#333}
.brief{background:#f4f2ff;border-left:4px solid #4a3aff;padding:.6em 1em;border-radius:4px}
.brief p{margin:.4em 0}.footnote{font-size:.85rem;color:#555}code{background:#eee;
padding:0 .25em;border-radius:3px;word-break:break-word}
img{max-width:100%;height:auto;border:1px solid #eee}
.scroll{overflow-x:auto}table{border-collapse:collapse;font-size:.9rem}
th,td{padding:.3em .6em;border-bottom:1px solid #ddd;text-align:right;white-space:nowrap}
th:first-child,td:first-child{text-align:left}thead th{white-space:normal;vertical-align:bottom;
text-align:right;min-width:4.5em}thead th:first-child{text-align:left}td.na{color:#999}
ul{padding-left:1.2em}li{margin:.15em 0}.met .mark{color:#176117}.missed .mark{color:#9b1c1c}
.note .mark{color:#555}.mark{font-weight:600;white-space:nowrap}
.stage-group{margin-bottom:.8em}.glossary dt{font-weight:600;margin-top:.5em}
.glossary dd{margin:0 0 0 1em}
@media (min-width:48rem){.glossary{columns:2;column-gap:2rem}.glossary dt{break-after:avoid}
.glossary dd{break-before:avoid}}
@media (max-width:40rem){body{padding:.6rem}h1{font-size:1.3rem}table{font-size:.8rem}}
"""


def html_report(
    report: StageReport, png: bytes, *, teams: list[Signals] | None = None,
    generated: datetime | None = None, min_group_size: int = 5, phone_png: bytes | None = None,
) -> str:  # fmt: skip
    """One file, no external assets: the chart is embedded as base64 (with `phone_png`, the
    narrow drawing too, which a phone shows instead: the wide one shrunk to its width would
    have words a few pixels high)."""
    image = base64.b64encode(png).decode("ascii")
    phone = (
        "<source media='(max-width: 40rem)' srcset='data:image/png;base64,"
        f"{base64.b64encode(phone_png).decode('ascii')}'>"
        if phone_png
        else ""
    )
    c = report.constraint
    when = (generated or datetime.now().astimezone()).strftime("%Y-%m-%d %H:%M %Z").strip()
    quarter = quarter_label(report.quarter)
    confidence = words.CONFIDENCE.get(report.confidence, "")
    if c.get("criterion"):
        gate = c.get("gate") or {}
        gate_line = (
            f"<p>People name <b>{_e(gate['label'])}</b> most often as what stops them "
            f"({gate['reports']} times).</p>"
            if gate.get("reports")
            else ""
        )
        step = c.get("next_step_plain") or words.plain_step(report.next_step)
        check = words.check_text(c.get("criterion_key"), "")
        held = f"{_e(check)} <small>({_e(c['criterion'])})</small>" if check else _e(c["criterion"])
        if c.get("criterion_key") and c["criterion"].startswith(("No AI policy", "Covert use")):
            held = _e(c["criterion"])  # a cap says it better than the check behind it
        brief = (
            f"<p><b>What holds us at stage {report.stage}:</b> {held}</p>"
            f"{gate_line}<p><b>Next step:</b> {_e(step)}</p>"
        )
        hint = c.get("next_step_hint")
        footnote = (
            f"<p class='footnote'>For admins: once it is done, record it with "
            f"<code>{_e(hint)}</code> so the stage can count it.</p>"
            if hint
            else "<p class='footnote'>Recorded since that quarter.</p>"
            if c.get("done_since")
            else ""
        )
    else:
        brief = "<p>Every criterion of the top stage holds. <b>Next step:</b> keep going.</p>"
        footnote = ""
    diag = report.diagnostic
    answers = "".join(f"<li>{_e(a)}</li>" for a in diag.get("answers", []))
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>AI maturity, {_e(quarter)}: stage {report.stage}</title><style>{STYLE}</style></head>
<body>
<p class="meta">AI maturity report · {_e(quarter)} · generated {_e(when)}</p>
<h1>{_e(words.stage_title(report.stage))}</h1>
<p>{_e(words.STAGE_MEANING[report.stage])}</p>
<p class="meta">Confidence: <b>{_e(report.confidence)}</b> ({_e(confidence)}).</p>
<div class="brief">{brief}</div>
{footnote}
<h2>Stage and key signals over time</h2>
<picture>{phone}<img alt="Chart: the stage per quarter with what changed it, and response rate,
answers with an example, sanctioned share and disclosed covert use in percent, with production
use cases as bars" src="data:image/png;base64,{image}"></picture>
<h2>Quarter by quarter</h2>
{_quarter_table(report)}
<h2>Why this stage: the evidence</h2>
{_evidence_groups(report)}
{_gates(report)}
<h2>Teams ({_e(quarter)})</h2>
{_team_table(teams or [], min_group_size)}
<h2>{_e(diag.get("question", ""))}</h2>
<p>{_e(diag.get("summary", ""))}</p><ul>{answers}</ul>
<h2>Words used here</h2>
{_glossary()}
<p class="small">Figures behind fewer than {min_group_size} people are withheld. Generated
{_e(when)} by ai-leverage-bot.</p>
</body></html>
"""


def _replace_atomically(path: Path, data: bytes) -> None:
    """Write beside the target, then rename: a reader never sees half a file."""
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.chmod(temp, 0o644)  # mkstemp's 0600 would hide the report from its readers
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


async def write_report(services: Any, out_dir: str | Path) -> tuple[Path, Path]:
    """Write `ai-stage.png` and `ai-stage.html` into `out_dir`; returns both paths."""
    report = await assess(services)
    teams = await team_signals(services, report.quarter)
    png = chart_png(report)
    page = html_report(
        report, png, teams=teams, generated=datetime.now().astimezone(),
        min_group_size=services.min_group_size, phone_png=chart_png(report, narrow=True),
    )  # fmt: skip
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    png_path, html_path = folder / "ai-stage.png", folder / "ai-stage.html"
    _replace_atomically(png_path, png)
    _replace_atomically(html_path, page.encode("utf-8"))
    return png_path, html_path


def _clean(value: Any) -> Any:
    """Ratios computed in floating point print as 233.9, not 233.9000000000001."""
    return round(value, 6) if isinstance(value, float) else value


def _row(s: Any, stage: int | None) -> dict[str, Any]:
    data = s.to_dict()
    row = {"quarter": s.quarter, "stage": stage}
    for key, value in data.items():
        if isinstance(value, int | float | type(None)) and key not in ("team_id",):
            row[key] = _clean(value)
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
        return json.dumps({"quarters": rows, **await registry_export(services)}, indent=2) + "\n"
    return write_csv(list(rows[0]) if rows else ["quarter", "stage"], rows)
