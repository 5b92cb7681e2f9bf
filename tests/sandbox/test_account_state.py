"""The sandbox starts with what a real account has (followers from before, the brand's menu),
keeps it across restarts, puts it back on reset, and answers user/info, batchget and the menu
endpoints from it in WeChat's shapes and with WeChat's limits, through wechatpy as the app calls
WeChat."""

from __future__ import annotations

import threading

import pytest
from wechatpy.exceptions import WeChatClientException

from campaigns.wechat.clients import current_client
from devtools.sandbox import keys, state
from devtools.sandbox.app import create_sandbox_app
from devtools.sandbox.config import with_db
from devtools.sandbox.start_state import BEFORE_FOLLOWERS, BRAND_MENU


@pytest.fixture
def wechat(app, sandbox):
    """wechatpy's client, as the app makes it, talking to the sandbox's own server."""
    with app.test_request_context():
        yield current_client()


def test_reset_puts_the_start_state_back(sandbox, wechat):
    sandbox.phone("o-newcomer-01", "follow")
    sandbox.set_follower(BEFORE_FOLLOWERS[1], subscribe=False)
    wechat.menu.create({"button": [{"type": "click", "name": "Only", "key": "K"}]})
    assert wechat.user.get(BEFORE_FOLLOWERS[1])["subscribe"] == 0

    answer = sandbox.reset()
    assert answer["followers"] == len(BEFORE_FOLLOWERS) == 50
    assert answer["before_followers"][0] == "o-before-0001"
    assert answer["menu"] == BRAND_MENU
    assert sandbox.calls() == []  # the log starts again
    assert wechat.user.get(BEFORE_FOLLOWERS[1])["subscribe"] == 1
    assert wechat.user.get("o-newcomer-01")["subscribe"] == 0
    assert wechat.menu.get() == {
        "menu": {
            "button": [
                {**BRAND_MENU["button"][0], "sub_button": []},
                {
                    "name": "会员服务",
                    "sub_button": [
                        {**sub, "sub_button": []} for sub in BRAND_MENU["button"][1]["sub_button"]
                    ],
                },
            ]
        }
    }


