"""The models' declarative base: plain SQLAlchemy, so the domain's tables know nothing of Flask.

Flask-SQLAlchemy's ``db`` (campaigns/web/extensions.py) is built on it (``model_class=Model``):
the same metadata, so ``db.create_all``, migrations and the app's sessions see every table.
"""

from __future__ import annotations

from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Named constraints so migrations are stable on SQLite and PostgreSQL alike.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Model(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
