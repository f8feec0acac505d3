"""gates: the audit trail refuses TRUNCATE too, and its head never moves back

Revision ID: 0007_gates_trail
Revises: 0006_privacy_figures
Create Date: 2026-11-29 22:20:00

PostgreSQL's row triggers (0002_usecases) do not fire on TRUNCATE, so the owner of the
table could empty the trail without disabling anything; a statement trigger refuses it.
The head row (`audithead`) must advance on every append, but it never has to move back or
disappear: refusing that in the database means cutting entries off the end *and* rewinding
the head takes disabling triggers, which the chain then still shows (`audit --verify`).
"""
from collections.abc import Sequence

from alembic import op

revision: str = '0007_gates_trail'
down_revision: str | None = '0006_privacy_figures'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MESSAGE = "the audit trail is append-only"


def upgrade() -> None:
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
        return
    op.execute("DROP TRIGGER IF EXISTS audithead_no_delete")
    op.execute("DROP TRIGGER IF EXISTS audithead_no_rewind")
