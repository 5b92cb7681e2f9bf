"""What the account says back: a campaign's game link, the welcome after a follow, and the help
a follower gets for a word no campaign answers to.

Replies are wechatpy's reply classes. wechatpy writes text into CDATA sections as it is, so a
"]]>" in a campaign name, a keyword or the welcome text would end the section early and WeChat
would get XML it cannot read (the follower sees nothing); ``Text`` writes such a terminator
across two sections instead, which an XML parser joins back into the same text.

A text reply's content is at most 2,048 bytes (WeChat's limit): lists of campaigns stop at the
last line that fits.
"""

from __future__ import annotations

from html import escape

from wechatpy.fields import StringField
from wechatpy.replies import TextReply

from campaigns.models import Campaign

MAX_CONTENT_BYTES = 2048
LIVE_HEADING = "正在进行的活动："
HELP_HEADING = "发送以下关键词，获取活动链接："
NO_KEYWORDS = "目前没有可用的关键词，请通过菜单参与活动。"
NOT_OPEN = {"zh": "「{name}」现在不在活动时间内。", "en": "“{name}” is not open right now."}


class CdataField(StringField):
    """wechatpy's string field, safe for any text: "]]>" is split across two CDATA sections."""

    def to_xml(self, value):
        text = self.converter(value).replace("]]>", "]]]]><![CDATA[>")
        return f"<{self.name}><![CDATA[{text}]]></{self.name}>"


class Text(TextReply):
    source = CdataField("FromUserName")
    target = CdataField("ToUserName")
    content = CdataField("Content")


def link(campaign: Campaign, url: str) -> str:
    """The campaign's name as a link to its game page (WeChat shows ``<a>`` in text replies)."""
    return f'<a href="{escape(url)}">{escape(campaign.name, quote=False)}</a>'


def not_open(campaign: Campaign) -> str:
    return NOT_OPEN[campaign.language].format(name=escape(campaign.name, quote=False))


def welcome(text: str, lines: list[str]) -> str:
    """The configured welcome, then a line per live campaign (``lines``, first things first)."""
    return _fit([text, LIVE_HEADING, *lines] if lines else [text])


def help_text(words: list[tuple[str, Campaign]]) -> str:
    """Which keywords answer now, each with its campaign's name."""
    if not words:
        return NO_KEYWORDS
    lines = [f"{escape(word, quote=False)}（{escape(c.name, quote=False)}）" for word, c in words]
    return _fit([HELP_HEADING, *lines])


def _fit(lines: list[str]) -> str:
    """As many whole lines as fit WeChat's limit (the first is always kept)."""
    kept = [lines[0]]
    size = len(lines[0].encode())
    for line in lines[1:]:
        size += 1 + len(line.encode())
        if size > MAX_CONTENT_BYTES:
            break
        kept.append(line)
    return "\n".join(kept)
