"""Fixtures of the live-server suite: a database per module (a fresh SQLite file, and a fresh
PostgreSQL database when TEST_DATABASE_URL is set) and the deployment helper."""

from __future__ import annotations

import os

import pytest

from tests.conftest import _backends, postgres_database_of_this_worker, skip_or_fail
from tests.live.deployment import Deployment


@pytest.fixture(scope="module", params=list(_backends()))
def database_url(request, tmp_path_factory):
    """Named as the suite's own database fixture, so ``one_database`` marks apply here too."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('live-db') / 'live.sqlite3'}"
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        skip_or_fail("TEST_DATABASE_URL is not set (PostgreSQL tests)")
    return postgres_database_of_this_worker(url, "_live")


def deploy(database_url: str, tmp_path_factory, name: str, **settings):
    """A module fixture's deployment (``yield from`` this): started, yielded, then stopped."""
    deployment = Deployment(tmp_path_factory.mktemp(name), database_url, settings)
    try:
        yield deployment.start()
    finally:
        deployment.stop()
