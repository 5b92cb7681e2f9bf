"""The WeChat sandbox: a local stand-in for the WeChat endpoints this server calls, a log of what
it was sent, failure injection, and a "phone" page that posts signed XML to ``/wechat``.

Registered by ``create_app`` only when ``WECHAT_SANDBOX`` is on; never in production.
"""

from flask import Blueprint

blueprint = Blueprint("sandbox", __name__, url_prefix="/sandbox", template_folder="templates")

from campaigns.sandbox import api, console, oauth, phone  # noqa: E402,F401  (routes)
