"""Blameless disclosures of covert AI use: validate, store unlinkably, and close the loop.

Why it is built this way: people only tell us about covert use if anonymous means unlinkable.
So the submitter's identity is used in memory for one thing only (is their team big enough to
be named?) and is never written, logged or returned. Time is coarsened to the quarter; the id
is random; insertion order is hidden (see `storage.queries.disclosures`). The claim code is the
only way back to a disclosure: it is shown once to the person and stored as a keyed hash, so
the server never learns who holds it.

Disclosures reach admins and figures in batches: a row is *released* only together with at
least K - 1 others that arrived since the last release (or with the rest at campaign close),
so two readings of any view never differ by one disclosure.

Nothing in this module logs anything about a submission, at any level.
"""

from __future__ import annotations

import re
import secrets
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError

from bot.core import quarters
from bot.core.directory import AAD_OBJECT_ID
from bot.core.services import Services
from bot.core.tool_names import tool_key
from bot.core.vocabulary import (
    COVERT_REASONS,
    DATA_CLASSES,
    FREQUENCY,
    REASON_EXTRAS,
    TOOL_KINDS,
    WORK_KINDS,
)
from storage.models import Disclosure, DisclosureContact, DisclosureReply
from storage.queries import disclosures as q
from storage.queries import org as org_q

NOT_SAID = "not_said"
TOOL_MAX = 200
EASY_MAX = 2000
REPLY_MAX = 3000
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U
CODE_LENGTH = 12
REF_LENGTH = 8
GUARD_DAYS = 2
# Tables whose physical layout must not keep arrival order (see `Database.erase_traces`).
# The submit guards are written with each disclosure, so they are shuffled and erased alike.
ANONYMOUS_TABLES = ("disclosure", "submissionguard")
_CODE_FIXES = str.maketrans({"O": "0", "I": "1", "L": "1"})


class InvalidDisclosure(Exception):
    """Bad input; `errors` maps a field name to a message the person can act on."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(", ".join(sorted(errors)))
        self.errors = errors


class NotFound(Exception):
    """No such disclosure (or claim code)."""


# What an admin reads when a reference does not resolve: most often it was read before the
# latest batch was released, and references change with every release.
UNKNOWN_REFERENCE = (
    "There is no disclosure with that reference in the current list; references change "
    "when a new batch is released."
)


@dataclass(frozen=True)
class RawDisclosure:
    """What the form sent, unvalidated: strings as typed, option keys as chosen."""

    tool: str | None = None
    tool_kind: str | None = None
    work_kind: str | None = None
    frequency: str | None = None
    data_class: str | None = None
    reasons: tuple[str, ...] = ()
    make_it_easy: str | None = None
    contact_ok: bool = False


@dataclass(frozen=True)
class DisclosureForm:
    """A validated disclosure; option fields hold known vocabulary keys only."""

    tool: str
    tool_kind: str
    work_kind: str
    frequency: str
    data_class: str
    reasons: frozenset[str]
    make_it_easy: str | None = None
    contact_ok: bool = False


@dataclass(frozen=True)
class Submitted:
    claim_code: str
    quarter: str
    duplicate: bool = False


@dataclass
class ClaimAnswer:
    quarter: str
    replies: list[str] = field(default_factory=list)
    note: str | None = None


# ---------------------------------------------------------------- validation


def _text(value: str | None) -> str:
    return " ".join((value or "").split())


def validate(raw: RawDisclosure) -> DisclosureForm:
    """Check every field; all problems are reported together so the modal shows them at once."""
    errors: dict[str, str] = {}
    tool = _text(raw.tool)
    if not tool:
        errors["tool"] = "Please name the tool (a product name or a short description is fine)."
    elif len(tool) > TOOL_MAX:
        errors["tool"] = f"Please keep the tool name under {TOOL_MAX} characters."
    data_class = raw.data_class or NOT_SAID  # optional: skipping it is not saying
    choices = {
        "tool_kind": (raw.tool_kind, TOOL_KINDS),
        "work_kind": (raw.work_kind, WORK_KINDS),
        "frequency": (raw.frequency, FREQUENCY),
        "data_class": (data_class, DATA_CLASSES),
    }
    for name, (value, options) in choices.items():
        if value not in options:
            errors[name] = "Please pick one of the options."
    # Optional; "something else" and "prefer not to say" are offered but stored as no reason.
    reasons = frozenset(raw.reasons) - REASON_EXTRAS.keys()
    if not reasons <= COVERT_REASONS.keys():
        errors["reasons"] = "Please pick from the listed reasons."
    easy = (raw.make_it_easy or "").strip()
    if len(easy) > EASY_MAX:
        errors["make_it_easy"] = f"Please keep this under {EASY_MAX} characters."
    if errors:
        raise InvalidDisclosure(errors)
    return DisclosureForm(
        tool=tool,
        tool_kind=str(raw.tool_kind),
        work_kind=str(raw.work_kind),
        frequency=str(raw.frequency),
        data_class=str(data_class),
        reasons=reasons,
        make_it_easy=easy or None,
        contact_ok=raw.contact_ok,
    )


# ---------------------------------------------------------------- claim codes


def new_nonce() -> str:
    """A per-modal secret carried in the view's private_metadata; it makes submits idempotent."""
    return secrets.token_urlsafe(18)


