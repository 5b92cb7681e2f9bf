"""The sandbox's own server as WeChat and WeChat Pay for the prizes' jobs (no app server)."""

from __future__ import annotations

import pytest

from tests.sandbox_client import SandboxClient, wechat_settings


@pytest.fixture
def wechat_sandbox(app, sandbox_server):
    handle = SandboxClient(sandbox_server.url)
    handle.reset()
    app.config.update(
        **wechat_settings(sandbox_server.url),
        WECHAT_PAY_BASE_URL=sandbox_server.url + "/",
        WECHAT_TIMEOUT_SECONDS=3,
    )
    return handle
