"""audit checkpoints: where the audit trail's head was at each daily check

Revision ID: 0011_audit_checkpoints
Revises: 0010_audit_chain
Create Date: 2026-12-02 10:37:25.741690

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0011_audit_checkpoints"
down_revision = "0010_audit_chain"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "audit_checkpoint",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("record_count", sa.Integer(), nullable=False),
        sa.Column("problem", sa.Text(), nullable=True),
        sa.Column("problem_key", sa.String(length=64), nullable=True),
        sa.Column("admins_told", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_checkpoint")),
    )


def downgrade():
    op.drop_table("audit_checkpoint")
