"""Console fixtures: users of each role and test clients signed in through the login form."""

from __future__ import annotations

import re

import pytest

from campaigns.management import users
from campaigns.web.extensions import db

PASSWORD = "correct horse battery"


def csrf_token(client, path: str = "/admin/login") -> str:
    page = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def sign_in(client, username: str, password: str = PASSWORD):
    return client.post(
        "/admin/login",
        data={"username": username, "password": password, "csrf_token": csrf_token(client)},
    )


@pytest.fixture
def make_user(app, clock):
    def make(username: str, role: str):
        return users.create_user(db.session, username, role, PASSWORD, clock.now())

    return make


@pytest.fixture
def marketer(app, make_user):
    """A test client signed in as a marketer, with its CSRF token at ``.csrf``."""
    make_user("mia", "marketer")
    client = app.test_client()
    assert sign_in(client, "mia").status_code == 302
    client.csrf = csrf_token(client, "/admin/")
    return client


@pytest.fixture
def analyst(app, make_user):
    make_user("ann", "analyst")
    client = app.test_client()
    assert sign_in(client, "ann").status_code == 302
    client.csrf = csrf_token(client, "/admin/")
    return client
