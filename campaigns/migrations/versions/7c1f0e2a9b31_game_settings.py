"""the game's own settings move from campaign columns to campaign.game_settings

The quiz's questions_per_attempt, pass_score and quiz_seconds become keys of one JSON column
that the game's own schema checks; existing values move with them (and back on downgrade).

Revision ID: 7c1f0e2a9b31
Revises: b7e1c2d3a4f5
Create Date: 2026-12-01 16:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7c1f0e2a9b31'
down_revision = 'b7e1c2d3a4f5'
branch_labels = None
depends_on = None

MOVED = ('questions_per_attempt', 'pass_score', 'quiz_seconds')


def _campaigns(*columns):
    return sa.table('campaign', sa.column('id', sa.Integer), *columns)


def upgrade():
    with op.batch_alter_table('campaign', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('game_settings', sa.JSON(), server_default='{}', nullable=False)
        )
    bind = op.get_bind()
    old = _campaigns(*(sa.column(name, sa.Integer) for name in MOVED))
    new = _campaigns(sa.column('game_settings', sa.JSON))
    for row in bind.execute(sa.select(old)).mappings().all():
        settings = {name: row[name] for name in MOVED if row[name] is not None}
        if settings:
            bind.execute(new.update().where(new.c.id == row['id']).values(game_settings=settings))
    with op.batch_alter_table('campaign', schema=None) as batch_op:
        for name in MOVED:
            batch_op.drop_column(name)


def downgrade():
    with op.batch_alter_table('campaign', schema=None) as batch_op:
        for name in MOVED:
            batch_op.add_column(sa.Column(name, sa.Integer(), nullable=True))
    bind = op.get_bind()
    new = _campaigns(sa.column('game_settings', sa.JSON))
    old = _campaigns(*(sa.column(name, sa.Integer) for name in MOVED))
    for row in bind.execute(sa.select(new)).mappings().all():
        values = {name: (row['game_settings'] or {}).get(name) for name in MOVED}
        if any(value is not None for value in values.values()):
            bind.execute(old.update().where(old.c.id == row['id']).values(**values))
    with op.batch_alter_table('campaign', schema=None) as batch_op:
        batch_op.drop_column('game_settings')
