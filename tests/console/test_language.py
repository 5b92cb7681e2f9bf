"""The console's language: Chinese unless the browser asks for English, and the header's switch
(a ``lang`` cookie) over both. The player pages keep following Accept-Language alone."""

from __future__ import annotations

import re

import pytest

ENGLISH = {"Accept-Language": "en-US,en;q=0.9"}
CHINESE = {"Accept-Language": "zh-CN,zh;q=0.9"}

pytestmark = pytest.mark.one_database  # nothing SQL-specific


def _lang(page: str) -> str:
    return re.search(r'<html lang="([^"]+)"', page).group(1)


def _switch(page: str) -> str:
    return re.search(r'id="lang-switch"[^>]*href="([^"]+)"', page).group(1).replace("&amp;", "&")


def test_the_console_is_chinese_by_default_and_english_when_asked(app):
    client = app.test_client()
    default = client.get("/admin/login").get_data(as_text=True)
    assert _lang(default) == "zh-CN" and "<h1>登录</h1>" in default and "Sign in" not in default
    french = client.get("/admin/login", headers={"Accept-Language": "fr-FR,fr"})
    assert "<h1>登录</h1>" in french.get_data(as_text=True)  # nothing matches: Chinese
    english = client.get("/admin/login", headers=ENGLISH).get_data(as_text=True)
    assert _lang(english) == "en" and "<h1>Sign in</h1>" in english and "登录" not in english


def test_signed_in_pages_follow_the_language(marketer, factory):
    campaign = factory.campaign(status="draft")
    zh = marketer.get(f"/admin/campaigns/{campaign.id}").get_data(as_text=True)
    en = marketer.get(f"/admin/campaigns/{campaign.id}", headers=ENGLISH).get_data(as_text=True)
    assert "概览" in zh and "草稿" in zh and "可验证的抽奖" in zh
    assert "Overview" in en and "draft" in en and "Verifiable draws" in en
    assert "Overview" not in zh and "概览" not in en


def test_the_switch_overrides_the_browser_and_returns_to_the_page(marketer):
    page = marketer.get("/admin/redeem", headers=CHINESE).get_data(as_text=True)
    assert "核销台" in page
    switch = _switch(page)
    assert switch.startswith("/admin/language/en?next=/admin/redeem")
    response = marketer.get(switch, headers=CHINESE)
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/redeem")
    assert "lang=en" in response.headers["Set-Cookie"]
    english = marketer.get("/admin/redeem", headers=CHINESE).get_data(as_text=True)
    assert _lang(english) == "en" and "Redemption desk" in english and "核销台" not in english
    back = _switch(english)
    assert back.startswith("/admin/language/zh?")
    marketer.get(back, headers=ENGLISH)
    chinese = marketer.get("/admin/redeem", headers=ENGLISH).get_data(as_text=True)
    assert _lang(chinese) == "zh-CN" and "核销台" in chinese


def test_the_switch_works_before_sign_in_and_refuses_what_it_does_not_know(app):
    client = app.test_client()
    response = client.get("/admin/language/en?next=/admin/login")
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/login")
    assert "<h1>Sign in</h1>" in client.get("/admin/login").get_data(as_text=True)
    assert client.get("/admin/language/fr").status_code == 404
    outside = client.get("/admin/language/zh?next=//evil.example/")
    assert outside.headers["Location"].endswith("/admin/")  # never an open redirect
    client.set_cookie("lang", "fr")  # a value the console does not speak: Accept-Language
    assert "<h1>登录</h1>" in client.get("/admin/login").get_data(as_text=True)


def test_messages_from_the_views_are_translated(app):
    client = app.test_client()
    token = re.search(
        r'name="csrf_token" value="([^"]+)"', client.get("/admin/login").get_data(as_text=True)
    ).group(1)
    form = {"username": "nobody", "password": "x" * 12, "csrf_token": token}
    assert "用户名或密码错误。" in client.post("/admin/login", data=form).get_data(as_text=True)
    english = client.post("/admin/login", data=form, headers=ENGLISH).get_data(as_text=True)
    assert "Wrong username or password." in english


def test_the_console_cookie_does_not_change_the_player_pages(factory):
    campaign = factory.campaign()
    client = factory.signed_in(factory.player())
    client.set_cookie("lang", "en")
    page = client.get(f"/h5/{campaign.id}/").get_data(as_text=True)
    assert _lang(page) == "zh-CN" and "活动规则" in page
    english = client.get(f"/h5/{campaign.id}/", headers=ENGLISH).get_data(as_text=True)
    assert _lang(english) == "en" and "Rules" in english
