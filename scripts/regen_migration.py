"""Regenerate the initial alembic migration from the models (only until the first release)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from alembic import command

from storage.db import MIGRATIONS_DIR, alembic_config

INITIAL = MIGRATIONS_DIR / "versions" / "0001_initial_schema.py"

if __name__ == "__main__":
    INITIAL.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        cfg = alembic_config(f"sqlite:///{Path(scratch) / 'empty.db'}")
        command.revision(cfg, message="initial schema", autogenerate=True, rev_id="0001")
