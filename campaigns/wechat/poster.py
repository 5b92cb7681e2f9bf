"""A printable poster of a campaign: its title, dates and keyword in its colours around its
WeChat QR code, as PNG or PDF, A4 (for stores and events) or phone-sized (for chat groups).

Drawn with Pillow, so a poster needs no browser and no designer: the marketer prints it as it
comes. Chinese needs a CJK font: ``POSTER_FONT`` names one, else the first of ``FONT_PATHS``
that exists (Debian's fonts-noto-cjk); without one the words fall back to Pillow's own font,
which has no Chinese glyphs (the README says so). The words themselves come from the caller in
the campaign's language (the web layer translates them): this module only lays them out.
"""

from __future__ import annotations

import io
import ipaddress
import os
import socket
from dataclasses import dataclass
from functools import cache
from urllib.parse import urlsplit

import requests
import segno
from PIL import Image, ImageColor, ImageDraw, ImageFont

from campaigns.wechat.qr import CampaignQr

# Pixels: A4 at 300 dpi, and a 1080 × 1920 phone screen.
SIZES = {"a4": (2480, 3508), "phone": (1080, 1920)}
DPI = {"a4": 300, "phone": 144}
FONT_PATHS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Bold.ttc",
)
DEFAULT_PRIMARY = "#E8452C"
DEFAULT_BACKGROUND = "#FFF6E5"
KINDS = {"png": "image/png", "pdf": "application/pdf"}
# The banner is fetched from the marketer's URL when the poster is drawn: at most this much,
# this fast, and (unless ``private_ok``) only from a public address, so the URL cannot make
# the server read its own network (request forgery). A banner that fails is left out.
BANNER_BYTES = 5 * 2**20
BANNER_SECONDS = 3.0


@dataclass(frozen=True)
class PosterWords:
    """What the poster says, already in the campaign's language."""

    title: str
    dates: str
    scan: str  # under the code: "scan with WeChat to play"
    keyword: str | None  # "or reply GO to the account", when the campaign has a keyword
    rules: str = ""  # the campaign's rules, as many lines as the page has room for


@cache
def font_path(configured: str | None = None) -> str | None:
    for path in (configured, *FONT_PATHS):
        if path and os.path.exists(path):
            return path
    return None


def _public(host: str) -> bool:
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except OSError:
        return False
    return bool(addresses) and all(ipaddress.ip_address(a).is_global for a in addresses)


def fetch_banner(url: str | None, private_ok: bool = False) -> Image.Image | None:
    """The campaign's banner image, or None (no URL, not http(s), a private address, too big,
    too slow, not an image)."""
    parts = urlsplit(url or "")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    if not private_ok and not _public(parts.hostname):
        return None
    try:
        with requests.get(url, timeout=BANNER_SECONDS, stream=True, allow_redirects=False) as got:
            if got.status_code != 200:
                return None
            body = got.raw.read(BANNER_BYTES + 1, decode_content=True)
        if len(body) > BANNER_BYTES:
            return None
        image = Image.open(io.BytesIO(body))
        image.load()
        rgba = image.convert("RGBA")  # transparent parts on white, not black
        return Image.alpha_composite(Image.new("RGBA", rgba.size, "white"), rgba).convert("RGB")
    except (requests.RequestException, OSError, Image.DecompressionBombError):
        return None


def _font(path: str | None, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size) if path else ImageFont.load_default(size)


def _colour(value: str | None, default: str) -> tuple[int, int, int]:
    try:
        return ImageColor.getrgb(value or default)[:3]
    except ValueError:
        return ImageColor.getrgb(default)[:3]


def _lines(draw, text: str, font, width: int) -> list[str]:
    """``text`` broken into lines no wider than ``width``: by words where there are spaces,
    else by characters (Chinese has no spaces)."""
    lines, line = [], ""
    units = text.split(" ") if " " in text else list(text)
    joiner = " " if " " in text else ""
    for unit in units:
        candidate = f"{line}{joiner}{unit}" if line else unit
        if draw.textlength(candidate, font=font) <= width or not line:
            line = candidate
        else:
            lines.append(line)
            line = unit
    return [*lines, line] if line else lines


