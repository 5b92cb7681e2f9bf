"""The sandbox's OAuth authorize page: approve and go back with a one-time code.

``?openid=o-xxx`` approves at once as that openid (scripts act as many players); otherwise a
browser that has a person (devtools/sandbox/person.py) is approved at once as that person, as
snsapi_base is silent on a real phone; a browser without one gets a tiny page asking for an openid,
which becomes its person. Only the code exchange (``/sns/oauth2/access_token``) turns the code
into the openid, once, within five minutes.
"""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

from flask import redirect, render_template, request

from devtools.sandbox import events, person, state
from devtools.sandbox.api import wechat_api
from devtools.sandbox.blueprint import blueprint
from devtools.sandbox.config import current_settings


@blueprint.get("/connect/oauth2/authorize")
@wechat_api("connect/oauth2/authorize", needs_token=False)
def authorize():
    args = request.args
    redirect_uri = args.get("redirect_uri", "")
    problem = _check(args, redirect_uri)
    if problem:
        return render_template("sandbox/authorize.html", problem=problem, args=args), 400
    openid = args.get("openid") or person.of(request.cookies)
    if not openid:
        return render_template("sandbox/authorize.html", args=args, suggestion=person.new())
    if not events.OPENID.match(openid):
        return render_template("sandbox/authorize.html", problem="Not an openid.", args=args), 400
    code = state.issue_code(state.store(), openid)
    separator = "&" if urlsplit(redirect_uri).query else "?"
    response = redirect(
        redirect_uri + separator + urlencode({"code": code, "state": args.get("state", "")})
    )
    if args.get("person"):  # approved on this page: this browser plays this person from now on
        person.remember(response, openid)
    return response


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
    # WeChat's authorized domain is a host name, without a port (its 10003 otherwise).
    if target.hostname != urlsplit(current_settings().app_url).hostname:
        return "redirect_uri is not on the account's authorized domain."
    return None
