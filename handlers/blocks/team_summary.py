"""Block Kit for a manager's team summary: the close-of-campaign DM, `/ai-leverage team` and the
manager's part of App Home.

At a glance: the key figures as fields (response, sanctioned share, the most reported
obstacle), each with its change since last quarter and the organisation's figure; one
footnote for whatever the minimum group size withholds; themes named by kinds of work; shared
examples one line each; a button to the full view. A director gets one line per team. The
fallback text is a summary in sentences, complete or ending with how many teams it leaves out.
"""

from __future__ import annotations

import json

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.core.quarters import quarter_label
from bot.core.signals import Signals
from bot.core.team_summary import TeamSlice, team_lines
from bot.core.vocabulary import GATES, WORK_KINDS
from bot.slack.mrkdwn import escape, user_text
from handlers import ids
from handlers.team_view import TeamView

MAX_TEAMS = 40  # lines per message; more are counted, not shown
SECTION_LIMIT = 2900
TEXT_LIMIT = 2900
EXAMPLES = 3
EXCERPT = 140
DASH = "—"


def _section(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=text[:SECTION_LIMIT]))


def _hidden(s: Signals | None, name: str) -> bool:
    return s is None or name in s.hidden or getattr(s, name, None) is None


def _pct(s: Signals | None, name: str) -> str:
    return DASH if _hidden(s, name) else f"{getattr(s, name):.0%}"


def _change(now: Signals | None, before: Signals | None, name: str) -> str:
    """'▲ 14 pts' / '▼ 3 pts' / 'no change' since last quarter; '' when either side is hidden."""
    if _hidden(now, name) or _hidden(before, name):
        return ""
    points = round((getattr(now, name) - getattr(before, name)) * 100)
    if points == 0:
        return "no change"
    return f"{'▲' if points > 0 else '▼'} {abs(points)} pts"


def _obstacle(s: Signals | None) -> str:
    """The most reported obstacle. An obstacle is shown from K reports, and 0 and 1..K-1 read
    the same, so with none shown it is "none by K+" (true of both), never "none reported"."""
    top = s.top_gate if s is not None else None
    if top:
        return f"{GATES[top[0]]} ({top[1]})"
    if s is None or "answered" in s.hidden:
        return DASH
    return f"none by {s.min_group}+"


def _withholds(piece: TeamSlice) -> bool:
    s = piece.signals
    return piece.withheld is not None or s is None or bool(s.hidden or s.withheld or s.other)


def _response(s: Signals | None) -> str:
    if s is None:
        return DASH
    return f"{s.answered} of {s.prompted or s.people} ({_pct(s, 'response_rate')})"


def _field(label: str, value: str, change: str, org: str) -> MarkdownTextObject:
    since = f"{change} · " if change else ""
    return MarkdownTextObject(text=f"*{label}*\n{value}\n{since}org {org}")


def _fields(view: TeamView, piece: TeamSlice) -> list[MarkdownTextObject]:
    s, before, org = piece.signals, view.previous.get(piece.team_id), view.org
    return [
        _field("Response", _response(s), _change(s, before, "response_rate"),
               _pct(org, "response_rate")),
        _field("Sanctioned share", _pct(s, "sanctioned_share"),
               _change(s, before, "sanctioned_share"), _pct(org, "sanctioned_share")),
        _field("Most reported obstacle", _obstacle(s), "", _obstacle(org).split(" (")[0]),
        MarkdownTextObject(text=f"*Kinds of work*\n{_themes(s)}"),
    ]  # fmt: skip


def _themes(s: Signals | None) -> str:
    """Themes by kind of work; small kinds pooled are 'smaller kinds together', never 'other'."""
    if s is None:
        return DASH
    top = sorted(((n, k) for k, n in s.themes.items() if n), reverse=True)[:4]
    shown = [f"{WORK_KINDS.get(k, k)} {n}" for n, k in top]
    if s.other.get("themes"):
        shown.append(f"smaller kinds together {s.other['themes']}")
    return ", ".join(shown) or DASH


def _excerpt(text: str) -> str:
    flat = " ".join(text.split())
    if len(flat) <= EXCERPT:
        return flat
    return flat[:EXCERPT].rsplit(" ", 1)[0] + "…"


def _examples(pieces: list[TeamSlice]) -> str:
    lines = []
    for piece in pieces:
        for ex in piece.examples:
            kind = WORK_KINDS.get(ex["work_kind"] or "", "Other")
            words, name = user_text(_excerpt(ex["example"])), user_text(ex["name"])
            lines.append(f"“{words}” {DASH} {name}, {kind}")
    if not lines:
        return ""
    more = f"\n…and {len(lines) - EXAMPLES} more in the full view" if len(lines) > EXAMPLES else ""
    return "*Shared with their names*\n" + "\n".join(lines[:EXAMPLES]) + more


LEGEND = "_Team (people): response · sanctioned share · most reported obstacle_"


def _figures(s: Signals | None, change: str = "") -> str:
    """The three key figures in the legend's order: two short lines at most on a phone."""
    response = _pct(s, "response_rate") + (f" ({change})" if change else "")
    return f"{response} · {_pct(s, 'sanctioned_share')} · {_obstacle(s).split(' (')[0]}"


