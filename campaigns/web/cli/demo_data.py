"""One live demo campaign of each game: ``flask --app wsgi demo`` (SPEC's command line).

``make run`` seeds them (idempotent) so a newcomer has something to play; on a real account the
command is there for a try-out and does nothing until someone runs it.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from campaigns.management import campaign_admin
from campaigns.models import Campaign
from campaigns.web.admin_api.schemas import nest_game_settings
from games import registry

DEMO_RULES = (
    "演示活动：每人每天可玩 3 次，每人最多中奖 1 次。奖品数量有限，先到先得。\n"
    "Demo campaign: 3 plays a day, at most one prize per person, while stocks last."
)


def demo_campaigns(now) -> list[dict]:
    window = {"starts_at": now - timedelta(hours=1), "ends_at": now + timedelta(days=30)}
    common = {
        **window,
        "timezone": "Asia/Shanghai",
        "rules": DEMO_RULES,
        "plays_per_user_per_day": 3,
        "plays_per_user_total": 20,
        "wins_per_user_total": 1,
    }
    prizes = [
        {
            "name": "手机 Phone",
            "kind": "goods",
            "stock": 5,
            "probability": 0.01,
            "pacing": "even",
            "claim_days": 14,
        },
        {"name": "10元优惠券 Coupon", "stock": 500, "probability": 0.3},
        {"name": "积分 Points", "stock": 2000, "probability": 0.3},
    ]
    return [
        {
            **common,
            "name": "刮刮卡 Scratch card demo",
            "game": "scratch",
            "keyword": "刮",
            "prizes": prizes,
        },
        {
            **common,
            "name": "幸运大转盘 Wheel demo",
            "game": "wheel",
            "keyword": "GO",
            "prizes": prizes,
        },
        {
            **common,
            "name": "幸运九宫格 Grid demo",
            "game": "grid",
            "keyword": "九宫格",
            "prizes": [
                *prizes,
                {
                    "name": "月饼礼盒 Mooncakes",
                    "kind": "goods",
                    "stock": 50,
                    "probability": 0.05,
                    "claim_days": 14,
                },
                {
                    "name": "5元红包 Red packet",
                    "kind": "cash",
                    "amount_fen": 500,
                    "stock": 1000,
                    "probability": 0.2,
                },
            ],
        },
        {
            **common,
            "name": "中秋知识问答 Quiz demo",
            "game": "quiz",
            "keyword": "答题",
            "prizes": prizes,
            "questions_per_attempt": 3,
            "pass_score": 2,
            "questions": [
                {
                    "text": "中秋节在农历几月几日？ When is the Mid-Autumn Festival?",
                    "options": ["八月十五 8/15", "五月初五 5/5", "正月十五 1/15"],
                    "answer": 0,
                },
                {
                    "text": "中秋节传统食品是？ The traditional Mid-Autumn food?",
                    "options": ["粽子 Zongzi", "月饼 Mooncake", "汤圆 Tangyuan"],
                    "answer": 1,
                },
                {
                    "text": "嫦娥奔向了哪里？ Where did Chang'e fly to?",
                    "options": ["太阳 Sun", "火星 Mars", "月亮 Moon"],
                    "answer": 2,
                },
                {
                    "text": "“但愿人长久，千里共婵娟”出自哪位诗人？ Who wrote this line?",
                    "options": ["苏轼 Su Shi", "李白 Li Bai", "杜甫 Du Fu"],
                    "answer": 0,
                },
            ],
        },
    ]


def seed_demo(session, redis, now) -> list[Campaign]:
    """Create (once) and publish the demo campaigns; returns them."""
    made = []
    for data in demo_campaigns(now):
        campaign = session.scalar(select(Campaign).where(Campaign.name == data["name"]))
        if campaign is None:
            campaign = campaign_admin.create_campaign(
                session, nest_game_settings(data), "demo", now
            )
        if campaign.status == "draft":
            game = registry.get(campaign.game)
            campaign_admin.change_status(session, redis, campaign, "live", "demo", now, game)
        made.append(campaign)
    return made
