"""``flask --app wsgi ...`` commands."""

from __future__ import annotations

import click
import requests
from flask import Flask, current_app
from wechatpy.exceptions import WeChatClientException

from campaigns import tokens
from campaigns.extensions import db


def register(app: Flask) -> None:
    from campaigns.console.cli import report, user
    from campaigns.worker import worker_command

    app.cli.add_command(token)
    app.cli.add_command(demo)
    app.cli.add_command(verify_command)
    app.cli.add_command(worker_command)
    app.cli.add_command(menu)
    app.cli.add_command(user)
    app.cli.add_command(report)


def _now():
    return current_app.extensions["clock"].now()


@click.group()
def token():
    """Admin API tokens."""


@token.command("create")
@click.option("--role", type=click.Choice(tokens.ROLES), required=True)
@click.option("--label", default="", help="Who or what the token is for.")
def token_create(role: str, label: str):
    """Print a new admin token (shown once; only its hash is stored)."""
    click.echo(tokens.create_token(db.session, role, label, _now()))


@token.command("revoke")
@click.argument("token_id", type=int)
def token_revoke(token_id: int):
    """Revoke a token by its id."""
    if not tokens.revoke_token(db.session, token_id, _now()):
        raise click.ClickException(f"No token {token_id}.")
    click.echo(f"Revoked token {token_id}.")


@click.command()
def demo():
    """Seed one live demo campaign of each game (idempotent) and print their game URLs."""
    from campaigns.demo import seed_demo
    from campaigns.extensions import redis_clients

    base = current_app.config["PUBLIC_BASE_URL"]
    for campaign in seed_demo(db.session, redis_clients.counters, _now()):
        click.echo(f"{campaign.game:8} {base}/h5/{campaign.id}/  ({campaign.name})")


@click.command("verify")
@click.argument("source")
def verify_command(source: str):
    """Verify a finished campaign's audit (a file or URL); same code as campaigns/verify.py."""
    from campaigns import verify

    result = verify.verify(verify.read_lines(source))
    click.echo(str(result))
    if not result.ok:
        raise SystemExit(1)


@click.group()
def menu():
    """The Official Account's custom menu."""


@menu.command("sync")
def menu_sync():
    """Push a menu opening the live campaigns' game pages (WeChat, or the sandbox)."""
    import json

    from campaigns.wechat.clients import current_client, current_settings
    from campaigns.wechat.menu import sync_menu

    settings = current_settings()
    try:
        pushed = sync_menu(db.session, current_client(), settings, _now())
    except requests.RequestException as exc:
        raise click.ClickException(
            f"WeChat is unreachable at {settings.api_base_url} ({type(exc).__name__}); "
            "the menu was not changed."
        ) from None
    except WeChatClientException as exc:
        raise click.ClickException(
            f"WeChat refused the menu: {exc.errcode} {exc.errmsg}."
        ) from None
    click.echo(json.dumps(pushed, ensure_ascii=False, indent=2))
