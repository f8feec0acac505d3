"""The quarterly campaign: open it, remind, close it, and say how it is going.

Everything here only *enqueues* work in the delivery outbox (`bot.core.delivery` sends it).
Each step is idempotent, so a double-fired scheduler job, a second replica or an operator
re-running a command resumes the campaign instead of asking anyone twice.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any

from bot.core import disclosures, quarters
from bot.core.services import Services
from storage.models import Campaign
from storage.queries import campaigns as q
from storage.queries import org as org_queries


class CampaignError(Exception):
    """An operator asked for something that cannot be done (no open campaign, closed quarter)."""


@dataclass
class CampaignStatus:
    campaign_id: str
    status: str
    opens_at: datetime
    closes_at: datetime
    prompted: int = 0
    delivered: int = 0
    pending: int = 0
    failed: int = 0
    failures: dict[str, int] = field(default_factory=dict)
    answered: int = 0
    with_example: int = 0
    reminders_sent: int = 0
    summaries_sent: int = 0

    @property
    def response_rate(self) -> float:
        return min(1.0, self.answered / self.delivered) if self.delivered else 0.0

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["opens_at"] = self.opens_at.isoformat()
        data["closes_at"] = self.closes_at.isoformat()
        data["response_rate"] = round(self.response_rate, 4)
        return data

    def describe(self) -> str:
        """A few plain lines for the CLI and the admin slash command."""
        lines = [
            f"Campaign {self.campaign_id} ({self.status}), "
            f"{self.opens_at:%Y-%m-%d} to {self.closes_at:%Y-%m-%d}",
            f"prompted {self.prompted}, delivered {self.delivered}, pending {self.pending}, "
            f"failed {self.failed}",
            f"answered {self.answered} ({self.with_example} with an example), "
            f"response rate {self.response_rate:.0%}",
            f"reminders sent {self.reminders_sent}, team summaries sent {self.summaries_sent}",
        ]
        lines += [f"  failed: {reason} x{count}" for reason, count in self.failures.items()]
        return "\n".join(lines)


async def current_campaign(services: Services) -> Campaign | None:
    """The open campaign people are being asked in, if any."""
    async with services.db.session() as s:
        return await q.latest_open_campaign(s)


async def _resolve(services: Services, campaign_id: str | None) -> Campaign:
    async with services.db.session() as s:
        campaign = (
            await q.get_campaign(s, quarters.normalise_quarter(campaign_id))
            if campaign_id
            else await q.latest_open_campaign(s)
        )
    if campaign is None:
        raise CampaignError(
            f"there is no campaign {campaign_id}" if campaign_id else "no campaign is open"
        )
    return campaign


async def ensure_campaign(
    services: Services, quarter: str, opens_at: datetime, closes_at: datetime | None = None
) -> Campaign:
    """The quarter's campaign row, created if absent (safe against a concurrent creator).

    `closes_at` is given for an off-cycle campaign (someone answered before the quarter's
    prompt went out): it stays open to the quarter's end until the real opening resets it.
    """
    settings = services.settings
    closes = closes_at or quarters.window_close(opens_at, settings.campaign_window_days)
    values = {
        "id": quarter,
        "opens_at": opens_at,
        "closes_at": closes,
        "status": "open",
        "deliver_now": False,
        "reminder_days": ",".join(str(d) for d in settings.reminder_offsets),
        "created_at": services.clock(),
    }
    async with services.db.session() as s:
        await q.insert_campaign_if_absent(s, values)
        campaign = await q.get_campaign(s, quarter)
        assert campaign is not None
        fresh = closes_at is None and await q.count_deliveries(s, quarter, "prompt") == 0
        if fresh and campaign.status == "open":
            # Created early by an off-cycle answer: the real opening sets the real window.
            campaign.opens_at, campaign.closes_at = opens_at, closes
            s.add(campaign)
        return campaign


async def start_campaign(
    services: Services, quarter: str | None = None, *, now: bool = False
) -> CampaignStatus:
    """Open (or resume) the quarter's campaign and enqueue one prompt per reachable person.

    Without `now`, each person's prompt is due at their next humane local hour; with it,
    everyone is due immediately. People added to the directory since are enqueued on resume.
    """
    moment = services.clock()
    label = quarters.normalise_quarter(quarter) if quarter else quarters.quarter_of(moment)
    _check_startable(label, moment)
    campaign = await ensure_campaign(services, label, moment)
    if campaign.status != "open":
        raise CampaignError(f"campaign {label} is closed; it cannot be started again")
    await _enqueue_prompts(services, campaign, moment, now=now)
    async with services.db.session() as s:
        await q.requeue_transient_failures(s, campaign.id, moment)
    return await campaign_status(services, label)


def _check_startable(label: str, moment: datetime) -> None:
    """Only this quarter or the next can be started: a typo must not open a past quarter
    (its answers would be attributed to it) or one years away."""
    current = quarters.quarter_of(moment)
    allowed = (current, quarters.next_quarter(current))
    if label not in allowed:
        raise CampaignError(
            f"{label} cannot be started; only the current quarter ({allowed[0]}) "
            f"or the next one ({allowed[1]}) can"
        )


async def needs_opening(services: Services, label: str) -> bool:
    """True while the quarter's campaign was never fanned out and is not closed."""
    async with services.db.session() as s:
        campaign = await q.get_campaign(s, label)
        if campaign is None:
            return True
        if campaign.status != "open":
            return False
        return await q.count_deliveries(s, label, "prompt") == 0


