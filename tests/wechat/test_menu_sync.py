"""``flask --app wsgi menu sync``: the brand's own buttons survive, the live campaigns go into one
sub-menu, WeChat's limits are refused in our words, and nothing changes without ``--yes``.
Against the sandbox's own server, which starts with a brand's menu (start_state.BRAND_MENU)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from campaigns.core.errors import DomainError
from campaigns.web.extensions import db
from campaigns.wechat.clients import current_client
from campaigns.wechat.menu import buttons_in_use
from devtools.sandbox.start_state import BRAND_MENU

CREATE = "cgi-bin/menu/create"


@pytest.fixture
def wechat(app, sandbox):
    """wechatpy's client, as the app makes it, talking to the sandbox's own server."""
    with app.test_request_context():
        yield current_client()


def sync(app, *args):
    return app.test_cli_runner().invoke(args=["menu", "sync", *args])


def menu_now(wechat) -> list[dict]:
    """The menu as WeChat shows it, in menu/create's shape (the brand made it so)."""
    return buttons_in_use(wechat.menu.get_menu_info())


def view(campaign) -> dict:
    return {"type": "view", "name": campaign.name, "url": f"http://testserver/h5/{campaign.id}/"}


def live(factory, clock, name: str, days: int = 7):
    return factory.campaign(name=name, ends_at=clock.now() + timedelta(days=days))


def end(factory, campaign) -> None:
    factory.end_and_audit(campaign)
    db.session.refresh(campaign)


def test_the_brands_buttons_survive_a_sync_and_an_unsync(app, factory, clock, wechat, sandbox):
    wheel = live(factory, clock, "中秋大转盘", days=3)
    quiz = live(factory, clock, "国庆答题", days=5)

    synced = sync(app, "--yes")
    assert synced.exit_code == 0, synced.output
    assert menu_now(wechat) == [
        *BRAND_MENU["button"],
        {"name": "活动", "sub_button": [view(wheel), view(quiz)]},
    ]
    shown = synced.output.splitlines()
    assert "  品牌官网 → https://brand.example.com/" in shown  # kept: no mark
    assert "      会员卡 (click BRAND_MEMBER_CARD)" in shown
    assert "+ 活动 ▾" in shown and f"+     中秋大转盘 → http://testserver/h5/{wheel.id}/" in shown
    assert shown[-1] == "Applied."

    end(factory, wheel)
    end(factory, quiz)
    unsynced = sync(app, "--yes")
    assert unsynced.exit_code == 0, unsynced.output
    assert menu_now(wechat) == BRAND_MENU["button"]  # only our sub-menu went
    assert "- 活动 ▾" in unsynced.output.splitlines()
    assert [c["endpoint"] for c in sandbox.calls() if "menu/" in c["endpoint"]] == [CREATE, CREATE]


def test_without_yes_the_change_is_shown_and_nothing_changes(app, factory, clock, wechat, sandbox):
    campaign = live(factory, clock, "刮刮乐")
    shown = sync(app)
    assert shown.exit_code == 0, shown.output
    assert f"+     刮刮乐 → http://testserver/h5/{campaign.id}/" in shown.output.splitlines()
    assert shown.output.splitlines()[-1] == "Nothing changed yet: run again with --yes to apply."
    assert sandbox.calls(CREATE) == []
    assert menu_now(wechat) == BRAND_MENU["button"]

    assert sync(app, "--yes").exit_code == 0
    again = sync(app, "--yes")  # nothing left to change: WeChat is not called again
    assert again.output.startswith("No change:")
    assert len(sandbox.calls(CREATE)) == 1


def test_a_sync_replaces_our_old_buttons_where_they_were(app, factory, clock, wechat, sandbox):
    """Our buttons anywhere (the old sync's top-level ones, a link a brand sub-menu got) go; our
    sub-menu takes the place of the first of them; the brand's stay in their order."""
    ended = live(factory, clock, "旧活动")
    end(factory, ended)
    campaign = live(factory, clock, "新活动")
    card = {"type": "click", "name": "会员卡", "key": "BRAND_MEMBER_CARD"}
    wechat.menu.create(
        {
            "button": [
                BRAND_MENU["button"][0],
                view(ended),
                {
                    "name": "会员",
                    "sub_button": [
                        card,
                        {"type": "click", "name": "旧活动", "key": f"campaign-{ended.id}"},
                    ],
                },
            ]
        }
    )
    assert sync(app, "--yes").exit_code == 0
    assert menu_now(wechat) == [
        BRAND_MENU["button"][0],
        {"name": "活动", "sub_button": [view(campaign)]},
        {"name": "会员", "sub_button": [card]},
    ]


