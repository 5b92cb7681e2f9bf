"""The custom menu as WeChat checks and shows it.

``menu/create`` refuses a menu outside WeChat's limits with WeChat's own error codes: 1 to 3
top-level buttons of at most 16 bytes (UTF-8), at most 5 buttons of 60 bytes in a sub-menu, keys
of 128 bytes and URLs of 1024. ``menu/get`` answers the menu as it was created (every button with
a ``sub_button`` list); ``get_current_selfmenu_info`` answers its other documented shape, where a
sub-menu is ``{"sub_button": {"list": [...]}}``.
"""

from __future__ import annotations

MAX_TOP = 3
MAX_SUB = 5
TOP_NAME_BYTES = 16
SUB_NAME_BYTES = 60
KEY_BYTES = 128
URL_BYTES = 1024
# The button types the sandbox knows: those sending the callback an event with a key, and view.
KEY_TYPES = (
    "click",
    "scancode_push",
    "scancode_waitmsg",
    "pic_sysphoto",
    "pic_photo_or_album",
    "pic_weixin",
    "location_select",
)
URL_TYPES = ("view",)

# WeChat's codes: (top-level, in a sub-menu)
_SIZE = ((40016, "invalid button size"), (40023, "invalid sub button size"))
_TYPE = ((40017, "invalid button type"), (40024, "invalid sub button type"))
_NAME = ((40018, "invalid button name size"), (40025, "invalid sub button name size"))
_KEY = ((40019, "invalid button key size"), (40026, "invalid sub button key size"))
_URL = ((40020, "invalid button url size"), (40027, "invalid sub button url size"))


class MenuRefused(Exception):
    def __init__(self, code: int, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def checked(menu) -> dict:
    """The menu as WeChat stores it (known fields only), or MenuRefused with WeChat's code."""
    buttons = menu.get("button") if isinstance(menu, dict) else None
    if not isinstance(buttons, list) or not 1 <= len(buttons) <= MAX_TOP:
        raise MenuRefused(*_SIZE[0])
    return {"button": [_button(button, level=0) for button in buttons]}


def _button(button, level: int) -> dict:
    if not isinstance(button, dict):
        raise MenuRefused(*_TYPE[level])
    name = button.get("name")
    limit = TOP_NAME_BYTES if level == 0 else SUB_NAME_BYTES
    if not isinstance(name, str) or not name or len(name.encode()) > limit:
        raise MenuRefused(*_NAME[level])
    subs = button.get("sub_button") or []
    if level == 0 and subs:
        if not isinstance(subs, list) or len(subs) > MAX_SUB:
            raise MenuRefused(*_SIZE[1])
        return {"name": name, "sub_button": [_button(sub, level=1) for sub in subs]}
    kind = button.get("type")
    if kind in KEY_TYPES:
        return {"type": kind, "name": name, "key": _text(button.get("key"), KEY_BYTES, _KEY[level])}
    if kind in URL_TYPES:
        return {"type": kind, "name": name, "url": _text(button.get("url"), URL_BYTES, _URL[level])}
    raise MenuRefused(*_TYPE[level])


def _text(value, limit: int, error: tuple[int, str]) -> str:
    if not isinstance(value, str) or not value or len(value.encode()) > limit:
        raise MenuRefused(*error)
    return value


def as_menu_get(menu: dict) -> dict:
    """``menu/get``: every button carries ``sub_button`` (empty for a leaf)."""

    def shown(button: dict) -> dict:
        return {**button, "sub_button": [shown(sub) for sub in button.get("sub_button", [])]}

    return {"menu": {"button": [shown(button) for button in menu["button"]]}}


def as_selfmenu_info(menu: dict | None) -> dict:
    """``get_current_selfmenu_info``: a sub-menu's buttons under ``sub_button.list``."""
    if menu is None:
        return {"is_menu_open": 0, "selfmenu_info": {"button": []}}

    def shown(button: dict) -> dict:
        if "sub_button" not in button:
            return button
        return {"name": button["name"], "sub_button": {"list": button["sub_button"]}}

    return {"is_menu_open": 1, "selfmenu_info": {"button": [shown(b) for b in menu["button"]]}}
