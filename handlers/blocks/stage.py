"""Block Kit for `/ai-stage`: the stage in plain words on one screen, the evidence behind a button.

The first screen answers what a person asks: which stage, what it means, how far to the next
one (unmet checks first), what holds it back and what to change. Every figure, the full
evidence list, the trend and the diagnostic live in the evidence modal (and App Home). Admins
also see the command that records a change; employees never need it.
"""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.core.facts import KNOWN_FACTS
from bot.core.quarters import quarter_label
from bot.core.stage import StageReport
from bot.core.stage_text import (
    STAGE_MEANING,
    STAGES,
    check_text,
    plain_step,
    record_command,
    stage_title,
)
from bot.core.vocabulary import GATES, WORK_KINDS
from bot.slack.mrkdwn import escape, user_text
from handlers import ids

LIMIT = 2900
MARK = {True: ":white_check_mark:", False: ":x:", None: ":grey_question:"}
WITHHELD = "withheld"
TRAINING = "Training moves knowledge, not what the organisation can do: it never moves the stage."


def section(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=text[:LIMIT]))


def _context(text: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=text[:LIMIT])])


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0%}"


def _n(s: dict[str, Any], key: str, pct: bool = False) -> str:
    """A figure, or 'withheld' when it rests on fewer than K answers or disclosures."""
    if key in (s.get("hidden") or []):
        return WITHHELD
    return _pct(s[key]) if pct else str(s[key])


def _detail(line: dict[str, Any]) -> str:
    """The figure part of an evidence line ("3 (needs ≥ 5)"); nothing for a yes/no fact."""
    head, _, tail = str(line["text"]).rpartition(": ")
    return "" if not head or tail in ("yes", "no") else tail


def check_line(line: dict[str, Any]) -> str:
    """One check in plain words, with its figure when it has one."""
    if line.get("cap"):
        return f"{MARK[False]} {escape(line['text'])}"
    detail = _detail(line)
    text = check_text(line.get("key"), line["text"].rpartition(": ")[0] or line["text"])
    return f"{MARK[line['met']]} {escape(text)}" + (f" · {escape(detail)}" if detail else "")


def _blocks_next(line: dict[str, Any], stage: int) -> bool:
    """Does this evidence line stand between `stage` and the next one?"""
    level = line.get("stage")
    if not isinstance(level, int):
        return False
    if line.get("cap"):
        return level <= stage
    return level == stage + 1 or (level <= stage and line["met"] is not True)


def next_checks(report: StageReport) -> list[dict[str, Any]]:
    """The checks between this stage and the next, unmet first (caps that hold it count)."""
    checks = [e for e in report.evidence if _blocks_next(e, report.stage)]
    order = {False: 0, None: 1, True: 2}
    return sorted(checks, key=lambda e: order[e["met"]])


def progress(report: StageReport) -> str:
    """'*Towards stage 5: 6 of 7 checks met*', each check not met, then one line for the met
    ones (they are listed in the evidence): the first screen stays one phone screen."""
    if report.stage >= STAGES:
        return f"*Every check of stage {STAGES} holds.*"
    checks = next_checks(report)
    met = sum(1 for e in checks if e["met"] is True)
    lines = [f"*Towards stage {report.stage + 1}: {met} of {len(checks)} checks met*"]
    warnings = [e for e in report.evidence if e.get("stage") is None and e["met"] is False]
    lines += [f":warning: {escape(e['text'])}" for e in warnings]
    lines += [check_line(e) for e in checks if e["met"] is not True]
    if met:
        lines.append(f"{MARK[True]} {'The other' if met < len(checks) else 'All'} {met} are met "
                     "(see All evidence and trend)")  # fmt: skip
    return "\n".join(lines)


def constraint_text(report: StageReport) -> str:
    c = report.constraint
    if not c.get("criterion"):
        return "*What holds it back:* nothing: every check of the last stage holds."
    line = next((e for e in report.evidence if e["text"] == c["criterion"]), None)
    held = check_line(line).split(" ", 1)[1] if line else escape(c["criterion"])
    lines = [f"*What holds it back:* {held}"]
    gate = c.get("gate")
    if gate and gate.get("reports"):  # the why, before the step that removes it
        lines.append(f"*Obstacle people report most:* {gate['label']} ({gate['reports']})")
    lines.append(f"*Next step:* {escape(plain_step(report.next_step))}")
    return "\n".join(lines)


def stage_text(report: StageReport) -> str:
    """The notification / fallback text: the same summary as the blocks, in full sentences."""
    head = f"{stage_title(report.stage)} ({quarter_label(report.quarter)}, confidence " \
        f"{report.confidence}). {STAGE_MEANING[report.stage]}"  # fmt: skip
    criterion = report.constraint.get("criterion")
    if not criterion:
        return head
    return f"{head} Holding it back: {criterion}. Next step: {plain_step(report.next_step)}"


def _participation(report: StageReport) -> str:
    s = report.signals
    base = s["prompted"] or s["people"]
    answered = (
        f"answers withheld (of {base})"
        if "answered" in s["protective"]
        else f"fewer than {s['min_group']} of {base} answered"  # 0 and 1..K-1 read the same
        if s["answered"] is None
        else f"{s['answered']} of {base} answered ({_pct(s['response_rate'])})"
    )
    return f"{quarter_label(report.quarter)} · confidence {report.confidence} · {answered}"


