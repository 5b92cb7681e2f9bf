"""The account's custom menu: the brand's own buttons kept as they are, the live campaigns in one
sub-menu of ours (``WECHAT_MENU_NAME``, 活动 by default).

**Reading.** The menu is read with ``get_current_selfmenu_info``, not ``menu/get``. WeChat's docs
say ``menu/get`` shows only a menu made through the API, while ``get_current_selfmenu_info`` shows
the menu in use however it was made (the API, or the Official Accounts Platform's website). A
menu the brand published on the website is therefore never taken for "no menu" and wiped. Its
answer has another shape (a sub-menu's buttons under ``sub_button.list``), turned here into the
shape ``menu/create`` takes. Buttons only the website can make (text, image, voice, video and
news replies) cannot be sent back through ``menu/create``. A menu holding them is refused, never
changed.

**Ours.** A view button opening one of our game pages, or a button whose key names a campaign
(``campaign-<id>``, which the callback's click handler answers). Every other button is the
brand's. A sync keeps the brand's buttons where they are, drops ours wherever they are, and puts
one sub-menu with the live campaigns where ours was (else last). With nothing live only our
sub-menu goes; the menu is deleted only when nothing at all is left (WeChat refuses an empty one).

**Limits.** WeChat takes 3 top-level buttons of 16 bytes and 5 buttons of 60 bytes in a sub-menu.
With the three top-level places taken by the brand, the sync is refused, naming them. With more
than five campaigns live, the five ending soonest get buttons and the others are named as left
out. We left them out rather than refuse, because a refusal would keep yesterday's menu, with
ended campaigns still in it and none of today's. The change is shown (``MenuPlan.diff``) before
it is applied, so whoever applies it sees who is left out. Names are cut to their byte limits.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
from dataclasses import dataclass

import requests
from sqlalchemy import select
from wechatpy.exceptions import WeChatClientException

from campaigns.core import urls
from campaigns.core.clock import utc_naive
from campaigns.core.errors import DomainError, ErrorCode
from campaigns.models import Campaign
from campaigns.models.campaign import Status
from campaigns.wechat.config import WeChatSettings
from campaigns.wechat.qr import SCENE

MAX_TOP = 3
MAX_SUB = 5
TOP_NAME_BYTES = 16
SUB_NAME_BYTES = 60
# menu/create's button types and the fields each carries besides type and name.
API_FIELDS = {
    **dict.fromkeys(
        (
            "click",
            "scancode_push",
            "scancode_waitmsg",
            "pic_sysphoto",
            "pic_photo_or_album",
            "pic_weixin",
            "location_select",
        ),
        ("key",),
    ),
    "view": ("url",),
    "miniprogram": ("url", "appid", "pagepath"),
    "media_id": ("media_id",),
    "view_limited": ("media_id",),
    "article_id": ("article_id",),
    "article_view_limited": ("article_id",),
}
WECHAT_DOWN = (WeChatClientException, requests.RequestException)


def clip(name: str, limit: int) -> str:
    """Cut a name to ``limit`` UTF-8 bytes without splitting a character."""
    return name.encode()[:limit].decode(errors="ignore")


def live_campaigns(session, now) -> list[Campaign]:
    """Live and inside their window, ending soonest first (the order the sub-menu keeps)."""
    moment = utc_naive(now)
    return list(
        session.scalars(
            select(Campaign)
            .where(
                Campaign.status == Status.LIVE.value,
                Campaign.starts_at <= moment,
                Campaign.ends_at > moment,
            )
            .order_by(Campaign.ends_at, Campaign.id)
        )
    )


@dataclass(frozen=True)
class MenuPlan:
    """A sync before it is applied: the top-level buttons now and after (``menu/create``'s
    shape; [] is no menu) and the live campaigns that found no place."""

    before: list[dict]
    after: list[dict]
    left_out: tuple[str, ...] = ()

    @property
    def changed(self) -> bool:
        return self.before != self.after

    @property
    def fingerprint(self) -> str:
        """Names this plan, so a confirmation applies the very change that was shown."""
        data = json.dumps([self.before, self.after], ensure_ascii=False, sort_keys=True)
        return hashlib.sha256(data.encode()).hexdigest()[:16]

    def diff(self) -> list[tuple[str, str]]:
        """Every line of the menu before and after: ``(" " | "-" | "+", text)``."""
        lines = difflib.ndiff(_lines(self.before), _lines(self.after))
        return [(line[0], line[2:]) for line in lines if line[0] in " -+"]

    def render(self) -> str:
        """The change as the CLI prints it: every line, marked, and who was left out."""
        if not self.before and not self.after:
            return "The account has no custom menu, and no campaign is live."
        head = "The custom menu changes (- goes, + comes):" if self.changed else "No change:"
        lines = [head, *(f"{mark} {text}" for mark, text in self.diff())]
        if self.left_out:
            lines.append(
                f"Left out ({len(self.left_out)}): WeChat allows {MAX_SUB} buttons in a sub-menu, "
                "and the campaigns ending soonest have them: " + ", ".join(self.left_out)
            )
        return "\n".join(lines)


def _lines(buttons: list[dict]) -> list[str]:
    lines = []
    for button in buttons:
        if "sub_button" in button:
            lines.append(f"{button['name']} ▾")
            lines.extend(f"    {_leaf(sub)}" for sub in button["sub_button"])
        else:
            lines.append(_leaf(button))
    return lines


def _leaf(button: dict) -> str:
    if button.get("url"):
        return f"{button['name']} → {button['url']}"
    target = next((button[f] for f in API_FIELDS.get(button["type"], ()) if button.get(f)), "")
    return f"{button['name']} ({button['type']} {target})"


def plan(session, client, settings: WeChatSettings, now, group_name: str) -> MenuPlan:
    """What a sync would do now; DomainError (409) when it cannot be done, naming why."""
    if not group_name or len(group_name.encode()) > TOP_NAME_BYTES:
        raise _refused(
            f"The campaigns' sub-menu name {group_name!r} must be 1 to {TOP_NAME_BYTES} bytes "
            "(WECHAT_MENU_NAME; a Chinese character takes 3)."
        )
    before = current_buttons(client)
    after, left_out = arrange(before, live_campaigns(session, now), settings, group_name)
    return MenuPlan(before, after, left_out)


def apply(client, planned: MenuPlan) -> None:
    """Push the planned menu (nothing when nothing changes)."""
    if not planned.changed:
        return
    try:
        if planned.after:
            client.menu.create({"button": planned.after})
        else:
            client.menu.delete()
    except WECHAT_DOWN as exc:
        raise _wechat_failed("change", exc) from exc


def current_buttons(client) -> list[dict]:
    """The menu in use, however it was made, in ``menu/create``'s shape ([] for none)."""
    try:
        info = client.menu.get_menu_info()
    except WECHAT_DOWN as exc:
        raise _wechat_failed("read", exc) from exc
    return buttons_in_use(info)


