"""Web-only extensions, created unbound here and bound to an app in ``create_app``.

``db`` and the Redis clients are the domain's too, so they live in campaigns/core/services.py.
"""

from __future__ import annotations

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_smorest import Api

migrate = Migrate()
api = Api()
# Storage, limits and switches come from the RATELIMIT_* settings (campaigns/web/ratelimits.py). The
# instance keeps the storage of the last app bound to it: one app per process outside tests.
limiter = Limiter(get_remote_address)
