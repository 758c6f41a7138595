"""audit chain: an append-only, hash-chained audit trail

Revision ID: 0010_audit_chain
Revises: 0009_insights
Create Date: 2026-12-02 05:00:00

Existing records are chained in the order they were written (by id), their hashes filled
in, and the triggers that refuse UPDATE and DELETE installed.
"""

from alembic import op
import sqlalchemy as sa

from recruit.core import audit
from recruit.core.time import UTCDateTime


# revision identifiers, used by Alembic.
revision = "0010_audit_chain"
down_revision = "0009_insights"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("audit_record", schema=None) as batch_op:
        batch_op.add_column(sa.Column("seq", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("payload_digest", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("redacted_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("redacted_by", sa.Integer(), nullable=True))

    records = sa.table(
        "audit_record",
        sa.column("id", sa.Integer()),
        sa.column("seq", sa.Integer()),
        sa.column("at", UTCDateTime()),
        sa.column("actor_id", sa.Integer()),
        sa.column("action", sa.String()),
        sa.column("subject_type", sa.String()),
        sa.column("subject_id", sa.Integer()),
        sa.column("vacancy_id", sa.Integer()),
        sa.column("before", sa.JSON()),
        sa.column("after", sa.JSON()),
        sa.column("payload_digest", sa.String()),
        sa.column("prev_hash", sa.String()),
        sa.column("hash", sa.String()),
    )
    bind = op.get_bind()
    prev = audit.GENESIS
    rows = bind.execute(sa.select(records).order_by(records.c.id)).all()
    for seq, row in enumerate(rows, start=1):
        digest = audit.payload_digest(row.before, row.after)
        values = dict(
            seq=seq,
            at=row.at,
            actor_id=row.actor_id,
            action=row.action,
            subject_type=row.subject_type,
            subject_id=row.subject_id,
            vacancy_id=row.vacancy_id,
            payload_digest=digest,
            prev_hash=prev,
        )
        prev = audit.chain_hash(**values)
        bind.execute(
            records.update()
            .where(records.c.id == row.id)
            .values(seq=seq, payload_digest=digest, prev_hash=values["prev_hash"], hash=prev)
        )

    with op.batch_alter_table("audit_record", schema=None) as batch_op:
        batch_op.alter_column("seq", existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column("payload_digest", existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column("prev_hash", existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column("hash", existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_audit_record_seq"), ["seq"])

    audit.install_guards(bind)


def downgrade():
    audit.drop_guards(op.get_bind())
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS audit_record_append_only()")
    with op.batch_alter_table("audit_record", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_audit_record_seq"), type_="unique")
        batch_op.drop_column("redacted_by")
        batch_op.drop_column("redacted_at")
        batch_op.drop_column("hash")
        batch_op.drop_column("prev_hash")
        batch_op.drop_column("payload_digest")
        batch_op.drop_column("seq")
