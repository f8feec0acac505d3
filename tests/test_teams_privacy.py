"""Anonymous means unlinkable in Teams too: after a real disclosure through the dialog, read
every row of every table and every log line (root logging at DEBUG) for the discloser."""

from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy import inspect, text

from bot.core.services import Services
from bot.teams.double import BotConnectorDouble, TeamsSender
from handlers.teams import disclose
from tests.teams_fixtures import add_person, references
from tests.test_disclosure_helpers import all_rows

TOOL = "Quillotron Ghostwriter"


async def every_row(services: Services) -> dict[str, list[str]]:
    """Every row of every table, as sorted strings (order is not what this compares)."""
    async with services.db.engine.connect() as conn:
        names = await conn.run_sync(lambda sync: inspect(sync).get_table_names())
        out = {}
        for name in names:
            result = await conn.execute(text(f'SELECT * FROM "{name}"'))
            out[name] = sorted(str(tuple(r)) for r in result.all())
    return out


SECRET_WORDS = "PURPLE-ELEPHANT-SENTINEL please buy it"


FORM = {
    "tool": TOOL, "tool_kind": "writing", "work_kind": "drafting", "frequency": "weekly",
    "data_class": "internal", "reasons": "procurement,review_slow", "make_it_easy": SECRET_WORDS,
    "contact": "false",
}  # fmt: skip


async def test_teams_disclosure_leaves_no_trace_of_who_in_rows_logs_or_the_chat(
    teams: TeamsSender, connector: BotConnectorDouble, teams_services: Services, debug_log: Path
) -> None:
    user = connector.add_user("Dana Discloser", "dana@example.com")
    for n in range(5):  # a team large enough to be named
        await add_person(teams_services, f"Teammate {n}", f"mate{n}@example.com")
    await add_person(teams_services, "Dana Discloser", "dana@example.com",
                     aad_object_id=user.aad_object_id)  # fmt: skip
    await teams.install(user)
    [before] = await references(teams_services)
    posted_before = len(connector.posted)
    tables_before = await every_row(teams_services)

    status, opened = await teams.invoke(user, "task/fetch", {"dialog": disclose.OPEN_FORM})
    assert status == 200
    form = opened["task"]["value"]["card"]["content"]
    send = form["actions"][0]["data"]
    status, done = await teams.invoke(user, "task/submit", {**FORM, **send})
    assert status == 200
    confirmation = done["task"]["value"]["card"]["content"]
    code = confirmation["body"][1]["text"]
    status, checked = await teams.invoke(
        user, "task/submit", {"dialog": disclose.CHECK, "code": code}
    )
    assert "No reply yet" in str(checked)

    # The chat: nothing was posted, the conversation reference was not touched, and no table
    # but the disclosure's own (its double-submit guard, the cache counter) changed at all.
    assert len(connector.posted) == posted_before
    [after] = await references(teams_services)
    assert after.captured_at == before.captured_at
    tables_after = await every_row(teams_services)
    changed = {t for t in tables_after if tables_after[t] != tables_before.get(t)}
    # data_version is one bare counter (the cache's "something changed"), no id, no time.
    assert changed == {"disclosure", "submissionguard", "data_version"}, changed
    assert len(tables_after["data_version"]) == 1

    identity = [user.aad_object_id, user.user_id, user.conversation_id, user.email, user.name,
                *user.name.split()]  # fmt: skip
    secrets_ = [code, code.replace("-", ""), send["nonce"]]
    rows = await all_rows(teams_services)
    for table, table_rows in rows.items():
        flat = " ".join(str(v) for row in table_rows for v in row)
        for needle in identity + secrets_:
            assert needle not in flat, (table, needle)
        if table != "disclosure":
            assert TOOL not in flat and "PURPLE-ELEPHANT" not in flat, table
    assert len(rows["disclosure"]) == 1 and TOOL in str(rows["disclosure"][0])

    for handler in logging.getLogger().handlers:
        handler.flush()
    log = debug_log.read_text(encoding="utf-8")
    assert "flow starts" in log
    for needle in [TOOL, "PURPLE-ELEPHANT", *secrets_]:
        assert needle not in log, needle
    for line in log.splitlines():
        lowered = line.lower()
        assert not (
            any(n in line for n in identity) and ("disclos" in lowered or "task/" in lowered)
        ), line