def test_no_free_top_level_place_is_refused_naming_the_brands_buttons(
    app, factory, clock, wechat, sandbox
):
    brand = [{"type": "click", "name": name, "key": f"BRAND_{name}"} for name in "甲乙丙"]
    wechat.menu.create({"button": brand})
    live(factory, clock, "转盘")
    sandbox.http.delete(f"{sandbox.url}/calls", timeout=10)

    refused = sync(app, "--yes")
    assert refused.exit_code == 1
    assert refused.output == (
        "Error: The menu has no room for the campaigns' sub-menu 活动: WeChat allows 3 top-level "
        "buttons and the brand's own take all of them (甲, 乙, 丙). Free one on the Official "
        "Accounts Platform (move it into a sub-menu), then sync.\n"
    )
    assert sandbox.calls(CREATE) == []
    assert menu_now(wechat) == brand


def test_more_than_five_live_campaigns_the_five_ending_soonest_get_buttons(
    app, factory, clock, wechat
):
    campaigns = [live(factory, clock, f"活动{n}", days=n) for n in (6, 1, 7, 2, 5, 3, 4)]
    synced = sync(app, "--yes")
    assert synced.exit_code == 0, synced.output
    soonest = sorted(campaigns, key=lambda c: c.ends_at)
    assert menu_now(wechat)[-1]["sub_button"] == [view(c) for c in soonest[:5]]
    assert (
        "Left out (2): WeChat allows 5 buttons in a sub-menu, and the campaigns ending soonest "
        "have them: 活动6, 活动7"
    ) in synced.output.splitlines()


def test_the_sub_menu_name_is_configurable_and_checked(app, factory, clock, wechat):
    live(factory, clock, "转盘")
    app.config["WECHAT_MENU_NAME"] = "限时福利"
    assert sync(app, "--yes").exit_code == 0
    assert menu_now(wechat)[-1]["name"] == "限时福利"

    app.config["WECHAT_MENU_NAME"] = "本周限时福利"  # 18 bytes: WeChat takes 16
    refused = sync(app, "--yes")
    assert refused.exit_code == 1
    assert "sub-menu name '本周限时福利' must be 1 to 16 bytes" in refused.output
    assert menu_now(wechat)[-1]["name"] == "限时福利"


def test_wechat_unreachable_is_one_line(app, factory, clock):
    """The suite's own app reaches no WeChat (a closed port)."""
    live(factory, clock, "转盘")
    failed = sync(app, "--yes")
    assert failed.exit_code == 1
    assert failed.output == (
        "Error: WeChat is unreachable (ConnectionError) and could not read the custom menu; "
        "the menu was not changed. Try again.\n"
    )


def test_a_menu_published_on_the_website_with_reply_buttons_is_refused_not_wiped():
    """get_current_selfmenu_info as WeChat documents a website menu: text and news replies
    cannot be sent back through menu/create, so no sync may touch such a menu."""
    website = {
        "is_menu_open": 1,
        "selfmenu_info": {
            "button": [
                {"type": "view", "name": "官网", "url": "https://brand.example.com/"},
                {
                    "name": "服务",
                    "sub_button": {
                        "list": [
                            {"type": "text", "name": "营业时间", "value": "每天 9:00-21:00"},
                            {"type": "news", "name": "新品", "value": "MEDIA", "news_info": {}},
                        ]
                    },
                },
            ]
        },
    }
    with pytest.raises(DomainError) as refused:
        buttons_in_use(website)
    assert refused.value.status == 409
    assert "(营业时间 (text), 新品 (news))" in refused.value.message
    assert buttons_in_use({"is_menu_open": 0, "selfmenu_info": {"button": []}}) == []