def _team_line(view: TeamView, piece: TeamSlice) -> str:
    """A director's line for one team: the same three figures, compact, under one legend."""
    head = f"*{user_text(piece.name)}* ({piece.size})"
    if piece.withheld:
        return f"{head}: {DASH}"
    s, before = piece.signals, view.previous.get(piece.team_id)
    return f"{head}: {_figures(s, _change(s, before, 'response_rate'))}"


def _org_line(view: TeamView) -> str:
    return f"*Organisation*: {_figures(view.org)}"


def _footnote(view: TeamView, shown: str) -> str:
    """One footnote for everything the minimum group size withholds in what is shown."""
    k = view.summary.min_group_size
    names = "Names appear only on examples their authors chose to share."
    if DASH in shown.replace(f"” {DASH} ", ""):
        return f"{DASH} withheld: fewer than {k} people (or {k} disclosures) behind it. {names}"
    if any(_withholds(p) for p in view.summary.teams):
        return f"Groups under {k} people are left out of the figures. {names}"
    return f"{names} Nobody who did not answer is ever named."


def full_view_button(quarter: str) -> ButtonElement:
    return ButtonElement(
        text="Open the full team view", action_id=ids.OPEN_TEAM_SUMMARY, value=quarter
    )


def team_summary_blocks(view: TeamView) -> list[Block]:
    summary = view.summary
    teams = summary.teams
    title = "All teams" if view.all_teams else "Your team" if len(teams) == 1 else "Your teams"
    blocks: list[Block] = [HeaderBlock(text=f"{title}, {quarter_label(summary.quarter)}"[:150])]
    if summary.note or not teams:
        blocks.append(_section(summary.note or "No team to summarise."))
        return blocks
    if len(teams) == 1 and not teams[0].withheld:
        blocks.append(SectionBlock(fields=_fields(view, teams[0])))
    else:
        lines = [LEGEND, *(_team_line(view, p) for p in teams[:MAX_TEAMS])]
        if len(teams) > MAX_TEAMS:
            lines.append(f"…and {len(teams) - MAX_TEAMS} more teams in the full view.")
        lines.append(_org_line(view))
        blocks += _line_sections(lines)
    examples = _examples(teams)
    if examples:
        blocks.append(_section(examples))
    blocks.append(ActionsBlock(block_id="team_summary_actions",
                               elements=[full_view_button(summary.quarter)]))  # fmt: skip
    shown = json.dumps([b.to_dict() for b in blocks], ensure_ascii=False)
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text=_footnote(view, shown))]))
    return blocks


def _line_sections(lines: list[str]) -> list[Block]:
    """Lines packed into as few sections as Slack's 3,000 characters allow."""
    sections: list[Block] = []
    chunk: list[str] = []
    for line in lines:
        if chunk and len("\n".join([*chunk, line])) > SECTION_LIMIT:
            sections.append(_section("\n".join(chunk)))
            chunk = []
        chunk.append(line)
    if chunk:
        sections.append(_section("\n".join(chunk)))
    return sections


def _sentence(view: TeamView, piece: TeamSlice) -> str:
    if piece.withheld:
        return f"{user_text(piece.name)} ({piece.size} people): figures withheld (a small team)."
    s = piece.signals
    parts = [f"{_response(s)} answered"]
    if not _hidden(s, "sanctioned_share"):
        parts.append(f"sanctioned share {_pct(s, 'sanctioned_share')}")
    if s is not None and s.top_gate:
        parts.append(f"most reported obstacle {GATES[s.top_gate[0]]}")
    return f"{user_text(piece.name)} ({piece.size} people): " + ", ".join(parts) + "."


def team_summary_text(view: TeamView) -> str:
    """The notification / fallback text: whole sentences; never a string cut mid-word."""
    summary = view.summary
    head = f"Team summary, {quarter_label(summary.quarter)}."
    if summary.note or not summary.teams:
        return f"{head} {summary.note or 'No team to summarise.'}"
    text = head
    for index, piece in enumerate(summary.teams):
        sentence = _sentence(view, piece)
        rest = len(summary.teams) - index
        if len(text) + len(sentence) + 40 > TEXT_LIMIT:
            return f"{text} …and {rest} more teams in the message."
        text = f"{text} {sentence}"
    return text


def _detail(piece: TeamSlice) -> str:
    """The full view of one team: every figure, with the core's own withheld notes."""
    head, _, body = team_lines(piece).partition("\n")
    body = body.replace("Gates most reported", "Obstacles most reported")
    body = body.replace("Themes: ", "Kinds of work: ").replace("smaller themes", "smaller kinds")
    return f"*{escape(head)}*\n{user_text(body)}"


def full_team_view(view: TeamView) -> View:
    """The modal behind "Open the full team view": each team's figures in full."""
    sections = [_section(_detail(piece)) for piece in view.summary.teams[:MAX_TEAMS]]
    shown = json.dumps([b.to_dict() for b in sections], ensure_ascii=False)
    footer = ContextBlock(elements=[MarkdownTextObject(text=_footnote(view, shown))])
    return View(
        type="modal",
        callback_id=ids.OPEN_TEAM_SUMMARY + "_view",
        title=f"Teams, {quarter_label(view.summary.quarter)}"[:24],
        close="Close",
        blocks=[*sections, footer][:100],
    )
