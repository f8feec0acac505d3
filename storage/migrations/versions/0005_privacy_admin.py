"""privacy admin: disclosures are released to admins and figures in batches

Revision ID: 0005_privacy_admin
Revises: 0004_teams_registry
Create Date: 2026-11-29 19:40:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0005_privacy_admin'
down_revision: str | None = '0004_teams_registry'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('disclosure', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('released', sa.Boolean(), nullable=False, server_default=sa.false())
        )
    # Rows stored before batches existed were already counted wherever their quarter held K.
    op.execute(sa.text('UPDATE disclosure SET released = :yes').bindparams(yes=True))


def downgrade() -> None:
    with op.batch_alter_table('disclosure', schema=None) as batch_op:
        batch_op.drop_column('released')
