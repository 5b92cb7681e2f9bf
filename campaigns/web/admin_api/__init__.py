"""The admin JSON API (``/api``): campaigns for marketers, read access for analysts."""

from campaigns.web.admin_api import prizes, reports  # noqa: F401  (register their routes)
from campaigns.web.admin_api.views import blueprint

__all__ = ["blueprint"]
