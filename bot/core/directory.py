"""The organisation directory: importing it from a CSV file or syncing it from chat user groups.

An import is all or nothing. Every problem in the file is reported with its line number before
anything is written, because a half-imported org chart silently sends the quarterly question
to the wrong managers.
"""

from __future__ import annotations

import asyncio
import csv
import io
import re
from dataclasses import dataclass, field

from bot.core.ports import ChatDirectory
from bot.core.services import Services
from storage.queries import org as org_queries

REQUIRED_COLUMNS = ("email", "name", "team", "manager_email")
OPTIONAL_COLUMNS = ("slack_user_id", "aad_object_id")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
SLACK_ID = re.compile(r"^[UW][A-Z0-9]{2,31}$")
# A Teams user is known by their Entra ID (AAD) object id, a GUID.
AAD_OBJECT_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
MAX_ERRORS = 50


class ImportRejected(Exception):
    """The file was refused; `errors` are human-readable, each naming its line."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors[:3]))
        self.errors = errors


@dataclass
class DirectoryRow:
    line: int
    email: str
    name: str
    team: str
    manager_email: str | None
    slack_user_id: str | None = None
    tz: str | None = None
    aad_object_id: str | None = None


@dataclass(frozen=True)
class Unresolved:
    """A person left without a chat ID, and why: they get no prompt until this is fixed."""

    line: int
    email: str
    reason: str

    def describe(self) -> str:
        where = f"line {self.line} " if self.line else ""
        return f"{where}{self.email}: {self.reason}"


NOT_LOOKED_UP = "no slack_user_id in the file, and Slack was not asked (offline)"
NO_ACCOUNT = "no Slack account with this e-mail"
UNKNOWN_ID = "Slack does not know this slack_user_id (kept as given)"


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    deactivated: int = 0
    teams_created: int = 0
    unresolved_slack: list[str] = field(default_factory=list)
    unresolved: list[Unresolved] = field(default_factory=list)


def decode_csv(raw: bytes) -> str:
    """UTF-8 (with or without BOM) only: guessing encodings garbles names without a word."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise ImportRejected(
            [f"line {line}: the file is not UTF-8 (byte {error.start}); save it as UTF-8 CSV"]
        ) from None


def parse_directory_csv(text: str) -> list[DirectoryRow]:
    """Parse and validate the whole file; raise `ImportRejected` listing every problem found."""
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        found = ",".join(header) or "nothing"
        raise ImportRejected([f"line 1: missing column(s) {', '.join(missing)} (found {found})"])
    reader.fieldnames = header
    errors: list[str] = []
    rows: list[DirectoryRow] = []
    for record in reader:
        row = _row_from_record(reader.line_num, record, errors)
        if row:
            rows.append(row)
    _check_cross_references(rows, errors)
    if not rows and not errors:
        errors.append("line 2: the file has a header but no people")
    if errors:
        raise ImportRejected(errors[:MAX_ERRORS])
    return rows


def _row_from_record(
    line: int, record: dict[str, str | None], errors: list[str]
) -> DirectoryRow | None:
    if None in record:  # more fields than the header names
        errors.append(f"line {line}: more values than columns")
        return None
    value = {k: (v or "").strip() for k, v in record.items() if k}
    email = value.get("email", "").lower()
    problems = []
    if not EMAIL.match(email):
        problems.append(f"'{email or '(empty)'}' is not an e-mail address")
    if not value.get("name"):
        problems.append("name is empty")
    if not value.get("team"):
        problems.append("team is empty")
    manager = value.get("manager_email", "").lower() or None
    if manager and not EMAIL.match(manager):
        problems.append(f"manager_email '{manager}' is not an e-mail address")
    slack_id = value.get("slack_user_id") or None
    if slack_id and not SLACK_ID.match(slack_id):
        problems.append(f"slack_user_id '{slack_id}' is not a Slack user ID")
    aad_id = (value.get("aad_object_id") or "").lower() or None
    if aad_id and not AAD_OBJECT_ID.match(aad_id):
        problems.append(f"aad_object_id '{aad_id}' is not a Teams (Entra ID) object id")
    if problems:
        errors.append(f"line {line}: " + "; ".join(problems))
        return None
    return DirectoryRow(
        line, email, value["name"][:200], value["team"][:200], manager, slack_id,
        aad_object_id=aad_id,
    )  # fmt: skip