def evidence_button(report: StageReport) -> ButtonElement:
    return ButtonElement(
        text="All evidence and trend", action_id=ids.STAGE_EVIDENCE, value=report.quarter
    )


def stage_blocks(report: StageReport, *, admin: bool = False) -> list[Block]:
    """One screen: stage, meaning, progress, what holds it back, next step, a button."""
    blocks: list[Block] = [
        HeaderBlock(text=stage_title(report.stage)[:150]),
        section(STAGE_MEANING[report.stage]),
        _context(_participation(report)),
        section(progress(report)),
        section(constraint_text(report)),
        ActionsBlock(block_id="stage_actions", elements=[evidence_button(report)]),
    ]
    record = record_command(report.next_step)
    if admin and record:
        blocks.append(_context(f"Admins: once it is done, record it with "
                               f"`/ai-stage facts set {record}`"))  # fmt: skip
    return blocks


def _signals(report: StageReport) -> str:
    s = report.signals
    kinds = (
        WITHHELD
        if s["repeatable_kinds"] is None
        else ", ".join(WORK_KINDS.get(k, k) for k in s["repeatable_kinds"]) or "none yet"
    )
    obstacles = sorted(((n, g) for g, n in (s["gates"] or {}).items() if n), reverse=True)[:3]
    lines = [
        "*Figures*",
        f"With an example {_n(s, 'breadth', True)} · sanctioned share "
        f"{_n(s, 'sanctioned_share', True)} (approved {_n(s, 'approved')}, not approved "
        f"{_n(s, 'not_approved')}, disclosed covert {_n(s, 'covert')})",
        f"Pilots {_n(s, 'pilots')} · production use cases {_n(s, 'production')} · measured "
        f"outcomes {_n(s, 'measured')} · repeatable kinds of work: {kinds}",
    ]
    if obstacles:
        lines.append("Obstacles reported: " + ", ".join(f"{GATES[g]} {n}" for n, g in obstacles))
    demand = [f"{user_text(str(d['tool']))} ({d['count']})" for d in (s.get("demand") or [])[:5]]
    if demand:
        lines.append("Asked for outside the approved catalog: " + ", ".join(demand))
    lines += [f"_({escape(note)})_" for note in s.get("withheld") or []]
    return "\n".join(lines)


def trend_text(report: StageReport) -> str:
    points = " → ".join(f"{quarter_label(p['quarter'])}: {p['stage']}" for p in report.trend)
    return f"*Stage by quarter:* {points}" if points else "*Stage by quarter:* no quarters yet"


def _evidence_by_stage(report: StageReport) -> list[str]:
    notes = [e for e in report.evidence if not isinstance(e.get("stage"), int)]
    sections = []
    for stage in range(1, STAGES + 1):
        lines = [check_line(e) for e in report.evidence if e.get("stage") == stage]
        if lines:
            sections.append(f"*Stage {stage}*\n" + "\n".join(lines))
    if notes:
        sections.append("*Notes*\n" + "\n".join(f"{MARK[e['met']]} {escape(e['text'])}"
                                                    for e in notes))  # fmt: skip
    return sections


def stage_evidence_blocks(report: StageReport) -> list[Block]:
    """Everything behind the stage: figures, every check by stage, the trend, the diagnostic."""
    diag = report.diagnostic
    blocks: list[Block] = [
        _context(_participation(report)),
        section(_signals(report)),
        DividerBlock(),
        *(section(text) for text in _evidence_by_stage(report)),
        DividerBlock(),
        section(trend_text(report)),
        section(f"*{escape(diag.get('question', ''))}*\n{escape(diag.get('summary', ''))}\n"
                 + "\n".join(f"• {escape(a)}" for a in diag.get("answers", []))),
        _context(f"{TRAINING} `/ai-stage chart` sends a chart; `/ai-stage facts` lists the "
                 "process facts."),
    ]  # fmt: skip
    return blocks


def stage_evidence_view(report: StageReport) -> View:
    return View(
        type="modal",
        callback_id=ids.STAGE_EVIDENCE + "_view",
        title=f"Evidence, {quarter_label(report.quarter)}"[:24],
        close="Close",
        blocks=stage_evidence_blocks(report),
    )


def facts_text(values: dict[str, str], contradictions: list[str]) -> str:
    lines = ["*Organisation process facts*"]
    for key, (_, label) in KNOWN_FACTS.items():
        lines.append(f"• `{key}` = {escape(values.get(key, 'not set'))}: {label}")
    lines += [f":warning: {escape(c)}" for c in contradictions]
    return "\n".join(lines)


def facts_blocks(
    values: dict[str, str], contradictions: list[str], *, admin: bool = False
) -> list[Block]:
    blocks: list[Block] = [section(facts_text(values, contradictions))]
    if admin:
        blocks.append(_context("Admins: `/ai-stage facts set ai_policy=true review_sla_days=14`"))
    return blocks
