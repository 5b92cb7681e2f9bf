"""The report for the terminal (``flask report <id>``): aligned tables, or CSV with ``--csv``.

Both are built from the same sections, so the two outputs always carry the same figures.
"""

from __future__ import annotations

import csv
import io


def _rate(value) -> str:
    return "" if value is None else f"{value:.4f}"


def _wechat_check(check: dict | None) -> list[list]:
    """WeChat's last check of the new followers (reports/follower_check.py), if any yet."""
    if check is None:
        return [["wechat_check", "not yet (asked for; a job runs it)"]]
    return [
        [f"wechat_{name}", check[name]]
        for name in ("source", "checked_at", "checked", "following_now", "left_unheard")
    ]


def sections(report: dict) -> list[tuple[str, list[str], list[list]]]:
    """(title, header, rows) for every part of the report."""
    c, funnel, fo, acc = (
        report["campaign"],
        report["funnel"],
        report["followers"],
        report["account_follows"],
    )
    week = report["weekday_weekend"]
    return [
        (
            "campaign",
            ["id", "name", "game", "status", "timezone", "starts_at", "ends_at"],
            [
                [
                    c["id"],
                    c["name"],
                    c["game"],
                    c["status"],
                    c["timezone"],
                    c["starts_at"],
                    c["ends_at"],
                ]
            ],
        ),
        (
            "ledger",
            ["as_of", "plays_not_written"],
            [[report["ledger"]["as_of"], report["ledger"]["plays_not_written"]]],
        ),
        ("funnel", ["stage", "count"], [[k, v] for k, v in funnel.items()]),
        (
            "prizes",
            [
                "prize",
                "configured",
                "observed",
                "observed_low_95",
                "observed_high_95",
                "within_chance",
                "wins",
                "stock",
                "stock_left",
                "redeemed",
            ],
            [
                [
                    p["name"],
                    _rate(p["probability"]),
                    _rate(p["observed_rate"]),
                    _rate(p["observed_low"]),
                    _rate(p["observed_high"]),
                    "" if p["within_chance"] is None else ("yes" if p["within_chance"] else "no"),
                    p["wins"],
                    p["stock"],
                    p["stock_left"],
                    p["redeemed"],
                ]
                for p in report["prizes"]
            ],
        ),
        (
            "by_day",
            ["day", "plays", "players", "weekend"],
            [
                [d["day"], d["plays"], d["players"], "yes" if d["weekend"] else ""]
                for d in report["by_day"]
            ],
        ),
        (
            "by_hour",
            ["hour", "plays", "players"],
            [[h["hour"], h["plays"], h["players"]] for h in report["by_hour"]],
        ),
        (
            "weekday_weekend",
            ["part", "days", "plays", "players"],
            [[k, v["days"], v["plays"], v["players"]] for k, v in week.items()],
        ),
        (
            "followers",
            ["figure", "value"],
            [
                ["followed_through_campaign", fo["followed"]],
                ["unfollowed_since", fo["unfollowed"]],
                ["net", fo["net"]],
                ["followed_7_days_ago", fo["followed_7_days_ago"]],
                ["still_following_after_7_days", _rate(fo["still_following_after_7_days"])],
                ["source", fo["source"]],
                *_wechat_check(fo["wechat"]),
                ["account_follows", acc["follows"]],
                ["account_unfollows", acc["unfollows"]],
                ["account_net", acc["net"]],
            ],
        ),
        (
            "verification",
            ["figure", "value"],
            [[k, "" if v is None else v] for k, v in report["verification"].items()],
        ),
    ]


def as_text(report: dict) -> str:
    out = []
    for title, header, rows in sections(report):
        table = [header] + [[str(cell) for cell in row] for row in rows]
        widths = [max(len(row[i]) for row in table) for i in range(len(header))]
        out.append(f"== {title} ==")
        for row in table:
            out.append("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)))
        out.append("")
    return "\n".join(out)


def as_csv(report: dict) -> str:
    """One CSV: each row starts with its section's name, each section with its header row."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for title, header, rows in sections(report):
        writer.writerow(["section", *header])
        for row in rows:
            writer.writerow([title, *row])
    return buffer.getvalue()