def _check_cross_references(rows: list[DirectoryRow], errors: list[str]) -> None:
    first_line: dict[str, int] = {}
    seen_ids: dict[str, int] = {}
    seen_aad: dict[str, int] = {}
    for row in rows:
        if row.email in first_line:
            errors.append(
                f"line {row.line}: duplicate email {row.email} "
                f"(first on line {first_line[row.email]})"
            )
        first_line.setdefault(row.email, row.line)
        if row.slack_user_id:
            if row.slack_user_id in seen_ids:
                errors.append(
                    f"line {row.line}: slack_user_id {row.slack_user_id} also on line "
                    f"{seen_ids[row.slack_user_id]}"
                )
            seen_ids.setdefault(row.slack_user_id, row.line)
        if row.aad_object_id:
            if row.aad_object_id in seen_aad:
                errors.append(
                    f"line {row.line}: aad_object_id {row.aad_object_id} also on line "
                    f"{seen_aad[row.aad_object_id]}"
                )
            seen_aad.setdefault(row.aad_object_id, row.line)
    for row in rows:
        if row.manager_email == row.email:
            errors.append(f"line {row.line}: {row.email} is their own manager")
        elif row.manager_email and row.manager_email not in first_line:
            errors.append(f"line {row.line}: unknown manager {row.manager_email} (not in the file)")


async def resolve_chat_ids(
    rows: list[DirectoryRow], directory: ChatDirectory | None
) -> list[Unresolved]:
    """Fill in missing chat IDs (by e-mail) and time zones; returns the rows that stay
    unresolved and why. Without a directory (offline) the file's IDs are taken as given."""
    if directory is None:
        return [Unresolved(r.line, r.email, NOT_LOOKED_UP) for r in rows if not r.slack_user_id]
    limiter = asyncio.Semaphore(8)

    async def resolve(row: DirectoryRow) -> Unresolved | None:
        async with limiter:
            if row.slack_user_id:
                user = await directory.user_info(row.slack_user_id)
            else:
                user = await directory.lookup_by_email(row.email)
        if user is None:
            reason = UNKNOWN_ID if row.slack_user_id else NO_ACCOUNT
            return Unresolved(row.line, row.email, reason)
        row.slack_user_id, row.tz = user.chat_user_id, user.tz
        return None

    missing = await asyncio.gather(*(resolve(row) for row in rows))
    return [m for m in missing if m is not None]


async def import_directory(
    services: Services, raw: bytes, *, deactivate_missing: bool = True
) -> ImportResult:
    """Validate the file, look people up in chat, then apply everything in one transaction."""
    rows = parse_directory_csv(decode_csv(raw))
    unresolved = await resolve_chat_ids(rows, services.directory)
    async with services.db.session() as session:
        counts = await org_queries.apply_directory(session, rows, deactivate_missing)
    missing = [u.email for u in unresolved if u.reason != UNKNOWN_ID]
    return ImportResult(*counts, unresolved_slack=missing, unresolved=unresolved)


async def sync_from_groups(services: Services) -> ImportResult:
    """Build teams from chat user groups (a group is a team) for orgs without an HR export.

    Someone in several groups joins the first by name; managers are kept as they were, since
    chat groups carry no reporting lines.
    """
    if services.directory is None:
        raise RuntimeError("org sync needs a chat connection")
    groups = sorted(await services.directory.list_groups(), key=lambda g: g.name.lower())
    team_of: dict[str, tuple[str, str]] = {}
    for group in groups:
        for member in group.member_ids:
            team_of.setdefault(member, (group.name, group.group_id))
    users = await asyncio.gather(*(services.directory.user_info(uid) for uid in team_of))
    people = [u for u in users if u is not None and u.active and u.email]
    async with services.db.session() as session:
        counts = await org_queries.apply_group_sync(session, people, team_of)
    skipped = [
        Unresolved(0, uid, "Slack has no such user" if u is None else "no e-mail in Slack profile")
        for uid, u in zip(team_of, users, strict=True)
        if u is None or not u.email
    ]
    return ImportResult(*counts, unresolved_slack=[s.email for s in skipped], unresolved=skipped)
