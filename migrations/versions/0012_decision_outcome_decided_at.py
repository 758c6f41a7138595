"""decisions by outcome and day: the insights page reads a period's appointments by index

Revision ID: 0012_decision_outcome_decided_at
Revises: 0011_audit_checkpoints
Create Date: 2026-12-02 15:20:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = "0012_decision_outcome_decided_at"
down_revision = "0011_audit_checkpoints"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("decision", schema=None) as batch_op:
        batch_op.create_index("ix_decision_outcome_decided_at", ["outcome", "decided_at"], unique=False)


def downgrade():
    with op.batch_alter_table("decision", schema=None) as batch_op:
        batch_op.drop_index("ix_decision_outcome_decided_at")
