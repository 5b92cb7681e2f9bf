"""prize kinds, claims and payouts

Revision ID: c4d8e2f1a6b9
Revises: 7c1f0e2a9b31
Create Date: 2026-12-01 18:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4d8e2f1a6b9'
down_revision = '7c1f0e2a9b31'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('prize', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('kind', sa.String(length=8), server_default='code', nullable=False)
        )
        batch_op.add_column(sa.Column('amount_fen', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('claim_days', sa.Integer(), nullable=True))
    with op.batch_alter_table('win', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expired_at', sa.DateTime(), nullable=True))
    op.create_table(
        'claim',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('win_id', sa.Integer(), nullable=False),
        sa.Column('campaign_id', sa.Integer(), nullable=False),
        sa.Column('sealed', sa.Text(), nullable=True),
        sa.Column('key_id', sa.String(length=16), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.Column('shipped_at', sa.DateTime(), nullable=True),
        sa.Column('courier', sa.String(length=40), nullable=True),
        sa.Column('tracking_number', sa.String(length=64), nullable=True),
        sa.Column('shipping_notice', sa.String(length=40), nullable=True),
        sa.Column('purged_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['campaign_id'], ['campaign.id'], name=op.f('fk_claim_campaign_id_campaign')),
        sa.ForeignKeyConstraint(['win_id'], ['win.id'], name=op.f('fk_claim_win_id_win')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_claim')),
        sa.UniqueConstraint('win_id', name=op.f('uq_claim_win_id')),
    )
    with op.batch_alter_table('claim', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_claim_campaign_id'), ['campaign_id'], unique=False)
    op.create_table(
        'payout',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('win_id', sa.Integer(), nullable=False),
        sa.Column('campaign_id', sa.Integer(), nullable=False),
        sa.Column('bill_no', sa.String(length=32), nullable=False),
        sa.Column('amount_fen', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('error', sa.String(length=200), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.Column('paid_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['campaign_id'], ['campaign.id'], name=op.f('fk_payout_campaign_id_campaign')),
        sa.ForeignKeyConstraint(['win_id'], ['win.id'], name=op.f('fk_payout_win_id_win')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_payout')),
        sa.UniqueConstraint('bill_no', name=op.f('uq_payout_bill_no')),
        sa.UniqueConstraint('win_id', name=op.f('uq_payout_win_id')),
    )
    with op.batch_alter_table('payout', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payout_campaign_id'), ['campaign_id'], unique=False)
        batch_op.create_index('ix_payout_status', ['status'], unique=False)


def downgrade():
    with op.batch_alter_table('payout', schema=None) as batch_op:
        batch_op.drop_index('ix_payout_status')
        batch_op.drop_index(batch_op.f('ix_payout_campaign_id'))
    op.drop_table('payout')
    with op.batch_alter_table('claim', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_claim_campaign_id'))
    op.drop_table('claim')
    with op.batch_alter_table('win', schema=None) as batch_op:
        batch_op.drop_column('expired_at')
    with op.batch_alter_table('prize', schema=None) as batch_op:
        batch_op.drop_column('claim_days')
        batch_op.drop_column('amount_fen')
        batch_op.drop_column('kind')
