"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import json

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

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


def test_the_quiz_settings_move_to_game_settings_and_back(database_url, redis_url, tmp_path):
    """Existing campaigns keep their quiz settings through the move to ``game_settings``, and
    a downgrade puts them back in their columns."""
    if database_url.startswith("sqlite"):
        database_url = f"sqlite:///{tmp_path / 'moved.sqlite3'}"
    app = create_app(_overrides(database_url, redis_url, tmp_path))
    with app.app_context():
        if database_url.startswith("postgresql"):
            reset_postgres_schema()
        upgrade(revision="094e5ba0306d")
        columns = "name, game, status, starts_at, ends_at, timezone, rules, require_follow, look"
        with db.engine.begin() as connection:
            for name, game, quiz in (
                ("Quiz", "quiz", "3, 2, 60"),
                ("Wheel", "wheel", "NULL, NULL, NULL"),
            ):
                connection.execute(
                    text(
                        f"INSERT INTO campaign ({columns}, shards, created_at, updated_at, "
                        "questions_per_attempt, pass_score, quiz_seconds) VALUES (:name, "
                        ":game, 'draft', '2026-01-01', '2026-01-02', 'UTC', '', false, '{}', "
                        f"1, '2026-01-01', '2026-01-01', {quiz})"
                    ),
                    {"name": name, "game": game},
                )
        upgrade()
        moved = _rows("SELECT name, game_settings FROM campaign ORDER BY name")
        assert [(name, json_value(value)) for name, value in moved] == [
            ("Quiz", {"questions_per_attempt": 3, "pass_score": 2, "quiz_seconds": 60}),
            ("Wheel", {}),
        ]
        downgrade(revision="094e5ba0306d")
        back = _rows(
            "SELECT name, questions_per_attempt, pass_score, quiz_seconds FROM campaign "
            "ORDER BY name"
        )
        assert back == [("Quiz", 3, 2, 60), ("Wheel", None, None, None)]
        if database_url.startswith("postgresql"):
            reset_postgres_schema()
            db.create_all()  # leave the shared test database as the other tests expect it


def _rows(query: str) -> list[tuple]:
    with db.engine.connect() as connection:
        return [tuple(row) for row in connection.execute(text(query))]


def json_value(value):
    """A JSON column read by raw SQL: text on SQLite, already decoded on PostgreSQL."""
    return json.loads(value) if isinstance(value, str) else value
