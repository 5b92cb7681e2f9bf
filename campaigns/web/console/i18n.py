"""The console in the marketer's language: Chinese by default, English on request.

A small catalogue rather than gettext: the console has a few hundred strings, and validation
messages come from the shared schemas in English with numbers inside, so they are matched by
pattern and re-worded. A string missing from the catalogue shows in English.
"""

from __future__ import annotations

import re

from flask import request

LANGUAGES = ("zh", "en")


def language() -> str:
    return request.accept_languages.best_match(LANGUAGES, default="zh") or "zh"


def translate(text: str, lang: str) -> str:
    if lang == "en" or not text:
        return text
    if text in ZH:
        return ZH[text]
    for pattern, template in ZH_PATTERNS:
        match = pattern.fullmatch(text)
        if match:
            return template.format(*match.groups())
    return text


ZH_PATTERNS = [
    (re.compile(p), t)
    for p, t in [
        (
            r"Must be greater than or equal to (\S+) and less than or equal to (\S+)\.",
            "必须在 {0} 到 {1} 之间。",
        ),
        (r"Must be greater than or equal to (\S+)\.", "不能小于 {0}。"),
        (r"Must be less than or equal to (\S+)\.", "不能大于 {0}。"),
        (r"Length must be between (\d+) and (\d+)\.", "长度须在 {0} 到 {1} 个字符之间。"),
        (r"Shorter than minimum length (\d+)\.", "至少 {0} 个字符。"),
        (r"Longer than maximum length (\d+)\.", "最多 {0} 个字符。"),
        (r"Must be one of: (.+)\.", "必须是以下之一：{0}。"),
        (r"Unknown game; one of: (.+)\.", "未知的游戏类型，可选：{0}。"),
        (
            r"Probabilities add up to (\S+); the sum must be at most 1\.",
            "各奖品中奖概率合计为 {0}，总和不能超过 1。",
        ),
        (r"Cannot be lower than the (\d+) already awarded\.", "不能低于已发出的 {0} 份。"),
        (r"Already redeemed at (\S+) by (.+)\.", "已于 {0} 由 {1} 核销。"),
        (r"At least (\d+) characters\.", "至少 {0} 个字符。"),
        (
            r"Enter the number of the correct option \(1 to (\d+)\)\.",
            "请填写正确选项的序号（1 到 {0}）。",
        ),
        (r"Stock of (.+) raised from (\d+) to (\d+)\.", "{0} 的库存已从 {1} 调整为 {2}。"),
        (
            r'Campaign (\d+) "(.*)" already answers to this keyword, until (.+)\.',
            "活动 {0}「{1}」正在使用此关键词（至 {2}）。",
        ),
        (
            r"The menu has no room for the campaigns' sub-menu (.+): WeChat allows (\d+) "
            r"top-level buttons and the brand's own take all of them \((.+)\)\. Free one on the "
            r"Official Accounts Platform \(move it into a sub-menu\), then sync\.",
            "菜单放不下活动子菜单「{0}」：微信最多允许 {1} 个一级菜单，已全部被品牌自己的菜单占用"
            "（{2}）。请先在公众平台腾出一个（例如移入子菜单），再同步。",
        ),
        (
            r"The menu was published on the Official Accounts Platform with buttons the API "
            r"cannot make again \((.+)\); a sync would lose them\. .*",
            "菜单是在公众平台网站上发布的，其中的按钮（{0}）无法通过接口重建，同步会丢失它们。"
            "请在公众平台把它们改为接口支持的类型（链接或点击事件），或手动添加活动链接。",
        ),
        (
            r"The campaigns' sub-menu name (.*) must be 1 to (\d+) bytes .*",
            "活动子菜单名称 {0} 须为 1 到 {1} 个字节（WECHAT_MENU_NAME；一个汉字占 3 个字节）。",
        ),
        (
            r"WeChat is unreachable \((.+)\) and could not (?:read|change) the custom menu; .*",
            "暂时无法连接微信（{0}），自定义菜单没有改动，请稍后重试。",
        ),
        (
            r"WeChat could not read the custom menu \(errcode (.+)\); .*",
            "暂时无法从微信读取自定义菜单（错误码 {0}），菜单没有改动，请重试。",
        ),
        (
            r"WeChat could not change the custom menu \(errcode (.+)\); .*",
            "暂时无法修改微信的自定义菜单（错误码 {0}），菜单没有改动，请重试。",
        ),
    ]
]