def _centred(draw, y: int, text: str, font, width: int, margin: int, fill, until=None) -> int:
    """Draw ``text`` centred from ``y``, wrapped, stopping before ``until``; returns the y below."""
    step = int(font.size * 1.45)
    for line in _lines(draw, text, font, width - 2 * margin):
        if until is not None and y + step > until:
            break
        left, top, right, _bottom = draw.textbbox((0, 0), line, font=font)
        draw.text(((width - (right - left)) / 2 - left, y - top), line, font=font, fill=fill)
        y += step
    return y


def render(
    qr: CampaignQr,
    look: dict | None,
    words: PosterWords,
    size: str = "a4",
    kind: str = "png",
    font: str | None = None,
    banner: Image.Image | None = None,
) -> bytes:
    """The poster as ``kind`` bytes. ``look``: the campaign's colours (``primary_color``,
    ``background_color``); ``font``: a font file to use before the defaults; ``banner``: the
    image for the top of the page (``fetch_banner``), else the title band alone."""
    width, height = SIZES[size]
    look = look or {}
    primary = _colour(look.get("primary_color"), DEFAULT_PRIMARY)
    background = _colour(look.get("background_color"), DEFAULT_BACKGROUND)
    path = font_path(font)
    unit = width // 100
    image = Image.new("RGB", (width, height), background)
    draw = ImageDraw.Draw(image)

    band = int(height * 0.24)
    draw.rectangle((0, 0, width, band), fill=primary)
    if banner is not None:  # the top of the page, cropped to its width, the title below it
        scaled = banner.resize((width, max(1, banner.height * width // banner.width)))
        strip = scaled.crop((0, 0, width, min(scaled.height, int(height * 0.22))))
        image.paste(strip, (0, 0))
        top = strip.height
        band = top + int(height * 0.1)
        draw.rectangle((0, top, width, band), fill=primary)
    else:
        top = 0
    title_font = _font(path, unit * 8)
    lines = _lines(draw, words.title, title_font, width - 12 * unit)
    block = len(lines) * int(title_font.size * 1.45)
    _centred(
        draw, top + (band - top - block) // 2, words.title, title_font, width, 6 * unit, "white"
    )

    y = band + 5 * unit
    y = _centred(draw, y, words.dates, _font(path, unit * 4), width, 6 * unit, "#3c3c3c")

    # The code on a white card, as large as the page allows, with the scan hint beneath.
    side = min(int(width * 0.62), height - y - 30 * unit)
    code = segno.make_qr(qr.url, error="m")
    buffer = io.BytesIO()
    code.save(buffer, kind="png", scale=max(1, side // code.symbol_size(border=2)[0]), border=2)
    picture = Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")
    picture = picture.resize((side, side), Image.NEAREST)
    top = y + 5 * unit
    card = (width - side) // 2 - 3 * unit, top - 3 * unit
    draw.rounded_rectangle(
        (card[0], card[1], width - card[0], top + side + 3 * unit),
        radius=3 * unit,
        fill="white",
        outline=primary,
        width=max(2, unit // 2),
    )
    image.paste(picture, ((width - side) // 2, top))
    y = top + side + 8 * unit
    y = _centred(draw, y, words.scan, _font(path, unit * 5), width, 6 * unit, primary)
    grey = "#3c3c3c"
    if words.keyword:
        y = _centred(draw, y + unit, words.keyword, _font(path, unit * 4), width, 6 * unit, grey)
    rules_font = _font(path, unit * 3)
    for paragraph in words.rules.splitlines():
        if paragraph.strip():
            y = _centred(
                draw, y + unit, paragraph, rules_font, width, 8 * unit, "#616e7c", height - 4 * unit
            )

    out = io.BytesIO()
    if kind == "pdf":
        image.save(out, format="PDF", resolution=DPI[size])
    else:
        image.save(out, format="PNG", dpi=(DPI[size], DPI[size]), optimize=True)
    return out.getvalue()
