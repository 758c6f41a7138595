"""declarations say which candidates they covered; candidates keep why they withdrew

Revision ID: 0014_declared_about_withdrawal
Revises: 0013_quality_check_in_question
Create Date: 2026-12-07 14:30:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0014_declared_about_withdrawal"
down_revision = "0013_quality_check_in_question"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "declared_about",
        sa.Column("declaration_id", sa.Integer(), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["candidate_id"], ["candidate.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["declaration_id"], ["declaration.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("declaration_id", "candidate_id"),
    )
    # An earlier declaration covered the candidates of its vacancy that existed when it was made.
    op.execute(
        "INSERT INTO declared_about (declaration_id, candidate_id) "
        "SELECT declaration.id, candidate.id FROM declaration "
        "JOIN candidate ON candidate.vacancy_id = declaration.vacancy_id "
        "AND candidate.created_at <= declaration.made_at"
    )
    with op.batch_alter_table("candidate", schema=None) as batch_op:
        batch_op.add_column(sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("withdrawal_reason", sa.Text(), server_default="", nullable=False)
        )


def downgrade():
    with op.batch_alter_table("candidate", schema=None) as batch_op:
        batch_op.drop_column("withdrawal_reason")
        batch_op.drop_column("withdrawn_at")
    op.drop_table("declared_about")
