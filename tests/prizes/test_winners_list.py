"""The game page's latest winners: only when the campaign shows them, masked, from SQL's wins,
cached for a few seconds (a new win appears once the cache lapses)."""

from __future__ import annotations

from campaigns.prizes import keys
from tests.prizes.helpers import KINDS, auth, win_of


def test_the_latest_winners_are_listed_masked_and_cached(factory, clock, client, app):
    campaign = factory.campaign(prizes=KINDS)
    winner = factory.player("o-winner-ab12cd34")
    win_of(campaign, campaign.prizes[2], winner, clock.now())
    page = factory.signed_in(factory.player())
    assert 'id="winners"' not in page.get(f"/h5/{campaign.id}/").text  # off by default
    switched = client.patch(
        f"/api/campaigns/{campaign.id}",
        json={"show_winners": True},
        headers=auth(factory.token("marketer")),
    )
    assert switched.status_code == 200 and switched.json["show_winners"] is True
    shown = page.get(f"/h5/{campaign.id}/").text
    assert "o***4" in shown and "Coupon" in shown and "o-winner-ab12cd34" not in shown
    win_of(campaign, campaign.prizes[0], factory.player("o-second-winner-9"), clock.now())
    assert "o***9" not in page.get(f"/h5/{campaign.id}/").text  # the cached list
    app.extensions["redis"]["main"].delete(keys.latest_winners(campaign.id))  # as if it lapsed
    assert "o***9" in page.get(f"/h5/{campaign.id}/").text