def claim_code_for(services: Services, nonce: str) -> str:
    """The claim code, derived from the form's nonce under the install key.

    Deriving it (instead of drawing a fresh one) means a retried or double submit of the same
    modal shows the same code again, while without the key the code is as random as any other.
    """
    number = int(services.keyed_hash("claim:" + nonce)[:16], 16)
    chars = [CODE_ALPHABET[(number >> (5 * i)) & 31] for i in range(CODE_LENGTH)]
    return "-".join("".join(chars[i : i + 4]) for i in range(0, CODE_LENGTH, 4))


def normalise_code(code: str) -> str:
    return re.sub(r"[^0-9A-Z]", "", code.upper().translate(_CODE_FIXES))


def claim_hash(services: Services, code: str) -> str:
    return services.keyed_hash("code:" + normalise_code(code))


def release_key(quarter: str, released: int) -> str:
    """Names one release of a quarter: how many of its disclosures are released. It grows with
    every release, so it names each release once."""
    return f"{quarter}:{released}"


def reference(services: Services, disclosure_id: str, release: str) -> str:
    """A short code for one disclosure (`ABCD-EFGH`) that admins see and reply with.

    Keyed, so it reveals nothing about the row, not even its id, and no order; keyed with the
    release too (`release_key`), so it is stable while the admin list stays the same and
    changes for every entry when a new batch is released: a reference read before a release
    cannot be looked for after it, to tell the old entries from the new.
    """
    number = int(services.keyed_hash(f"ref:{release}:{disclosure_id}")[:12], 16)
    chars = [CODE_ALPHABET[(number >> (5 * i)) & 31] for i in range(REF_LENGTH)]
    return "".join(chars[:4]) + "-" + "".join(chars[4:])


async def _resolve(services: Services, session: Any, given: str) -> str | None:
    """The released disclosure behind a reference of the current release (or a full id)."""
    rows = await q.released_ids(session)
    wanted = given.strip().lower()
    if re.fullmatch(r"[0-9a-f]{32}", wanted):
        return wanted if wanted in {ident for ident, _ in rows} else None
    code = normalise_code(given)
    if len(code) != REF_LENGTH:
        return None
    released = Counter(quarter for _, quarter in rows)
    for ident, quarter in rows:
        release = release_key(quarter, released[quarter])
        if normalise_code(reference(services, ident, release)) == code:
            return ident
    return None


# ---------------------------------------------------------------- submission


