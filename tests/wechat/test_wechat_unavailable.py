"""WeChat unreachable (its API address refuses connections): views that need it answer a JSON
503 the caller can retry, never a 500. Found by schemathesis on the QR endpoint."""

from __future__ import annotations


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
