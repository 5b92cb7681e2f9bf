"""What the sandbox's account has before this server ever talks to it, as a real account does:
followers who followed long ago (this server never saw their follow events) and the brand's own
custom menu (buttons the brand made, which a menu sync must keep).

Tests import these constants; ``POST /control/reset`` puts exactly this back.
"""

from __future__ import annotations

# o-before-0001 .. o-before-0050: they followed before the server was deployed.
BEFORE_FOLLOWERS = tuple(f"o-before-{n:04d}" for n in range(1, 51))
# When they followed (2025-01-01 00:00 UTC, one an hour), and how: WeChat's subscribe_scene.
BEFORE_SINCE = 1735689600
BEFORE_SCENES = ("ADD_SCENE_SEARCH", "ADD_SCENE_ACCOUNT_MIGRATION", "ADD_SCENE_PROFILE_CARD")

BRAND_SITE = "https://brand.example.com/"
# The brand's own buttons: a view to its site, a sub-menu of its click keys (and a store link).
# Two top-level buttons, so one is left for the campaigns' sub-menu.
BRAND_MENU = {
    "button": [
        {"type": "view", "name": "品牌官网", "url": BRAND_SITE},
        {
            "name": "会员服务",
            "sub_button": [
                {"type": "click", "name": "会员卡", "key": "BRAND_MEMBER_CARD"},
                {"type": "click", "name": "联系客服", "key": "BRAND_CONTACT"},
                {"type": "view", "name": "门店查询", "url": BRAND_SITE + "stores"},
            ],
        },
    ]
}
BRAND_KEYS = ("BRAND_MEMBER_CARD", "BRAND_CONTACT")


def before_follower(index: int) -> dict:
    """What user/info says of the ``index``-th follower from before (0-based)."""
    return {
        "subscribe_time": BEFORE_SINCE + index * 3600,
        "subscribe_scene": BEFORE_SCENES[index % len(BEFORE_SCENES)],
        "qr_scene_str": "",
    }
