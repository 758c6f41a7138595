"""qualities: the question asked about the new staff member at the co-evaluation check-ins

Revision ID: 0013_quality_check_in_question
Revises: 0012_decision_outcome_decided_at
Create Date: 2026-12-02 16:30:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0013_quality_check_in_question"
down_revision = "0012_decision_outcome_decided_at"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("quality", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("check_in_question", sa.Text(), server_default="", nullable=False)
        )


def downgrade():
    with op.batch_alter_table("quality", schema=None) as batch_op:
        batch_op.drop_column("check_in_question")
