"""subscription notice consent, claim reminders, campaign ended_at

Revision ID: f6a7b8c9d0e1
Revises: e5f1a2b3c4d6
Create Date: 2026-12-01 21:40:00.000000

"""
import json

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f6a7b8c9d0e1'
down_revision = 'e5f1a2b3c4d6'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('campaign', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ended_at', sa.DateTime(), nullable=True))
    with op.batch_alter_table('claim', schema=None) as batch_op:
        batch_op.add_column(sa.Column('shipping_channel', sa.String(length=10), nullable=True))
    op.create_table(
        'notice_consent',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('openid', sa.String(length=64), nullable=False),
        sa.Column('template_id', sa.String(length=128), nullable=False),
        sa.Column('status', sa.String(length=8), nullable=False),
        sa.Column('source', sa.String(length=8), nullable=False),
        sa.Column('changed_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_notice_consent')),
        sa.UniqueConstraint(
            'openid', 'template_id', name=op.f('uq_notice_consent_openid_template_id')
        ),
    )
    op.create_table(
        'claim_reminder',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('win_id', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=40), nullable=False),
        sa.Column('channel', sa.String(length=10), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('sent_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['win_id'], ['win.id'], name=op.f('fk_claim_reminder_win_id_win')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_claim_reminder')),
        sa.UniqueConstraint('win_id', name=op.f('uq_claim_reminder_win_id')),
    )
    _backfill_ended_at()


def _backfill_ended_at():
    """Campaigns ended before this column existed: when the audit log says they were ended."""
    connection = op.get_bind()
    rows = connection.execute(
        sa.text(
            "SELECT a.campaign_id, a.after, a.created_at FROM audit_entry a "
            "JOIN campaign c ON c.id = a.campaign_id "
            "WHERE c.status = 'ended' AND a.action = 'status' ORDER BY a.id"
        )
    ).all()
    ended = {}
    for campaign_id, after, created_at in rows:
        after = json.loads(after) if isinstance(after, str) else after
        if (after or {}).get('status') == 'ended':
            ended[campaign_id] = created_at
    for campaign_id, created_at in ended.items():
        connection.execute(
            sa.text("UPDATE campaign SET ended_at = :at WHERE id = :id"),
            {"at": created_at, "id": campaign_id},
        )


def downgrade():
    op.drop_table('claim_reminder')
    op.drop_table('notice_consent')
    with op.batch_alter_table('claim', schema=None) as batch_op:
        batch_op.drop_column('shipping_channel')
    with op.batch_alter_table('campaign', schema=None) as batch_op:
        batch_op.drop_column('ended_at')
