"""WeChat unreachable (its API address refuses connections): views that need it answer a JSON
503 the caller can retry, never a 500 (found by schemathesis on the QR endpoint), and the CLI
says so in one line."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.live_server import ROOT


def test_qr_code_when_wechat_is_unreachable(factory, client):
    campaign = factory.campaign()
    token = factory.token("analyst")
    for suffix in ("png", "svg"):
        response = client.get(
            f"/api/campaigns/{campaign.id}/qr.{suffix}",
            headers={"Authorization": f"Bearer {token}"},
        )
        assert response.status_code == 503
        assert response.json["error"] == "unavailable"
        assert "WeChat" in response.json["message"]


def test_menu_sync_with_wechat_unreachable_says_so_in_one_line(factory, app, tmp_path):
    """The command as an operator runs it: one clear line, a non-zero exit, no traceback."""
    factory.campaign()
    env = {
        **os.environ,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "REDIS_URL": app.config["REDIS_URL"],
        "INSTANCE_PATH": str(tmp_path),
        "WECHAT_API_BASE_URL": "http://127.0.0.1:9/",  # a closed port: refused at once
    }
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "menu", "sync"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert done.stdout == "" and "Traceback" not in done.stderr
    assert done.stderr.splitlines() == [
        "Error: WeChat is unreachable (ConnectionError) and could not read the custom menu; "
        "the menu was not changed. Try again."
    ]
