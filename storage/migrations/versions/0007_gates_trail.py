"""gates: the audit trail refuses TRUNCATE too, and its head never moves back; Teams reviewers

Revision ID: 0007_gates_trail
Revises: 0006_privacy_figures
Create Date: 2026-11-29 22:20:00

PostgreSQL's row triggers (0002_usecases) do not fire on TRUNCATE, so the owner of the
table could empty the trail without disabling anything; a statement trigger refuses it.
The head row (`audithead`) must advance on every append, but it never has to move back or
disappear: refusing that in the database means cutting entries off the end *and* rewinding
the head takes disabling triggers, which the chain then still shows (`audit --verify`).
A gate's reviewer, escalation target and decider may be a Teams user (a 36-character Entra
object id), so those columns widen from 32 to 64 like the registry's people in 0004.
"""
from collections.abc import Sequence

import sqlmodel
from alembic import op

revision: str = '0007_gates_trail'
down_revision: str | None = '0006_privacy_figures'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MESSAGE = "the audit trail is append-only"
WIDENED = (
    ('reviewgate', 'escalate_to'),
    ('gatereview', 'escalate_to'),
    ('gatereview', 'decided_by'),
)


def _resize(length_from: int, length_to: int) -> None:
    for table, column in WIDENED:
        with op.batch_alter_table(table) as batch_op:
            batch_op.alter_column(
                column,
                existing_type=sqlmodel.sql.sqltypes.AutoString(length=length_from),
                type_=sqlmodel.sql.sqltypes.AutoString(length=length_to),
                existing_nullable=True,
            )


def upgrade() -> None:
    _resize(32, 64)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE TRIGGER auditentry_no_truncate BEFORE TRUNCATE ON auditentry "
            "FOR EACH STATEMENT EXECUTE FUNCTION auditentry_append_only()"
        )
        op.execute(
            "CREATE FUNCTION audithead_forward_only() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN IF TG_OP = 'DELETE' OR NEW.seq < OLD.seq THEN RAISE EXCEPTION '{MESSAGE}';"
            " END IF; RETURN NEW; END $$"
        )
        op.execute(
            "CREATE TRIGGER audithead_forward_only BEFORE UPDATE OR DELETE ON audithead "
            "FOR EACH ROW EXECUTE FUNCTION audithead_forward_only()"
        )
        op.execute(
            "CREATE TRIGGER audithead_no_truncate BEFORE TRUNCATE ON audithead "
            "FOR EACH STATEMENT EXECUTE FUNCTION auditentry_append_only()"
        )
        return
    op.execute(
        "CREATE TRIGGER audithead_no_rewind BEFORE UPDATE ON audithead WHEN NEW.seq < OLD.seq "
        f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
    )
    op.execute(
        "CREATE TRIGGER audithead_no_delete BEFORE DELETE ON audithead "
        f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audithead_no_truncate ON audithead")
        op.execute("DROP TRIGGER IF EXISTS audithead_forward_only ON audithead")
        op.execute("DROP FUNCTION IF EXISTS audithead_forward_only()")
        op.execute("DROP TRIGGER IF EXISTS auditentry_no_truncate ON auditentry")
    else:
        op.execute("DROP TRIGGER IF EXISTS audithead_no_delete")
        op.execute("DROP TRIGGER IF EXISTS audithead_no_rewind")
    _resize(64, 32)
