"""The alembic history builds exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import SQLModel

import storage.models  # noqa: F401
from storage.db import Database, alembic_config


async def schema_drift(db: Database) -> list[object]:
    async with db.engine.connect() as conn:
        return await conn.run_sync(
            lambda sync: compare_metadata(MigrationContext.configure(sync), SQLModel.metadata)
        )


async def table_names(db: Database) -> set[str]:
    async with db.engine.connect() as conn:
        return set(await conn.run_sync(lambda sync: inspect(sync).get_table_names()))


async def test_migrated_schema_matches_the_models(database: Database) -> None:
    assert await schema_drift(database) == []
    assert set(SQLModel.metadata.tables) <= await table_names(database)


async def test_downgrade_then_upgrade_again(database: Database) -> None:
    config = alembic_config(database.url)
    await asyncio.to_thread(command.downgrade, config, "base")
    assert await table_names(database) <= {"alembic_version"}
    await database.migrate()
    await database.migrate()  # an upgrade with nothing to do is harmless
    assert await schema_drift(database) == []


async def test_disclosure_table_has_nothing_that_orders_or_identifies(database: Database) -> None:
    """No user column, no timestamp, no sequence; on SQLite no hidden rowid either."""
    async with database.engine.connect() as conn:
        columns = await conn.run_sync(lambda sync: inspect(sync).get_columns("disclosure"))
        names = {c["name"] for c in columns}
        assert not {n for n in names if "user" in n or "email" in n or n == "name"}
        assert not {n for n in names if n.endswith("_at") or "time" in n or "date" in n}
        id_column = next(c for c in columns if c["name"] == "id")
        assert (
            "CHAR" in str(id_column["type"]).upper() and id_column.get("autoincrement") is not True
        )
        if database.dialect == "sqlite":
            ddl = await conn.exec_driver_sql(
                "SELECT sql FROM sqlite_master WHERE type='table' AND name='disclosure'"
            )
            assert "WITHOUT ROWID" in ddl.scalar_one()
