"""``make profile``: where a play's time goes, in one process, with pyinstrument.

The same request path as production (session cookie, the draw script that rate-limits, decides
and appends the play to its stream, response), without a network or gunicorn in between, so the
profile shows our own code. It prints the milliseconds per play and per ``/healthz`` and the call
tree of 300 plays.
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from pyinstrument import Profiler

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import seed  # noqa: E402
from campaigns.web.app import create_app  # noqa: E402
from campaigns.web.extensions import db  # noqa: E402
from devtools.embedded_redis import EmbeddedRedis  # noqa: E402

PLAYERS = 500


def main() -> None:
    workdir = tempfile.mkdtemp(prefix="profile-")
    server = EmbeddedRedis(str(Path(workdir) / "redis.sock"), workdir).start()
    now = datetime.now(UTC)
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir}/profile.sqlite3",
            "REDIS_URL": server.url,
            "COUNTERS_REDIS_URL": server.url,
            "WECHAT_SANDBOX": True,
            "SECRET_KEY": "profile",
            "PUBLIC_BASE_URL": "http://localhost",  # the test client's Host, the only one served
        }
    )
    with app.app_context():
        db.create_all()
        campaign = seed.live_campaign(
            app, "Profile", now, days=1, plays_per_user_per_day=1000, wins_per_user_total=3
        )
        cookies = seed.player_cookies(app, PLAYERS, now)
        path = f"/h5/{campaign.id}/play"
    client = app.test_client()

    def plays(count: int) -> None:
        for n in range(count):
            client.set_cookie("session", cookies[n % len(cookies)])
            response = client.post(path)
            assert response.status_code == 200, response.json

    plays(50)
    started = time.perf_counter()
    plays(500)
    per_play = (time.perf_counter() - started) / 500 * 1000
    started = time.perf_counter()
    for _ in range(500):
        client.get("/healthz")
    per_health = (time.perf_counter() - started) / 500 * 1000
    print(f"one process: {per_play:.2f} ms per play, {per_health:.2f} ms per /healthz")
    profiler = Profiler(interval=0.0005)
    profiler.start()
    plays(300)
    profiler.stop()
    print(profiler.output_text(unicode=True, color=False))
    server.stop()


if __name__ == "__main__":
    main()
