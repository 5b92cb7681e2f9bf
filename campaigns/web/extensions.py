"""Web-only extensions, created unbound here and bound to an app in ``create_app``.

The Redis clients and the typed accessors the domain uses too are in campaigns/core/services.py.
"""

from __future__ import annotations

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_smorest import Api
from flask_sqlalchemy import SQLAlchemy

from campaigns.models.base import Model

# The models' own base (plain SQLAlchemy) and metadata. Objects stay readable after commit:
# responses are built from the rows just written, without reading them back.
db = SQLAlchemy(model_class=Model, session_options={"expire_on_commit": False})
migrate = Migrate()
api = Api()
# Storage, limits and switches come from the RATELIMIT_* settings (campaigns/web/ratelimits.py). The
# instance keeps the storage of the last app bound to it: one app per process outside tests.
limiter = Limiter(get_remote_address)
