"""The admin JSON API (``/api``): campaigns for marketers, read access for analysts."""

from campaigns.web.admin_api import reports  # noqa: F401  (registers its routes)
from campaigns.web.admin_api.views import blueprint

__all__ = ["blueprint"]