async def submit(
    services: Services,
    form: DisclosureForm,
    *,
    chat_user_id: str | None,
    nonce: str | None = None,
    campaign_id: str | None = None,
) -> Submitted:
    """Store one anonymous disclosure (at most once per nonce) and return its claim code.

    `chat_user_id` is used only in memory: to find whether the person's team has at least K
    active people (only then is the team recorded) and, if they opted in, for the contact row.
    """
    nonce = nonce or new_nonce()
    code = claim_code_for(services, nonce)
    guard = services.keyed_hash("guard:" + nonce)
    try:
        async with services.db.session() as session:
            quarter = await q.open_campaign_id(session, campaign_id)
            quarter = quarter or quarters.quarter_of(services.clock())
            if services.db.is_postgres:
                await q.lock_quarter(session, quarter)
            if await q.guard_seen(session, guard):
                return Submitted(code, quarter, duplicate=True)
            team_id, person_id = await _team_and_person(services, session, chat_user_id)
            now = services.clock()
            # Every guard of a quarter expires on the same day, so none dates its submission.
            expires = quarters.quarter_end(quarters.quarter_of(now)).date()
            await q.insert_guard(session, guard, now.date(), expires + timedelta(GUARD_DAYS))
            contact = None
            if form.contact_ok and chat_user_id:
                slack_id = None if AAD_OBJECT_ID.match(chat_user_id) else chat_user_id
                contact = DisclosureContact(  # a Teams user is reached through person_id
                    ref=secrets.token_hex(16), person_id=person_id, slack_user_id=slack_id
                )
            row = _row(form, quarter, team_id, claim_hash(services, code), contact)
            await q.insert_disclosure(session, row, contact)
            batch = await q.release_pending(session, quarter, services.min_group_size)
            await q.shuffle_quarter(
                session, quarter, row.id, postgres=services.db.is_postgres, full=bool(batch)
            )
            await q.shuffle_guards(session, guard, postgres=services.db.is_postgres)
    except IntegrityError:  # the same nonce raced in from a second request: already stored
        return Submitted(code, quarters.quarter_of(services.clock()), duplicate=True)
    await services.db.erase_traces(*ANONYMOUS_TABLES)
    return Submitted(code, quarter)


async def _team_and_person(
    services: Services, session: object, chat_user_id: str | None
) -> tuple[int | None, int | None]:
    """The team only when it has at least K active people: a small team would name its member."""
    if not chat_user_id:
        return None, None
    person = await org_q.person_by_slack_id(session, chat_user_id)  # type: ignore[arg-type]
    if person is None or person.team_id is None:
        return None, person.id if person else None
    size = await org_q.team_size(session, person.team_id)  # type: ignore[arg-type]
    return (person.team_id if size >= services.min_group_size else None), person.id


def _row(
    form: DisclosureForm,
    quarter: str,
    team_id: int | None,
    hashed_code: str,
    contact: DisclosureContact | None,
) -> Disclosure:
    reasons = {f"reason_{r}": (r in form.reasons) for r in COVERT_REASONS}
    return Disclosure(
        id=secrets.token_hex(16),
        quarter=quarter,
        team_id=team_id,
        tool=form.tool,
        tool_key=tool_key(form.tool),
        tool_kind=form.tool_kind,
        work_kind=form.work_kind,
        frequency=form.frequency,
        data_class=form.data_class,
        make_it_easy=form.make_it_easy,
        claim_hash=hashed_code,
        contact_ref=contact.ref if contact else None,
        **reasons,
    )


# ---------------------------------------------------------------- releases


async def release_all(services: Services, quarter: str) -> int:
    """Release every disclosure of the quarter still waiting for its batch (at campaign close),
    then rewrite the quarter so that nothing in the file marks which rows were the last batch.
    Returns how many were released."""
    async with services.db.session() as session:
        if services.db.is_postgres:
            await q.lock_quarter(session, quarter)
        released = await q.release_pending(session, quarter, 1)
        if released:
            await q.shuffle_quarter(session, quarter, "", postgres=services.db.is_postgres,
                                    full=True)  # fmt: skip
    if released:
        await services.db.erase_traces(*ANONYMOUS_TABLES)
    return released


