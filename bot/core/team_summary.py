"""A manager's view of their team(s) for one quarter: aggregates only, thresholds on every slice.

Managers see response rates, themes, how much use is sanctioned, and which gates their people
hit, so that they can remove obstacles. They never see who did not answer; they see a person's
example by name only when that person consented to share it. A team smaller than K people is
withheld entirely, because any figure about it could single someone out.

A team's figures are published in releases (`team_views`): a manager reading the view before
and after one known person answers would otherwise learn that answer from the difference. The
stored, already-suppressed release is served until at least K of the team's answers are new,
edited or gone since, or the quarter's campaign has closed; then the view is computed again and
stored as the next release. Examples shared by name with consent are shown as they come: their
authors chose to be seen.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime
from typing import Any

from bot.core.signals import Signals, team_signals
from bot.core.vocabulary import GATES, WORK_KINDS
from storage.models import TeamRelease
from storage.queries import org as org_q
from storage.queries import releases as releases_q
from storage.queries import signals as signals_q

ADMIN_TEAMS = 40


@dataclass
class TeamSlice:
    team_id: int
    name: str
    size: int
    signals: Signals | None = None
    examples: list[dict[str, Any]] = field(default_factory=list)
    withheld: str | None = None


@dataclass
class TeamSummary:
    manager_person_id: int
    quarter: str
    manager_name: str | None = None
    teams: list[TeamSlice] = field(default_factory=list)
    note: str | None = None
    min_group_size: int = 5

    @property
    def text(self) -> str:
        """Plain-text rendering (notifications, CLI); Block Kit lives in handlers/blocks."""
        return "\n\n".join([self.heading, *(team_lines(t) for t in self.teams)])

    @property
    def heading(self) -> str:
        head = f"Team summary for {self.quarter}"
        return f"{head}\n{self.note}" if self.note else head


async def _directory(
    services: Any, manager_person_id: int, all_teams: bool
) -> tuple[Any, list[int], dict[int, tuple[str, int]]]:
    async with services.db.session() as session:
        manager = await org_q.person_by_id(session, manager_person_id)
        if manager is None:
            return None, [], {}
        sizes = await signals_q.team_sizes(session)
        if all_teams:  # admins: teams large enough to show, as many as one message holds
            k = services.min_group_size
            team_ids = sorted(t for t, n in sizes.items() if n >= k)[:ADMIN_TEAMS]
        else:
            team_ids = await org_q.managed_team_ids(session, manager_person_id)
        names = await signals_q.team_names(session, team_ids) if team_ids else {}
    return manager, team_ids, {t: (names.get(t, str(t)), sizes.get(t, 0)) for t in team_ids}


async def _examples(services: Any, quarter: str, team_id: int) -> list[dict[str, Any]]:
    async with services.db.session() as session:
        return await signals_q.consented_examples(session, quarter, team_id)


async def viewer(services: Any, chat_user_id: str) -> tuple[int | None, bool]:
    """Who is asking: their directory id (None when not in it) and whether they manage anyone."""
    async with services.db.session() as session:
        person = await org_q.person_by_slack_id(session, chat_user_id)
        if person is None or person.id is None:
            return None, False
        return person.id, bool(await org_q.managed_team_ids(session, person.id))


async def latest_quarter(services: Any) -> str:
    """The newest quarter with a campaign, answer or disclosure; else the calendar quarter."""
    async with services.db.session() as session:
        known = await signals_q.quarters(session)
    if known:
        return known[-1]
    now = services.clock()
    return f"{now.year}Q{(now.month - 1) // 3 + 1}"


async def build_team_summary(
    services: Any, manager_person_id: int, quarter: str, *, all_teams: bool = False
) -> TeamSummary:
    """The manager's team(s); `all_teams` is the admin view of every team in the directory."""
    k = services.min_group_size
    summary = TeamSummary(manager_person_id, quarter, min_group_size=k)
    manager, team_ids, teams = await _directory(services, manager_person_id, all_teams)
    if manager is None:
        summary.note = "This person is not in the directory, so there is no team to summarise."
        return summary
    summary.manager_name = manager.name
    if not team_ids:
        summary.note = "Nobody in the directory reports to you, so there is no team to summarise."
        return summary
    await _fill(services, summary, team_ids, teams)
    return summary


async def team_views(
    services: Any, quarter: str, team_ids: list[int] | None = None
) -> list[Signals]:
    """Per-team figures as released (see the module docstring), for teams of at least K
    people: `team_signals` for whoever reads a team, a batch at a time."""
    k = services.min_group_size
    async with services.db.session() as session:
        sizes = await signals_q.team_sizes(session)
        wanted = sorted(
            t for t in (sizes if team_ids is None else team_ids) if sizes.get(t, 0) >= k
        )
        stored = await releases_q.releases(session, quarter, wanted)
        changes = await releases_q.answer_changes(session, quarter, wanted)
        closed = await releases_q.campaign_closed(session, quarter)
    due = [t for t in wanted if _release_due(stored.get(t), changes.get(t), closed, k)]
    live = [t for t in wanted if t in due or t not in stored]
    computed = {s.team_id: s for s in await team_signals(services, quarter, live)} if live else {}
    released = [computed[t] for t in due if t in computed]
    if released:
        async with services.db.session() as session:
            for s in released:
                answers, _, _, newest = changes.get(int(s.team_id or 0), (0, 0, 0, None))
                release = _release(quarter, s, k, answers, newest, closed)
                await releases_q.save_release(session, release, postgres=services.db.is_postgres)
    views = {t: _stored_signals(r) for t, r in stored.items() if t not in computed}
    return [views.get(t) or computed[t] for t in wanted if t in views or t in computed]