ZH = {
    # validation messages (marshmallow's and the shared schemas')
    "Missing data for required field.": "此项必填。",
    "Field may not be null.": "此项必填。",
    "Not a valid integer.": "请输入整数。",
    "Not a valid number.": "请输入数字。",
    "Not a valid string.": "请输入文字。",
    "Not a valid boolean.": "请选择是或否。",
    "Not a valid datetime.": "日期时间无效。",
    "Not a valid aware datetime.": "日期时间无效。",
    "Unknown field.": "未知字段。",
    "String does not match expected pattern.": "格式不正确（颜色示例：#E8452C）。",
    "Must be after starts_at.": "结束时间必须晚于开始时间。",
    "Prize names must be unique.": "奖品名称不能重复。",
    "Cannot exceed plays_per_user_total.": "不能超过每人总次数。",
    "Unknown time zone (use an IANA name like Asia/Shanghai).": "未知时区（请使用 IANA 名称，如 Asia/Shanghai）。",  # noqa: E501
    "At most 9 decimal places.": "最多 9 位小数。",
    "Must be the index of one of the options.": "必须是某个选项的序号。",
    "A quiz needs at least one question.": "答题活动至少需要一道题。",
    "Required for a quiz.": "答题活动必填。",
    "More than the question bank holds.": "超过了题库中的题目数量。",
    "Higher than the number of questions per attempt.": "高于每次答题的题目数。",
    "A grid has 8 cells and keeps one for no prize: at most 7 prizes.": "九宫格共 8 格，至少留一格“谢谢参与”：最多 7 个奖品。",  # noqa: E501
    "Cannot change once published.": "发布后不能修改。",
    "Odds and pacing cannot change once published.": "发布后不能修改中奖概率和发放节奏。",
    "Same prizes (by id) required once published.": "发布后不能增删奖品。",
    "Rules text is required before going live (WeChat platform rules).": "上线前必须填写活动规则（微信平台规则要求）。",  # noqa: E501
    "Add at least one prize.": "请至少添加一个奖品。",
    "Some fields are invalid.": "部分字段有误，请查看标红的提示。",
    "Some prize changes are not allowed.": "部分奖品修改不被允许。",
    "Another campaign already answers to this keyword.": "另一个活动正在使用此关键词。",
    "These fields cannot change once the campaign is published.": "活动发布后这些字段不能修改。",
    "An ended campaign cannot be edited.": "已结束的活动不能编辑。",
    "The campaign cannot go live yet.": "活动暂时不能上线。",
    "Not a redemption code.": "这不是有效的兑奖码。",
    "No prize has this code.": "没有与此兑奖码对应的奖品。",
    "Unknown.": "不存在。",
    "16 letters and digits, like ABCD-EFGH-JKLM-NPQR.": "16 位字母和数字，如 ABCD-EFGH-JKLM-NPQR。",
    "Wrong username or password.": "用户名或密码错误。",
    "Your session has expired; please sign in again.": "登录已过期，请重新登录。",
    "This needs the marketer role; analysts may only read.": "此操作需要市场人员角色；分析人员只能查看。",  # noqa: E501
    "The form has expired or was not sent from this site; please try again.": "表单已过期或来源无效，请重试。",  # noqa: E501
    "Temporarily unavailable; please retry.": "服务暂时不可用，请重试。",
    "No such campaign.": "活动不存在。",
    "Stock must be a whole number.": "库存必须是整数。",
    # navigation and pages
    "Campaign console": "活动管理后台",
    "Campaigns": "活动",
    "Redemption desk": "兑奖台",
    "API docs": "API 文档",
    "Sign in": "登录",
    "Sign out": "退出",
    "Username": "用户名",
    "Password": "密码",
    "Signed in as": "当前用户",
    "marketer": "市场人员",
    "analyst": "分析人员",
    "New campaign": "新建活动",
    "Name": "名称",
    "Game": "游戏",
    "Status": "状态",
    "Dates": "日期",
    "Plays today": "今日参与",
    "Stock left": "剩余库存",
    "No campaigns yet.": "还没有活动。",
    "draft": "草稿",
    "live": "进行中",
    "paused": "已暂停",
    "ended": "已结束",
    "Scratch card": "刮刮卡",
    "Spin wheel": "大转盘",
    "Quiz": "答题",
    "Nine-square grid": "九宫格",
    "Edit": "编辑",
    "Simulate": "模拟",
    "Publish": "发布",
    "Report": "报表",
    "Overview": "概览",
    "Save": "保存",
    "Create campaign": "创建活动",
    "Basics": "基本信息",
    "Campaign name": "活动名称",
    "Starts": "开始时间",
    "Ends": "结束时间",
    "Time zone": "时区",
    "Days are counted in this time zone.": "按此时区计算每日次数和报表日期。",
    "Keyword": "关键词",
    "Language": "语言",
    "Winner notices and the account's replies about this campaign are in this language.": "中奖通知和公众号关于本活动的回复使用此语言。",  # noqa: E501
    "Followers who send this keyword get the game link.": "粉丝发送此关键词即可收到活动链接。",
    "Rules": "活动规则",
    "Required before publishing (WeChat platform rules).": "发布前必填（微信平台规则）。",
    "Limits": "参与限制",
    "Plays per person per day": "每人每天次数",
    "Plays per person in total": "每人总次数",
    "Wins per person in total": "每人最多中奖次数",
    "Leave empty for no limit.": "留空表示不限。",
    "Only followers may play": "仅限关注者参与",
    "Prizes": "奖品",
    "Prize": "奖品",
    "Stock": "库存",
    "Probability per play": "每次中奖概率",
    "0 to 1; 0.01 is 1 in 100.": "0 到 1 之间；0.01 即百分之一。",
    "Pacing": "发放节奏",
    "all at once": "不限",
    "even over the campaign": "活动期内匀速发放",
    "Image URL": "图片链接",
    "Add prize": "添加奖品",
    "Remove": "删除",
    "Move up": "上移",
    "Move down": "下移",
    "Quiz settings": "答题设置",
    "Questions per attempt": "每次答题题数",
    "Pass score": "及格题数",
    "Question": "题目",
    "Options, one per line": "选项（每行一个）",
    "Correct option number": "正确选项序号",
    "Add question": "添加题目",
    "Only for quiz campaigns.": "仅答题活动需要。",
    "Look": "外观",
    "Page title": "页面标题",
    "Main colour": "主色",
    "Background colour": "背景色",
    "Banner image URL": "横幅图片链接",
    "Once published, only the name, rules, keyword, look and prize stock can change.": "活动发布后，只能修改名称、规则、关键词、外观和奖品库存。",  # noqa: E501
    "Please correct the fields marked below.": "请修改下方标红的字段。",
    "Saved.": "已保存。",
    "Simulator": "模拟器",
    "Runs N plays against a copy of the prize table: no stock is used and nothing is written.": "用奖品表的副本模拟 N 次参与：不消耗库存，不写入任何数据。",  # noqa: E501
    "Plays to simulate": "模拟次数",
    "Expected plays per day": "预计每日参与次数",
    "Run simulation": "运行模拟",
    "Simulated plays": "模拟次数",
    "No prize": "未中奖",
    "Expected wins": "期望中奖数",
    "Simulated wins": "模拟中奖数",
    "Runs out": "发完时间",
    "does not run out": "不会发完",
    "day": "第几天",
    "The campaign lasts": "活动持续",
    "days": "天",
    "Publish campaign": "发布活动",
    "Compliance checks": "合规检查",
    "All checks pass.": "全部检查通过。",
    "Warning": "警告",
    "Induced-follow rule": "诱导关注规则",
    "Go live": "上线",
    "Game link": "活动链接",
    "QR code": "二维码",
    "Download PNG": "下载 PNG",
    "Download SVG": "下载 SVG",
    "For posters: the campaign's WeChat QR code. A follow through it counts for this campaign "
    "in the report.": "用于海报：本活动的微信带参二维码，通过它关注的粉丝会计入本活动的涨粉报表。",
    "The campaign's WeChat QR code is made when it goes live (WeChat allows an account a "
    "limited number).": "活动上线后生成微信二维码（公众号可生成的数量有限）。",
    "A draft has no QR code yet; publish the campaign first.": "草稿尚无二维码，请先上线活动。",
    "Live controls": "运行控制",
    "Pause": "暂停",
    "Resume": "恢复",
    "End campaign": "结束活动",
    "Ending is final: the seed is revealed and no more plays are taken.": "结束后不可恢复：公布种子，不再接受参与。",  # noqa: E501
    "Change stock": "调整库存",
    "Awarded": "已发出",
    "Save stock": "保存库存",
    "Audit log": "审计日志",
    "When": "时间",
    "Who": "操作人",
    "What": "操作",
    "Before": "修改前",
    "After": "修改后",
    "No changes yet.": "暂无修改记录。",
    "Verifiable draws": "可验证的抽奖",
    "Seed commitment": "种子承诺值",
    "Chain head": "链头哈希",
    "Not published yet.": "尚未发布。",
    "Enter or scan a code": "输入或扫描兑奖码",
    "Look up": "查询",
    "Mark redeemed": "确认核销",
    "Winner": "中奖人",
    "Won at": "中奖时间",
    "Redeemed": "已核销",
    "Redeemed at": "核销时间",
    "Redeemed by": "核销人",
    "Not redeemed yet.": "尚未核销。",
    "Redemption recorded.": "核销成功。",
    "Funnel": "转化漏斗",
    "Page views": "页面浏览",
    "Players": "参与人数",
    "Plays": "参与次数",
    "Wins": "中奖次数",
    "Configured vs observed win rate": "配置与实际中奖率",
    "Configured": "配置",
    "Observed": "实际",
    "Plays and players by day": "每日参与次数与人数",
    "Plays and players by hour of day": "各时段参与次数与人数",
    "Weekday vs weekend": "工作日与周末",
    "Weekday": "工作日",
    "Weekend": "周末",
    "Follower gain": "涨粉",
    "Followed through the campaign": "通过活动关注",
    "Unfollowed since": "之后取关",
    "Net gain": "净增",
    "Still following after 7 days": "7 天后仍关注",
    "Account-wide in the same window": "同期全账号",
    "Follows": "关注",
    "Unfollows": "取关",
    "Net": "净增",
    "Exports": "导出",
    "Winners CSV": "中奖名单 CSV",
    "Plays CSV": "参与记录 CSV",
    "Hours and days are in the campaign's time zone.": "日期和时段均按活动时区计算。",
    "Forbidden": "无权限",
    "Not found": "未找到",
    "Error": "出错了",
    "Back": "返回",
    "Confirm": "确认",
    "Generated at": "生成时间",
    # the report's follower figures and WeChat's check of them (campaigns/reports/follower_check.py)
    "Counted from the follow events this server received.": "以上数字按本服务器收到的关注事件统计。",  # noqa: E501
    "WeChat's check of these followers": "微信对这些新关注者的核对",
    "user/info/batchget": "批量获取用户信息接口",
    "Following now": "目前仍在关注",
    "Left with no unfollow event reaching us": "已取关但本服务器未收到取关事件",
    "Not checked yet: a background job asks WeChat.": "尚未核对：后台任务正在向微信查询。",
    # the custom menu (console/menu.html, campaigns/wechat/menu.py)
    "Custom menu": "自定义菜单",
    "The account's menu in WeChat now and after a sync: the brand's own buttons stay where they are, the live campaigns go into one sub-menu.": "公众号当前的自定义菜单与同步后的菜单：品牌自己的菜单保持原位不变，进行中的活动放在一个子菜单里。",  # noqa: E501
    "The menu or the live campaigns changed since the page was shown; nothing was applied. Check the change again.": "页面打开后菜单或进行中的活动已有变化，本次未做任何修改。请重新核对下面的变更。",  # noqa: E501
    "The account has no custom menu, and no campaign is live.": "公众号没有自定义菜单，也没有进行中的活动。",  # noqa: E501
    "Lines marked − go, lines marked + come; the others stay.": "标 − 的行将被移除，标 + 的行将被添加，其余保持不变。",  # noqa: E501
    "Left out: WeChat allows 5 buttons in a sub-menu, and the campaigns ending soonest have them.": "未放入菜单：微信子菜单最多 5 个按钮，已放入最先结束的活动。",  # noqa: E501
    "The menu in WeChat is up to date.": "微信中的菜单已是最新。",
    "Apply to WeChat": "确认并同步到微信",
    "Only a marketer can apply it.": "只有营销人员可以确认同步。",
    "The custom menu was updated.": "自定义菜单已更新。",
}

