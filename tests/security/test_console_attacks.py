"""Console attacks not covered by tests/console: passwords at rest, a CSRF token lifted from
another session, and the error page working under the strict CSP (no javascript: links)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from campaigns.management import users
from campaigns.models import AdminUser, Campaign
from campaigns.web.extensions import db
from tests.console.conftest import PASSWORD, csrf_token


@pytest.fixture
def signed_in(app, clock):
    def make(username: str, role: str = "marketer"):
        users.create_user(db.session, username, role, PASSWORD, clock.now())
        client = app.test_client()
        response = client.post(
            "/admin/login",
            data={"username": username, "password": PASSWORD, "csrf_token": csrf_token(client)},
        )
        assert response.status_code == 302
        return client

    return make


def test_passwords_are_stored_with_a_slow_salted_hash(app, clock):
    users.create_user(db.session, "mia", "marketer", PASSWORD, clock.now())
    users.create_user(db.session, "max", "marketer", PASSWORD, clock.now())
    stored = db.session.scalars(select(AdminUser.password_hash)).all()
    assert all(h.startswith(("scrypt:", "pbkdf2:")) for h in stored), stored
    assert all(PASSWORD not in h for h in stored)
    assert stored[0] != stored[1]  # salted: the same password, two hashes


def test_a_csrf_token_from_another_session_is_refused(app_on, redis_url, signed_in):
    victim = signed_in("mia")
    # The attacker's own token, validly signed with the same key but bound to their session.
    # (Another app object: the test app's open context would hand out the victim's cached one.)
    attacker_token = csrf_token(app_on(redis_url).test_client())
    response = victim.post(
        "/admin/campaigns/new", data={"name": "Forged", "csrf_token": attacker_token}
    )
    assert response.status_code == 400
    assert db.session.scalar(select(Campaign)) is None


def test_the_error_page_links_back_without_script(signed_in):
    analyst = signed_in("ann", "analyst")
    token = csrf_token(analyst, "/admin/")
    response = analyst.post("/admin/campaigns/new", data={"csrf_token": token})
    assert response.status_code == 403
    html = response.get_data(as_text=True)
    assert "javascript:" not in html
    assert 'href="/admin/"' in html