def buttons_in_use(info: dict | None) -> list[dict]:
    """``get_current_selfmenu_info``'s answer as ``menu/create`` takes buttons; a menu with
    buttons only the website can make is refused (409), never half kept."""
    buttons = [_listed(b) for b in ((info or {}).get("selfmenu_info") or {}).get("button") or []]
    leaves = [leaf for b in buttons for leaf in (b["sub_button"] if "type" not in b else [b])]
    website_only = [
        f"{b.get('name')} ({b.get('type')})" for b in leaves if b.get("type") not in API_FIELDS
    ]
    if website_only:
        raise _refused(
            "The menu was published on the Official Accounts Platform with buttons the API "
            f"cannot make again ({', '.join(website_only)}); a sync would lose them. Give them "
            "an API type there (a link, or a click key), or add the campaigns' links by hand."
        )
    return [
        {"name": b["name"], "sub_button": [_api(sub) for sub in b["sub_button"]]}
        if "type" not in b
        else _api(b)
        for b in buttons
    ]


def _listed(button: dict) -> dict:
    """A sub-menu (a button without a type) with its buttons as a list: this endpoint nests
    them under ``sub_button.list``."""
    if "type" in button:
        return button
    subs = button.get("sub_button")
    return {**button, "sub_button": (subs.get("list") if isinstance(subs, dict) else subs) or []}


def _api(button: dict) -> dict:
    """A button as menu/create takes it: its type's own fields, nothing the endpoint added."""
    fields = API_FIELDS[button["type"]]
    return {
        "type": button["type"],
        "name": button["name"],
        **{f: button[f] for f in fields if f in button},
    }


def is_ours(button: dict, settings: WeChatSettings) -> bool:
    """A button opening one of our game pages, or keyed to one of our campaigns."""
    if "sub_button" in button:
        return False
    games = re.escape(settings.public_base_url) + urls.GAME_PATH.pattern
    return bool(re.match(games, button.get("url") or "") or SCENE.match(button.get("key") or ""))


def arrange(
    before: list[dict], campaigns: list[Campaign], settings: WeChatSettings, group_name: str
) -> tuple[list[dict], tuple[str, ...]]:
    """(the buttons after the sync, the names of live campaigns left out)."""
    kept, ours_at = [], None
    for button in before:
        if "sub_button" in button:
            subs = [sub for sub in button["sub_button"] if not is_ours(sub, settings)]
            if subs:
                kept.append({**button, "sub_button": subs})
                continue
        elif not is_ours(button, settings):
            kept.append(button)
            continue
        if ours_at is None:  # a sub-menu of ours only, or a top-level button of ours
            ours_at = len(kept)
    shown, left_out = campaigns[:MAX_SUB], tuple(c.name for c in campaigns[MAX_SUB:])
    if not shown:
        return kept, ()
    if len(kept) >= MAX_TOP:
        names = ", ".join(button["name"] for button in kept)
        raise _refused(
            f"The menu has no room for the campaigns' sub-menu {group_name}: WeChat allows "
            f"{MAX_TOP} top-level buttons and the brand's own take all of them ({names}). "
            "Free one on the Official Accounts Platform (move it into a sub-menu), then sync."
        )
    group = {
        "name": group_name,
        "sub_button": [
            {
                "type": "view",
                "name": clip(campaign.name, SUB_NAME_BYTES),
                "url": settings.game_url(campaign.id),
            }
            for campaign in shown
        ],
    }
    at = len(kept) if ours_at is None else ours_at
    return [*kept[:at], group, *kept[at:]], left_out


def _refused(message: str) -> DomainError:
    return DomainError(ErrorCode.CONFLICT, message, {"menu": [message]})


def _wechat_failed(action: str, exc: Exception) -> DomainError:
    """WeChat's code, never the exception's text (a failed token fetch's holds the secret)."""
    errcode = getattr(exc, "errcode", None)
    if errcode is None:
        message = (
            f"WeChat is unreachable ({type(exc).__name__}) and could not {action} the custom "
            "menu; the menu was not changed. Try again."
        )
    else:
        message = (
            f"WeChat could not {action} the custom menu (errcode {errcode}); the menu was not "
            "changed. Try again."
        )
    return DomainError(ErrorCode.UNAVAILABLE, message)