def test_the_start_state_is_seeded_once_and_a_restart_keeps_the_state(redis_url):
    """Processes starting at once seed it once; a restart does not bring back an unfollower."""
    env = {"REDIS_URL": redis_url, "SANDBOX_REDIS_URL": with_db(redis_url, 3)}
    first = create_sandbox_app(env)
    store = first.extensions["sandbox_redis"]
    store.flushdb()
    threads = [threading.Thread(target=state.ensure_seeded, args=(store,)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert state.follower_count(store) == 50
    state.unfollow(store, BEFORE_FOLLOWERS[0])
    state.save_menu(store, {"button": [{"type": "click", "name": "Ours", "key": "K"}]})
    again = create_sandbox_app(env).extensions["sandbox_redis"]
    assert state.follower_count(again) == 49 and not state.is_follower(again, BEFORE_FOLLOWERS[0])
    assert state.load_menu(again)["button"][0]["name"] == "Ours"
    assert all(key.startswith(keys.PREFIX.encode()) for key in again.keys("*"))
    store.flushdb()


def test_the_sandbox_keeps_its_state_when_the_apps_redis_is_emptied(sandbox, wechat, redis):
    sandbox.set_follower("o-kept-000001", subscribe=True)
    redis.flushdb()  # what the app's tests (or a lost Redis of the app's) do
    assert wechat.user.get("o-kept-000001")["subscribe"] == 1
    assert wechat.user.get(BEFORE_FOLLOWERS[0])["subscribe"] == 1


def test_user_info_answers_from_the_sandboxs_followers(sandbox, wechat):
    before = wechat.user.get("o-before-0007")
    assert before["subscribe"] == 1 and before["openid"] == "o-before-0007"
    assert before["subscribe_time"] < 1767225600  # followed long before (2026)
    assert before["subscribe_scene"].startswith("ADD_SCENE_")
    assert "nickname" not in before  # WeChat stopped sending it in 2021

    sandbox.phone("o-before-0007", "unfollow")
    assert wechat.user.get("o-before-0007") == {"subscribe": 0, "openid": "o-before-0007"}
    assert wechat.user.get("o-never-followed")["subscribe"] == 0

    sandbox.phone("o-scanner-0001", "scan", scene="campaign-42")  # follows through the code
    scanned = wechat.user.get("o-scanner-0001")
    assert scanned["subscribe"] == 1 and scanned["qr_scene_str"] == "campaign-42"
    assert scanned["subscribe_scene"] == "ADD_SCENE_QR_CODE"

    sandbox.set_follower("o-while-down-1", subscribe=True)  # no event reached the app
    assert wechat.user.get("o-while-down-1")["subscribe"] == 1
    with pytest.raises(WeChatClientException) as refused:
        wechat.user.get("not-an-openid")
    assert refused.value.errcode == 40003


def test_batchget_takes_up_to_100_openids_and_refuses_more(sandbox, wechat):
    sandbox.set_follower(BEFORE_FOLLOWERS[3], subscribe=False)
    asked = [*BEFORE_FOLLOWERS, *(f"o-stranger-{n:04d}" for n in range(50))]
    answered = wechat.user.get_batch(asked)
    assert [user["openid"] for user in answered] == asked  # in the order asked
    following = {user["openid"] for user in answered if user["subscribe"] == 1}
    assert following == set(BEFORE_FOLLOWERS) - {BEFORE_FOLLOWERS[3]}
    assert answered[0]["subscribe_time"] and "subscribe_time" not in answered[3]

    with pytest.raises(WeChatClientException) as refused:
        wechat.user.get_batch([*asked, "o-one-too-many"])
    assert refused.value.errcode == 40032
    [call] = sandbox.calls("cgi-bin/user/info/batchget")[:1]
    assert call["errcode"] == 40032 and len(call["body"]["user_list"]) == 101


def test_get_current_selfmenu_info_in_its_documented_shape(sandbox, wechat):
    info = wechat.menu.get_menu_info()
    assert info["is_menu_open"] == 1
    site, group = info["selfmenu_info"]["button"]
    assert site == BRAND_MENU["button"][0]
    subs = BRAND_MENU["button"][1]["sub_button"]
    assert group == {"name": "会员服务", "sub_button": {"list": subs}}

    wechat.menu.delete()
    assert wechat.menu.get() is None  # wechatpy's answer to 46003 "menu no exist"
    assert wechat.menu.get_menu_info() == {"is_menu_open": 0, "selfmenu_info": {"button": []}}


def _sub(name: str = "子菜单", **extra) -> dict:
    return {"type": "click", "name": name, "key": "K", **extra}


AT_THE_LIMITS = {
    "button": [
        {"type": "view", "name": "A" * 16, "url": "https://x.example/" + "p" * 1006},
        {"name": "汉字五个字", "sub_button": [_sub("十" * 20) for _ in range(5)]},
        {"type": "click", "name": "四个汉字", "key": "k" * 128},
    ]
}


@pytest.mark.parametrize(
    ("menu", "errcode"),
    [
        ({"button": []}, 40016),
        ({"button": [_sub("a"), _sub("b"), _sub("c"), _sub("d")]}, 40016),
        ({"button": [{"name": "组", "sub_button": [_sub() for _ in range(6)]}]}, 40023),
        ({"button": [_sub("A" * 17)]}, 40018),
        ({"button": [_sub("六个汉字名字")]}, 40018),  # 18 bytes of UTF-8
        ({"button": [_sub("")]}, 40018),
        ({"button": [{"name": "组", "sub_button": [_sub("十" * 21)]}]}, 40025),
        ({"button": [{"type": "click", "name": "k"}]}, 40019),
        ({"button": [_sub(key="k" * 129)]}, 40019),
        ({"button": [{"name": "组", "sub_button": [{"type": "click", "name": "x"}]}]}, 40026),
        ({"button": [{"type": "view", "name": "v", "url": "https://x/" + "p" * 1015}]}, 40020),
        ({"button": [{"name": "组", "sub_button": [{"type": "view", "name": "v"}]}]}, 40027),
        ({"button": [{"type": "teleport", "name": "t", "key": "K"}]}, 40017),
        ({"button": [{"name": "组", "sub_button": [{"name": "x", "key": "K"}]}]}, 40024),
    ],
)
def test_menu_create_keeps_wechats_limits(sandbox, wechat, menu, errcode):
    with pytest.raises(WeChatClientException) as refused:
        wechat.menu.create(menu)
    assert refused.value.errcode == errcode
    assert wechat.menu.get_menu_info()["selfmenu_info"]["button"][0] == BRAND_MENU["button"][0]


def test_a_menu_at_the_limits_is_taken_and_shown_back(sandbox, wechat):
    assert len(AT_THE_LIMITS["button"][0]["url"].encode()) == 1024
    wechat.menu.create(AT_THE_LIMITS)
    shown = wechat.menu.get()["menu"]["button"]
    assert [b["name"] for b in shown] == ["A" * 16, "汉字五个字", "四个汉字"]
    assert len(shown[1]["sub_button"]) == 5 and shown[1]["sub_button"][0]["sub_button"] == []
