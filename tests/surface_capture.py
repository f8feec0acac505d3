"""Captured surfaces for the renderer: what the Slack double received, as JSON on disk.

Every surface test records the payloads it checks with `capture(...)`. They are always written
under the test's tmp_path (so the code path is exercised); set `SLACK_SURFACES_OUT=dir` to keep
them, then `python scripts/render_slack.py dir --out docs/screenshots` draws them.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

RAW_QUARTER = re.compile(r"\b20\d\dQ[1-4]\b")  # people read "Q3 2026", never "2026Q3"


class Capture:
    def __init__(self, name: str, tmp_path: Path, env: str = "SLACK_SURFACES_OUT") -> None:
        """`env` names the variable that keeps the captures (Teams: `TEAMS_CARDS_OUT`)."""
        self.name = name
        self.items: list[dict[str, Any]] = []
        self.targets = [tmp_path / f"{name}.json"]
        if os.environ.get(env):
            self.targets.append(Path(os.environ[env]) / f"{name}.json")

    def add(self, name: str, kind: str, payload: dict[str, Any], title: str = "") -> None:
        """kind: message (payload has text + blocks), modal or home (payload is the view).

        Every captured surface is also checked for what reads badly anywhere: a raw quarter id
        and a label that says "(optional)" where Slack adds it itself."""
        assert readable_problems(payload) == [], (name, readable_problems(payload))
        self.items.append({"name": name, "kind": kind, "title": title or name, "payload": payload})
        for target in self.targets:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(json.dumps(self.items, indent=1), encoding="utf-8")


def message(record: dict[str, Any]) -> dict[str, Any]:
    """A message the double stored (or a response_url body) as the renderer reads it."""
    return {"text": record.get("text") or "", "blocks": record.get("blocks") or []}


def texts(blocks: list[dict[str, Any]]) -> list[str]:
    """Every visible string of a block list (labels, texts, fields, buttons, options)."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") in ("plain_text", "mrkdwn") and isinstance(node.get("text"), str):
                found.append(node["text"])
                return
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(blocks)
    return found


def readable_problems(payload: dict[str, Any]) -> list[str]:
    """What a person would trip over in a surface: raw quarter ids in what they read, and
    "(optional)" in an optional input's label (Slack shows "(optional) (optional)")."""
    shown = [str(payload.get("text") or ""), *texts(payload.get("blocks") or [])]
    shown += texts([payload.get("title"), payload.get("submit"), payload.get("close")])
    problems = [f"raw quarter in {t!r}" for t in shown if RAW_QUARTER.search(t)]
    for block in payload.get("blocks") or []:
        label = (block.get("label") or {}).get("text", "")
        if block.get("type") == "input" and block.get("optional") and "optional" in label.lower():
            problems.append(f"doubled (optional) in {label!r}")
    return problems