async def enqueue_newcomers(services: Services) -> int:
    """Prompt people added to the directory since an open campaign was fanned out.

    Idempotent through the outbox's unique key; each newcomer is due at their next humane hour.
    """
    moment = services.clock()
    queued = 0
    async with services.db.session() as s:
        campaigns = await q.open_campaigns(s)
    for campaign in campaigns:
        if campaign.closes_at <= moment:
            continue
        async with services.db.session() as s:
            if await q.count_deliveries(s, campaign.id, "prompt") == 0:
                continue  # not opened yet (an off-cycle answer created it): the opener fans out
            people = await q.unprompted_people(s, campaign.id)
            await q.insert_deliveries(s, _prompt_rows(services, campaign, moment, people, False))
        queued += len(people)
    return queued


def _prompt_rows(
    services: Services,
    campaign: Campaign,
    moment: datetime,
    people: list[tuple[int, str | None]],
    now: bool,
) -> list[dict[str, Any]]:
    start = max(moment, campaign.opens_at)
    return [
        {
            "campaign_id": campaign.id,
            "person_id": person_id,
            "kind": "prompt",
            "due_at": moment if now else _humane(services, start, tz),
            "status": "pending",
            "attempts": 0,
        }
        for person_id, tz in people
    ]


async def _enqueue_prompts(
    services: Services, campaign: Campaign, moment: datetime, *, now: bool
) -> None:
    async with services.db.session() as s:
        people = await q.reachable_people(s)
        await q.insert_deliveries(s, _prompt_rows(services, campaign, moment, people, now))
        if now:
            campaign.deliver_now = True
            s.add(campaign)
            await q.pull_pending_forward(s, campaign.id, moment)


def _humane(services: Services, after: datetime, tz: str | None) -> datetime:
    settings = services.settings
    zone = quarters.resolve_tz(tz, settings.default_tz)
    return quarters.humane_send_time(after, zone, settings.local_send_hour)


async def remind(services: Services, campaign_id: str | None = None) -> int:
    """Queue the next reminder, due now, for everyone prompted who has not answered.

    A person gets reminder N only once their reminder N-1 was sent. Returns how many were
    queued; 0 once the configured number of reminders is used up.
    """
    campaign = await _resolve(services, campaign_id)
    if campaign.status != "open":
        raise CampaignError(f"campaign {campaign.id} is closed")
    async with services.db.session() as s:
        used = await q.existing_reminder_kinds(s, campaign.id)
    for number in range(1, len(services.settings.reminder_offsets) + 1):
        kind = f"reminder{number}"
        if kind not in used:
            return await queue_reminder(services, campaign, number, humane=False)
    return 0


def _kind(number: int) -> str:
    return "prompt" if number == 0 else f"reminder{number}"


