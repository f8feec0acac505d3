"""The stage as an Adaptive Card (the same plain words as Slack's `/ai-stage`), and the chart
as an image attachment."""

from __future__ import annotations

import asyncio
import base64
from typing import Any

from bot.core.quarters import quarter_label
from bot.core.reports import chart_png
from bot.core.services import Services
from bot.core.stage import StageReport, assess
from bot.core.stage_text import STAGE_MEANING, STAGES, check_text, plain_step, stage_title
from handlers.blocks.stage import TRAINING, next_checks
from handlers.teams.cards import Card, Element, card, execute, literal, text

MARK = {True: "✅", False: "❌", None: "❔"}
CHART = "leverage.stage.chart"


def _check(line: dict[str, Any]) -> str:
    head, _, detail = str(line["text"]).rpartition(": ")
    words = check_text(line.get("key"), head or line["text"])
    figure = "" if not head or detail in ("yes", "no") else f" · {detail}"
    return f"{MARK[False if line.get('cap') else line['met']]} {words}{figure}"


def _progress(report: StageReport) -> list[Element]:
    if report.stage >= STAGES:
        return [text(f"Every check of stage {STAGES} holds.", weight="Bolder")]
    checks = next_checks(report)
    met = sum(1 for e in checks if e["met"] is True)
    lines = [text(f"Towards stage {report.stage + 1}: {met} of {len(checks)} checks met",
                  weight="Bolder")]  # fmt: skip
    return lines + [{**literal(_check(e)), "spacing": "Small"} for e in checks]


def _constraint(report: StageReport) -> list[Element]:
    criterion = report.constraint.get("criterion")
    if not criterion:
        return [text("**What holds it back:** nothing: every check of the last stage holds.")]
    line = next((e for e in report.evidence if e["text"] == criterion), None)
    held = _check(line).split(" ", 1)[1] if line else str(criterion)
    out = [text("What holds it back:", weight="Bolder"), literal(held),
           text("Next step:", weight="Bolder"), literal(plain_step(report.next_step))]  # fmt: skip
    gate = report.constraint.get("gate")
    if gate and gate.get("reports"):
        out.append(literal(f"Obstacle people report most: {gate['label']} ({gate['reports']})"))
    return out


def stage_card(report: StageReport) -> Card:
    s = report.signals
    base = s["prompted"] or s["people"]
    rate = "n/a" if s["response_rate"] is None else f"{s['response_rate']:.0%}"
    participation = (f"{quarter_label(report.quarter)} · confidence {report.confidence} · "
                     f"{s['answered']} of {base} answered ({rate})")  # fmt: skip
    body: list[Element] = [
        text(stage_title(report.stage), weight="Bolder", size="Large"),
        text(STAGE_MEANING[report.stage]),
        text(participation, isSubtle=True, size="Small"),
        {"type": "Container", "separator": True, "items": _progress(report)},
        {"type": "Container", "separator": True, "items": _constraint(report)},
        text(TRAINING, isSubtle=True, size="Small"),
    ]
    return card(body, [execute("Show the chart", CHART, {"quarter": report.quarter})])


async def current_stage_card(services: Services) -> Card:
    return stage_card(await assess(services))


async def chart_attachment(services: Services) -> dict[str, Any]:
    """The chart of the stage over quarters, inline (Teams shows base64 images in chats)."""
    report = await assess(services)
    png = await asyncio.to_thread(chart_png, report)
    return {
        "contentType": "image/png",
        "contentUrl": "data:image/png;base64," + base64.b64encode(png).decode(),
        "name": f"ai-stage-{report.quarter}.png",
    }
