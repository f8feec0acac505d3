"""teams: the directory's aad_object_id and last platform, conversation references, sent journal

Revision ID: 0002_teams
Revises: 0002_perf
Create Date: 2026-11-29 16:40:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision: str = '0002_teams'
down_revision: str | None = '0002_perf'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.add_column(sa.Column('aad_object_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True))
        batch_op.add_column(sa.Column('last_platform', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True))
        batch_op.create_unique_constraint('person_aad_object_id_key', ['aad_object_id'])
    op.create_table('teamsconversation',
    sa.Column('aad_object_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('user_id', sqlmodel.sql.sqltypes.AutoString(length=256), nullable=False),
    sa.Column('conversation_id', sqlmodel.sql.sqltypes.AutoString(length=512), nullable=False),
    sa.Column('service_url', sqlmodel.sql.sqltypes.AutoString(length=512), nullable=False),
    sa.Column('tenant_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('bot_id', sqlmodel.sql.sqltypes.AutoString(length=256), nullable=False),
    sa.Column('bot_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('captured_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('aad_object_id')
    )
    op.create_table('teamssent',
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
    sa.Column('conversation_id', sqlmodel.sql.sqltypes.AutoString(length=512), nullable=False),
    sa.Column('activity_id', sqlmodel.sql.sqltypes.AutoString(length=256), nullable=False),
    sa.Column('sent_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )


def downgrade() -> None:
    op.drop_table('teamssent')
    op.drop_table('teamsconversation')
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.drop_constraint('person_aad_object_id_key', type_='unique')
        batch_op.drop_column('last_platform')
        batch_op.drop_column('aad_object_id')
