"""The directory knows a person's Slack id, Teams id (`aad_object_id`) or both."""

from __future__ import annotations

import pytest
from sqlmodel import select

from bot.core.directory import ImportRejected, import_directory
from bot.core.services import Services
from storage.models import Person
from storage.queries import org as org_q

ADA = "0b7e1c2a-8f3d-4e5a-9b6c-1d2e3f4a5b6c"
BO = "1c8f2d3b-9a4e-4f6b-8c7d-2e3f4a5b6c7d"
HEADER = "email,name,team,manager_email,slack_user_id,aad_object_id\n"


async def people(services: Services) -> dict[str, Person]:
    async with services.db.session() as s:
        return {p.email: p for p in (await s.exec(select(Person))).all()}


async def test_import_takes_aad_object_id_alone_or_beside_a_slack_id(services: Services) -> None:
    csv = HEADER + (
        f"ada@example.com,Ada,Data,,,{ADA.upper()}\n"
        f"bo@example.com,Bo,Data,ada@example.com,U0BO,{BO}\n"
        "cy@example.com,Cy,Data,ada@example.com,U0CY,\n"
    )
    await import_directory(services, csv.encode())
    found = await people(services)
    assert found["ada@example.com"].aad_object_id == ADA  # stored lower case, as Teams sends it
    assert found["ada@example.com"].slack_user_id is None
    assert (found["bo@example.com"].slack_user_id, found["bo@example.com"].aad_object_id) == (
        "U0BO", BO,
    )  # fmt: skip
    assert found["cy@example.com"].aad_object_id is None
    async with services.db.session() as s:
        by_teams = await org_q.person_by_chat_id(s, ADA)
        by_slack = await org_q.person_by_chat_id(s, "U0BO")
        same = await org_q.person_by_chat_id(s, BO)
    assert by_teams is not None and by_teams.email == "ada@example.com"
    assert by_slack is not None and same is not None and by_slack.id == same.id


async def test_bad_or_duplicate_aad_object_id_rejects_the_file(services: Services) -> None:
    csv = HEADER + (
        "ada@example.com,Ada,Data,,,not-a-guid\n"
        f"bo@example.com,Bo,Data,,,{BO}\n"
        f"cy@example.com,Cy,Data,,,{BO}\n"
    )
    with pytest.raises(ImportRejected) as rejected:
        await import_directory(services, csv.encode())
    text = "\n".join(rejected.value.errors)
    assert "line 2: aad_object_id 'not-a-guid' is not a Teams" in text
    assert f"line 4: aad_object_id {BO} also on line 3" in text
    assert await people(services) == {}


async def test_reimport_can_move_a_teams_id_to_another_person(services: Services) -> None:
    await import_directory(services, (HEADER + f"ada@example.com,Ada,Data,,,{ADA}\n").encode())
    moved = HEADER + f"ada@example.com,Ada,Data,,,{BO}\nbo@example.com,Bo,Data,,,{ADA}\n"
    await import_directory(services, moved.encode())
    found = await people(services)
    assert found["ada@example.com"].aad_object_id == BO
    assert found["bo@example.com"].aad_object_id == ADA


async def test_without_the_column_existing_teams_ids_are_kept(services: Services) -> None:
    await import_directory(services, (HEADER + f"ada@example.com,Ada,Data,,,{ADA}\n").encode())
    plain = "email,name,team,manager_email\nada@example.com,Ada Lovelace,Data,\n"
    await import_directory(services, plain.encode())
    assert (await people(services))["ada@example.com"].aad_object_id == ADA