# ---------------------------------------------------------------- closing the loop


async def check(services: Services, code: str) -> ClaimAnswer | None:
    """What admins answered to the disclosure behind `code`, and the quarter's published note."""
    if len(normalise_code(code)) != CODE_LENGTH:
        return None
    async with services.db.session() as session:
        disclosure = await q.disclosure_by_claim(session, claim_hash(services, code))
        if disclosure is None:
            return None
        replies = await q.replies_for(session, disclosure.id)
        note = await q.note_for(session, disclosure.quarter)
    return ClaimAnswer(disclosure.quarter, [r.body for r in replies], note.body if note else None)


def _body(text: str) -> str:
    body = text.strip()
    if not body:
        raise InvalidDisclosure({"body": "The text is empty."})
    if len(body) > REPLY_MAX:
        raise InvalidDisclosure({"body": f"Please keep it under {REPLY_MAX} characters."})
    return body


async def reply(services: Services, disclosure_ref: str, body: str, author: str) -> bool:
    """An admin's answer, readable by whoever holds the disclosure's claim code; the
    disclosure is named by its reference from the admin list (or its id).

    Idempotent: the same text sent again for the same disclosure (a double click, a retried
    command) is stored once; returns False when it was already there.
    """
    text = _body(body)
    async with services.db.session() as session:
        ident = await _resolve(services, session, disclosure_ref)
        if ident is None:
            raise NotFound(disclosure_ref)
        if text in {r.body for r in await q.replies_for(session, ident)}:
            return False
        await q.add_reply(session, DisclosureReply(disclosure_id=ident, body=text, author=author))
    return True


async def publish_note(services: Services, quarter: str, body: str, author: str) -> None:
    """The quarter's "you said, we did" note, shown to everyone checking a code of that quarter."""
    text = _body(body)
    quarter = quarter.strip().upper()
    if not re.fullmatch(r"\d{4}Q[1-4]", quarter):
        raise InvalidDisclosure({"quarter": "A quarter looks like 2026Q4."})
    async with services.db.session() as session:
        await q.upsert_note(session, quarter, text, author)


async def approve_tool(services: Services, name: str, by: str = "admin") -> bool:
    """Add a tool to the approved catalog; False if it was already approved. A catalog change
    is part of the governance record, so it goes through the catalog's audited path."""
    from bot.core.tool_catalog import approve_in_session

    label = _text(name)
    if not label or len(label) > TOOL_MAX:
        raise InvalidDisclosure({"tool": f"Give a tool name of 1 to {TOOL_MAX} characters."})
    async with services.db.session() as session:
        if await q.tool_approved(session, tool_key(label)):
            return False
        return await approve_in_session(session, services.clock(), label, by=by, via="admin")


async def current_quarter(services: Services) -> str:
    """The open campaign's quarter, else the calendar quarter: where new disclosures go."""
    async with services.db.session() as session:
        open_id = await q.open_campaign_id(session, None)
    return open_id or quarters.quarter_of(services.clock())


async def forget_contact(services: Services, chat_user_id: str) -> int:
    """For `/ai-leverage forget`: drop the person's "you may contact me" links.

    Their disclosures stay, now as anonymous as everyone else's; returns how many were unlinked.
    """
    async with services.db.session() as session:
        person = await org_q.person_by_slack_id(session, chat_user_id)
        unlinked = await q.delete_contacts(session, person.id if person else None, chat_user_id)
    if unlinked:  # the deleted contact rows and the old references must not linger in the file
        await services.db.erase_traces(*ANONYMOUS_TABLES, "disclosurecontact")
    return unlinked
