"""teams registry: a proposer, owner or notice recipient can be a Teams user (Entra ID object id)

The registry stored chat user ids in 32 characters, room for a Slack id; a Teams user's id (an
Entra ID object id, the directory's `aad_object_id`) has 36. Widened to 64, nothing else moves.

Revision ID: 0004_teams_registry
Revises: 0002_usecases
Create Date: 2026-11-29 20:00:00
"""
from collections.abc import Sequence

import sqlmodel
from alembic import op

revision: str = '0004_teams_registry'
down_revision: str | None = '0002_usecases'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WIDENED = (
    ('usecase', 'proposer', False),
    ('usecaseowner', 'user_id', False),
    ('usecaseoutcome', 'recorded_by', False),
    ('gatenotice', 'recipient', False),
)


def _resize(length_from: int, length_to: int) -> None:
    for table, column, nullable in WIDENED:
        with op.batch_alter_table(table) as batch_op:
            batch_op.alter_column(
                column,
                existing_type=sqlmodel.sql.sqltypes.AutoString(length=length_from),
                type_=sqlmodel.sql.sqltypes.AutoString(length=length_to),
                existing_nullable=nullable,
            )


def upgrade() -> None:
    _resize(32, 64)


def downgrade() -> None:
    _resize(64, 32)
