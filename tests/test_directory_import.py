"""Importing and syncing the people directory: all or nothing, in place, never duplicated."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.core.directory import ImportRejected, import_directory, sync_from_groups
from bot.core.services import Services
from bot.slack.client import make_web_client
from bot.slack.directory import SlackDirectory
from bot.slack.double import SlackDouble
from storage.models import Person, Team

HEADER = "email,name,team,manager_email,slack_user_id\n"
ORG = HEADER + (
    "boss@example.com,Bea Boss,Leadership,,U0BOSS\n"
    "ana@example.com,Ana Lytic,Data,boss@example.com,\n"
    "carl@example.com,Carl Coder,Platform,boss@example.com,U0CARL\n"
)


@pytest.fixture
def wired(services: Services, slack: SlackDouble) -> Services:
    services.directory = SlackDirectory(make_web_client(services.settings))
    slack.add_user("U0BOSS", email="boss@example.com", name="bea", tz="Europe/Berlin")
    slack.add_user("U0ANA", email="ana@example.com", name="ana", tz="America/New_York")
    slack.add_user("U0CARL", email="carl@example.com", name="carl", tz="Asia/Tokyo")
    return services


async def people(services: Services) -> dict[str, Person]:
    async with services.db.session() as session:
        result = await session.exec(select(Person))
        return {p.email: p for p in result.scalars().all()}


async def test_import_creates_people_resolves_slack_ids_and_links_managers(wired: Services) -> None:
    result = await import_directory(wired, ORG.encode())
    assert (result.created, result.updated, result.teams_created) == (3, 0, 3)
    found = await people(wired)
    assert found["ana@example.com"].slack_user_id == "U0ANA"  # looked up by e-mail
    assert found["ana@example.com"].tz == "America/New_York"
    assert found["carl@example.com"].manager_id == found["boss@example.com"].id
    assert result.unresolved_slack == []


async def test_reimport_updates_in_place_and_deactivates_people_who_left(wired: Services) -> None:
    await import_directory(wired, ORG.encode())
    before = await people(wired)
    moved = HEADER + (
        "boss@example.com,Bea Boss,Leadership,,U0BOSS\n"
        "ana@example.com,Ana Lytic,Platform,carl@example.com,U0ANA\n"
        "carl@example.com,Carl Coder,Platform,boss@example.com,U0CARL\n"
    )
    await import_directory(wired, moved.encode())
    after = await people(wired)
    assert len(after) == 3
    assert after["ana@example.com"].id == before["ana@example.com"].id
    assert after["ana@example.com"].manager_id == after["carl@example.com"].id
    async with wired.db.session() as session:
        team = await session.get(Team, after["ana@example.com"].team_id)
    assert team is not None and team.name == "Platform"
    result = await import_directory(
        wired, (HEADER + "boss@example.com,Bea,Leadership,,\n").encode()
    )
    assert result.deactivated == 2
    assert [p.email for p in (await people(wired)).values() if p.active] == ["boss@example.com"]


@pytest.mark.parametrize(
    "content, expected",
    [
        ("email,name,team\na@x.io,A,T\n", "line 1: missing column(s) manager_email"),
        (HEADER + "a@x.io,A,T,nobody@x.io,\n", "line 2: unknown manager nobody@x.io"),
        (HEADER + "a@x.io,A,T,,\nb@x.io,B,T,,\na@x.io,A2,T,,\n", "line 4: duplicate email a@x.io"),
        (HEADER + "not-an-email,A,T,,\n", "line 2: 'not-an-email' is not an e-mail address"),
        (HEADER + "a@x.io,,T,,\n", "line 2: name is empty"),
        (HEADER + "a@x.io,A,T,a@x.io,\n", "line 2: a@x.io is their own manager"),
        (HEADER, "the file has a header but no people"),
    ],
)
async def test_bad_csv_names_the_line_and_imports_nothing(
    wired: Services, content: str, expected: str
) -> None:
    with pytest.raises(ImportRejected) as rejected:
        await import_directory(wired, content.encode())
    assert any(expected in e for e in rejected.value.errors), rejected.value.errors
    assert await people(wired) == {}


async def test_wrong_encoding_is_refused_with_its_line(wired: Services) -> None:
    raw = (HEADER + "a@x.io,A,T,,\n").encode() + "b@x.io,Bj\u00f6rn,T,,\n".encode("latin-1")
    with pytest.raises(ImportRejected) as rejected:
        await import_directory(wired, raw)
    assert "line 3" in rejected.value.errors[0] and "UTF-8" in rejected.value.errors[0]
    assert await people(wired) == {}


async def test_sync_from_user_groups_makes_teams(wired: Services, slack: SlackDouble) -> None:
    slack.add_usergroup("S1", handle="data", name="Data", user_ids=["U0ANA"])
    slack.add_usergroup("S2", handle="plat", name="Platform", user_ids=["U0CARL", "U0ANA"])
    result = await sync_from_groups(wired)
    assert result.created == 2
    found = await people(wired)
    async with wired.db.session() as session:
        teams = {t.id: t.name for t in (await session.exec(select(Team))).scalars().all()}
    assert teams[found["ana@example.com"].team_id] == "Data"  # first group by name wins
    assert teams[found["carl@example.com"].team_id] == "Platform"
    again = await sync_from_groups(wired)
    assert (again.created, again.updated) == (0, 2)


async def test_cli_import_over_real_slack_double(
    wired: Services, slack: SlackDouble, tmp_path: Path
) -> None:
    csv_file = tmp_path / "org.csv"
    csv_file.write_text(ORG)
    env = {
        **os.environ,
        "DATABASE_URL": wired.settings.database_url,
        "SLACK_API_URL": slack.base_url,
        "SLACK_BOT_TOKEN": "xoxb-cli",
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "org",
        "import",
        str(csv_file),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    out, err = await proc.communicate()
    assert proc.returncode == 0, err.decode()
    assert "3 created" in out.decode()
    assert len(slack.ok_calls("users.lookupByEmail")) == 1
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "x@y.io,X,T,ghost@y.io,\n")
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "org",
        "import",
        str(bad),
        "--offline",
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    out, err = await proc.communicate()
    assert proc.returncode == 2
    assert "line 2: unknown manager ghost@y.io" in err.decode()