def _release_due(
    release: TeamRelease | None,
    change: tuple[int, int, int, datetime | None] | None,
    closed: bool,
    k: int,
) -> bool:
    """Release again when K answers changed since (new, edited, or gone), or at the close.
    A team never released is served live until its first K answers: below K answers every
    figure of a team is withheld anyway, whichever of 0 to K-1 it has."""
    answers, newer, kept, _ = change or (0, 0, 0, None)
    if release is None:
        return answers >= k or closed
    if release.k != k:
        return True
    gone = max(0, release.answers - kept)  # erased since (`/ai-leverage forget`)
    return newer + gone >= k or (closed and not release.final)


def _release(
    quarter: str, s: Signals, k: int, answers: int, newest: datetime | None, closed: bool
) -> TeamRelease:
    return TeamRelease(
        quarter=quarter, team_id=int(s.team_id or 0), k=k, answers=answers, as_of=newest,
        final=closed, figures=json.dumps(asdict(s), sort_keys=True),
    )  # fmt: skip


def _stored_signals(release: TeamRelease) -> Signals:
    known = {f.name for f in fields(Signals)}  # a release stored before a field was dropped
    return Signals(**{k: v for k, v in json.loads(release.figures).items() if k in known})


async def _fill(
    services: Any, summary: TeamSummary, team_ids: list[int], teams: dict[int, tuple[str, int]]
) -> None:
    k, quarter = summary.min_group_size, summary.quarter
    big = [t for t in team_ids if teams[t][1] >= k]
    by_team = {s.team_id: s for s in await team_views(services, quarter, big)} if big else {}
    for team_id in team_ids:
        name, size = teams[team_id]
        piece = TeamSlice(team_id, name, size)
        if size < k:
            piece.withheld = (
                f"{name} has {size} people, fewer than {k}: its figures are withheld so that "
                "nobody can be singled out."
            )
        else:
            piece.signals = by_team.get(team_id)
            piece.examples = await _examples(services, quarter, team_id)
        summary.teams.append(piece)


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0%}"


def _figure(s: Signals, name: str, pct: bool = False) -> str:
    """A count or share, or 'withheld' when fewer than K people stand behind it."""
    if name in s.hidden:
        return "withheld"
    value = getattr(s, name)
    return _pct(value) if pct else str(value)


def _cells(cells: dict[str, int], pool: int, label: Any, pool_label: str) -> str:
    top = sorted(((k, n) for k, n in cells.items() if n), key=lambda kv: (-kv[1], kv[0]))[:5]
    shown = [f"{label(k)} {n}" for k, n in top]
    if pool:
        shown.append(f"{pool_label} ({pool})")
    return ", ".join(shown)


def participation(s: Signals) -> str:
    """Reads "5 of 6 (83%)", or "fewer than 5 of 6" for 0 to K-1 answers alike: a count below K next
    to an example shared by name would say who answered and who did not."""
    base = s.prompted or s.people
    if "answered" in s.protective:  # withheld so that another team's count stays hidden
        return f"withheld (of {base})"
    if "answered" in s.hidden:
        return f"fewer than {s.min_group} of {base}"
    return f"{s.answered} of {base} ({_pct(s.response_rate)})"


def signal_lines(s: Signals) -> list[str]:
    """The readable figures for one team slice, as the disclosure-control table publishes them
    (`team_signals`). They come from answers alone: disclosures count org-wide only."""
    lines = [f"Response rate: {participation(s)}"]
    themes = _cells(
        s.themes, s.other.get("themes", 0), lambda k: WORK_KINDS.get(k, k), "smaller themes"
    )
    if themes:
        lines.append("Themes: " + themes)
    if s.with_example or "with_example" in s.hidden:
        lines.append(
            f"Sanctioned share: {_figure(s, 'sanctioned_share', True)} (approved "
            f"{_figure(s, 'approved')}, not approved {_figure(s, 'not_approved')}, approval "
            f"unknown {_figure(s, 'approval_unknown')})"
        )
    gates = _cells(s.gates, s.other.get("gates", 0), lambda g: GATES[g], "other gates")
    if gates:
        lines.append("Gates most reported: " + gates)
    lines += [f"({note})" for note in s.withheld]
    return lines


def team_lines(piece: TeamSlice) -> str:
    head = f"{piece.name} ({piece.size} people)"
    if piece.withheld:
        return f"{head}\n{piece.withheld}"
    body = signal_lines(piece.signals) if piece.signals else ["No data for this quarter."]
    for ex in piece.examples:
        kind = WORK_KINDS.get(ex["work_kind"] or "", "Other")
        body.append(f"Shared with consent by {ex['name']} ({kind}): {ex['example'][:280]}")
    return "\n".join([head, *body])
