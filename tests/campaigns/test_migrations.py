"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from campaigns.web.app import create_app
from campaigns.web.extensions import db
from tests.conftest import _overrides, reset_postgres_schema


def test_migrations_match_the_models(database_url, redis_url, tmp_path):
    if database_url.startswith("sqlite"):
        database_url = f"sqlite:///{tmp_path / 'migrated.sqlite3'}"
    app = create_app(_overrides(database_url, redis_url, tmp_path))
    with app.app_context():
        if database_url.startswith("postgresql"):
            reset_postgres_schema()
        upgrade()
        with db.engine.connect() as connection:
            diff = compare_metadata(MigrationContext.configure(connection), db.metadata)
        assert diff == []
        downgrade(revision="base")
        upgrade()
        if database_url.startswith("postgresql"):
            reset_postgres_schema()
            db.create_all()  # leave the shared test database as the other tests expect it