EXPLAIN_VERIFIABLE = {
    "en": (
        "When the campaign goes live the server draws a secret random seed and publishes only "
        "its fingerprint (the commitment below). Every play's number comes from that seed and the "
        "play's sequence number, and every play is chained to the one before it (the chain head "
        "below changes with each play). When the campaign ends the seed is revealed, and anyone "
        "(a notary, a regulator, a doubting follower) can download GET /api/campaigns/<id>/audit "
        "and check every draw with campaigns/draw/verify.py: no outcome could be chosen, changed, "
        "removed or reordered."
    ),
    "zh": (
        "活动上线时，服务器用安全随机数生成一个秘密种子，只公布它的指纹（下方的种子承诺值）。"
        "每次参与的随机数都由该种子和参与序号计算得出，每次参与都与上一次串成哈希链（下方的链头哈希"
        "随每次参与而变化）。活动结束时公布种子，任何人（公证处、监管方或有疑问的粉丝）都可以下载 "
        "GET /api/campaigns/<id>/audit，用 campaigns/draw/verify.py 逐条核验：任何结果都无法被"
        "挑选、篡改、删除或调换顺序。"
    ),
}

FOLLOW_WARNING_ZH = (
    "微信平台规则禁止以奖励诱导用户关注公众号。将“仅限关注者参与”作为参与条件可能被认定为诱导关注，"
    "发布前请与公众号的合规负责人确认。"
)
