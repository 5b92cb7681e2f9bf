"""staff who verify codes from their phones

Revision ID: d9a3b7c5e2f4
Revises: c4d8e2f1a6b9
Create Date: 2026-12-01 19:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd9a3b7c5e2f4'
down_revision = 'c4d8e2f1a6b9'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'staff',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('openid', sa.String(length=64), nullable=False),
        sa.Column('name', sa.String(length=40), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('bound_at', sa.DateTime(), nullable=False),
        sa.Column('invited_by', sa.String(length=80), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_staff')),
        sa.UniqueConstraint('openid', name=op.f('uq_staff_openid')),
    )
    op.create_table(
        'staff_invite',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('name', sa.String(length=40), nullable=False),
        sa.Column('created_by', sa.String(length=80), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.Column('used_at', sa.DateTime(), nullable=True),
        sa.Column('staff_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_staff_invite_staff_id_staff')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_invite')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_staff_invite_token_hash')),
    )


def downgrade():
    op.drop_table('staff_invite')
    op.drop_table('staff')
