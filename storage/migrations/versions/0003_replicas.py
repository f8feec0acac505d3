"""replicas: coordinated scheduler jobs (who runs each, and when it is next due)

Revision ID: 0003_replicas
Revises: 0002_teams
Create Date: 2026-11-29 16:50:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision: str = '0003_replicas'
down_revision: str | None = '0002_teams'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'scheduledjob',
        sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('schedule', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column('next_run_at', storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('lease_owner', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column('lease_until', storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column('last_started_at', storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column('last_finished_at', storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column('last_outcome', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column('last_detail', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.PrimaryKeyConstraint('name'),
    )


def downgrade() -> None:
    op.drop_table('scheduledjob')
