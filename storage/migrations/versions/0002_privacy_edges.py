"""privacy edges: the replay guard's table of signatures already acted on

Revision ID: 0002_privacy_edges
Revises: 0001
Create Date: 2026-11-29 16:40:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision: str = '0002_privacy_edges'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'seenrequest',
        sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('expires_at', storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('key'),
        sqlite_with_rowid=False,
    )
    with op.batch_alter_table('seenrequest', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_seenrequest_expires_at'), ['expires_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('seenrequest', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_seenrequest_expires_at'))
    op.drop_table('seenrequest')