async def queue_reminder(
    services: Services,
    campaign: Campaign,
    number: int,
    *,
    humane: bool,
    offsets: list[int] | None = None,
) -> int:
    """Enqueue reminder `number` for the people who still need it; idempotent per person.

    With `offsets` (the scheduler's case), a person qualifies only when their prompt went out
    at least `offsets[number-1]` days ago and their previous reminder at least the gap
    between the two offsets ago: a late start never sends two reminders back to back.
    """
    moment = services.clock()
    prompt_by = previous_by = None
    if offsets:
        # Whole days, as the offsets are: anything sent on day D counts as sent `n` days
        # before day D + n, whatever the hour (each reminder then waits for a humane hour).
        tomorrow = datetime.combine(moment.date() + timedelta(days=1), time(), tzinfo=UTC)
        prompt_by = tomorrow - timedelta(days=offsets[number - 1])
        gap = offsets[number - 1] - (offsets[number - 2] if number > 1 else 0)
        previous_by = tomorrow - timedelta(days=max(gap, 1))
    kind = _kind(number)
    async with services.db.session() as s:
        people = await q.reminder_candidates(
            s, campaign.id, kind, previous_kind=_kind(number - 1),
            previous_sent_by=previous_by, prompt_sent_by=prompt_by,
        )  # fmt: skip
        zones = await q.tz_of(s, people) if humane else {}
        rows = [
            {
                "campaign_id": campaign.id,
                "person_id": person_id,
                "kind": kind,
                "due_at": _humane(services, moment, zones.get(person_id)) if humane else moment,
                "status": "pending",
                "attempts": 0,
            }
            for person_id in people
        ]
        await q.insert_deliveries(s, rows)
    return len(rows)


async def queue_scheduled_reminders(services: Services) -> int:
    """The scheduler's part: queue each reminder, at humane local hours, for the people whose
    own prompt (and previous reminder) is old enough."""
    moment = services.clock()
    queued = 0
    async with services.db.session() as s:
        campaigns = await q.open_campaigns(s)
    for campaign in campaigns:
        offsets = sorted(int(d) for d in campaign.reminder_days.split(",") if d.strip())
        if not moment < campaign.closes_at:
            continue
        for number, offset in enumerate(offsets, start=1):
            if quarters.reminder_start(campaign.opens_at, offset) <= moment:
                queued += await queue_reminder(
                    services, campaign, number, humane=True, offsets=offsets
                )
    return queued


async def close_campaign(services: Services, campaign_id: str | None = None) -> CampaignStatus:
    """Close the campaign and queue one team summary DM per manager (each exactly once); the
    disclosures still waiting for a full batch are released (`disclosures.release_all`)."""
    campaign = await _resolve(services, campaign_id)
    moment = services.clock()
    async with services.db.session() as s:
        await q.close_campaign(s, campaign.id, moment)
        await q.skip_pending(s, campaign.id, "campaign closed")
        managers = await org_queries.managers(s)
        rows = [
            {
                "campaign_id": campaign.id,
                "person_id": m.id,
                "kind": "summary",
                "due_at": moment,
                "status": "pending",
                "attempts": 0,
            }
            for m in managers
            if m.slack_user_id or m.aad_object_id  # on Slack, Teams or both
        ]
        await q.insert_deliveries(s, rows)
    await disclosures.release_all(services, campaign.id)
    return await campaign_status(services, campaign.id)


async def close_expired(services: Services) -> list[str]:
    """The scheduler's part: close every campaign whose window has ended."""
    async with services.db.session() as s:
        due = await q.open_campaigns_closing_by(s, services.clock())
    for campaign_id in due:
        await close_campaign(services, campaign_id)
    return due


async def campaign_status(services: Services, campaign_id: str | None = None) -> CampaignStatus:
    campaign = await _resolve(services, campaign_id)
    async with services.db.session() as s:
        counts = await q.delivery_counts(s, campaign.id)
        failures = await q.failure_reasons(s, campaign.id)
        answered, with_example = await q.answer_counts(s, campaign.id)

    def total(kind: str | None = None, status: str | None = None) -> int:
        return sum(
            n
            for (k, st), n in counts.items()
            if (kind is None or k == kind or (kind == "reminder" and k.startswith("reminder")))
            and (status is None or st == status)
        )

    return CampaignStatus(
        campaign_id=campaign.id,
        status=campaign.status,
        opens_at=campaign.opens_at,
        closes_at=campaign.closes_at,
        prompted=total("prompt"),
        delivered=total("prompt", "sent"),
        pending=total("prompt", "pending") + total("prompt", "claimed"),
        failed=total("prompt", "failed"),
        failures=failures,
        answered=answered,
        with_example=with_example,
        reminders_sent=total("reminder", "sent"),
        summaries_sent=total("summary", "sent"),
    )
