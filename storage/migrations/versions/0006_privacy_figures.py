"""privacy figures: team views published in releases (review finding M2)

Revision ID: 0006_privacy_figures
Revises: 0005_privacy_admin
Create Date: 2026-11-29 20:20:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision: str = '0006_privacy_figures'
down_revision: str | None = '0005_privacy_admin'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'teamrelease',
        sa.Column('quarter', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column('team_id', sa.Integer(), nullable=False),
        sa.Column('k', sa.Integer(), nullable=False),
        sa.Column('answers', sa.Integer(), nullable=False),
        sa.Column('as_of', storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column('final', sa.Boolean(), nullable=False),
        sa.Column('figures', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.PrimaryKeyConstraint('quarter', 'team_id'),
    )


def downgrade() -> None:
    op.drop_table('teamrelease')
