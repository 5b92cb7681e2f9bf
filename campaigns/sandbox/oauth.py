"""The sandbox's OAuth authorize page: approve as an openid and go back with a one-time code.

``?openid=o-xxx`` approves at once (scripts act as many players); without it a tiny page asks
for an openid. Only an approved round trip carries an openid, and only the code exchange
(``/sandbox/sns/oauth2/access_token``) turns the code into it, once, within five minutes.
"""

from __future__ import annotations

import secrets
from urllib.parse import urlencode, urlsplit

from flask import redirect, render_template, request

from campaigns.extensions import redis_clients
from campaigns.sandbox import blueprint, events, state
from campaigns.sandbox.api import wechat_api
from campaigns.wechat.clients import current_settings


@blueprint.get("/connect/oauth2/authorize")
@wechat_api("connect/oauth2/authorize", needs_token=False)
def authorize():
    args = request.args
    redirect_uri = args.get("redirect_uri", "")
    problem = _check(args, redirect_uri)
    if problem:
        return render_template("sandbox/authorize.html", problem=problem, args=args), 400
    openid = args.get("openid")
    if not openid:
        suggestion = "o-sandbox-" + secrets.token_hex(6)
        return render_template("sandbox/authorize.html", args=args, suggestion=suggestion)
    if not events.OPENID.match(openid):
        return render_template("sandbox/authorize.html", problem="Not an openid.", args=args), 400
    code = state.issue_code(redis_clients.main, openid)
    separator = "&" if urlsplit(redirect_uri).query else "?"
    return redirect(
        redirect_uri + separator + urlencode({"code": code, "state": args.get("state", "")})
    )


def _check(args, redirect_uri: str) -> str | None:
    if args.get("appid") != current_settings().app_id:
        return "Unknown appid."
    if args.get("response_type") != "code":
        return "response_type must be code."
    if args.get("scope") not in ("snsapi_base", "snsapi_userinfo"):
        return "scope must be snsapi_base or snsapi_userinfo."
    target = urlsplit(redirect_uri)
    if target.scheme not in ("http", "https"):
        return "redirect_uri must be an absolute http(s) URL."
    if target.netloc != urlsplit(current_settings().public_base_url).netloc:
        return "redirect_uri is not on the account's authorized domain."  # WeChat's 10003
    return None
