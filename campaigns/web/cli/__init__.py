"""``flask --app wsgi ...`` commands: every one the server has is registered here."""

from __future__ import annotations

from datetime import timedelta

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from campaigns.core import services, urls
from campaigns.management import tokens
from campaigns.web.extensions import db


def register(app: Flask) -> None:
    from campaigns.web.cli.console import report, user

    app.cli.add_command(token)
    app.cli.add_command(demo)
    app.cli.add_command(verify_command)
    app.cli.add_command(worker_command)
    app.cli.add_command(ledger_writer_command)
    app.cli.add_command(menu)
    app.cli.add_command(user)
    app.cli.add_command(report)
    app.cli.add_command(claims_group)


@click.group("claims")
def claims_group():
    """Winners' claims (sealed personal data)."""


@claims_group.command("reseal")
@with_appcontext
def claims_reseal() -> None:
    """Re-seal every claim with the first CLAIMS_KEY (key rotation, docs/security.md)."""
    from campaigns.prizes import claims
    from campaigns.prizes.sealing import Sealer

    sealer = Sealer.from_config(current_app.config)
    done = claims.reseal(db.session, sealer)
    click.echo(f"{done} claims re-sealed with key {sealer.current_id}.")


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queues are empty.")
@with_appcontext
def worker_command(burst: bool) -> None:
    """Work the notices and default queues (and run the scheduler)."""
    from campaigns.web.worker import run_worker

    run_worker(current_app._get_current_object(), burst=burst)


@click.command("ledger-writer")
@with_appcontext
def ledger_writer_command() -> None:
    """Copy the play streams into the SQL ledger until stopped (the worker runs one already;
    more may run, on any host)."""
    from campaigns.web.worker import run_ledger_writer

    run_ledger_writer(current_app._get_current_object())


@click.group()
def token():
    """Admin API tokens."""


@token.command("create")
@click.option("--role", type=click.Choice(tokens.ROLES), required=True)
@click.option("--label", default="", help="Who or what the token is for.")
@click.option("--expires-in-days", type=click.IntRange(1, 3650), help="Default: never.")
def token_create(role: str, label: str, expires_in_days: int | None):
    """Print a new admin token (shown once; only its hash is stored)."""
    now = services.now()
    expires_at = now + timedelta(days=expires_in_days) if expires_in_days else None
    click.echo(tokens.create_token(db.session, role, label, now, expires_at))


@token.command("list")
def token_list():
    """Every token: id, role, label, created, expiry and whether it still works."""
    now = services.now()
    for found in tokens.list_tokens(db.session):
        if found.revoked_at is not None:
            state = f"revoked {found.revoked_at:%Y-%m-%d %H:%M}"
        elif not tokens.is_usable(found, now):
            state = "expired"
        else:
            state = "active"
        expires = f"{found.expires_at:%Y-%m-%d %H:%M}" if found.expires_at else "never"
        click.echo(
            f"{found.id}\t{found.role}\t{found.label or '-'}\t"
            f"created {found.created_at:%Y-%m-%d %H:%M}\texpires {expires}\t{state}"
        )


@token.command("revoke")
@click.argument("token_id", type=int)
def token_revoke(token_id: int):
    """Revoke a token by its id."""
    if not tokens.revoke_token(db.session, token_id, services.now()):
        raise click.ClickException(f"No token {token_id}.")
    click.echo(f"Revoked token {token_id}.")


@click.command()
def demo():
    """Seed one live demo campaign of each game (idempotent) and print their game URLs."""
    from campaigns.web.cli.demo_data import seed_demo

    base = current_app.config["PUBLIC_BASE_URL"]
    for campaign in seed_demo(db.session, services.redis_clients.counters, services.now()):
        click.echo(f"{campaign.game:8} {urls.game_url(base, campaign.id)}  ({campaign.name})")


@click.command("verify")
@click.argument("source")
def verify_command(source: str):
    """Verify a finished campaign's audit (a file or URL); same code as campaigns/draw/verify.py."""
    from campaigns.draw import verify

    result = verify.verify(verify.read_lines(source))
    click.echo(str(result))
    if not result.ok:
        raise SystemExit(1)


@click.group()
def menu():
    """The Official Account's custom menu."""


@menu.command("sync")
@click.option("--yes", is_flag=True, help="Apply the change; without it, only show it.")
def menu_sync(yes: bool):
    """Show how the custom menu would change (the brand's buttons kept, the live campaigns in
    one sub-menu) and apply it with --yes (WeChat, or the sandbox)."""
    from campaigns.core.errors import DomainError
    from campaigns.wechat import menu as custom_menu
    from campaigns.wechat.clients import current_client, current_settings

    client = current_client()
    try:
        planned = custom_menu.plan(
            db.session,
            client,
            current_settings(),
            services.now(),
            current_app.config["WECHAT_MENU_NAME"],
        )
        click.echo(planned.render())
        if planned.changed and yes:
            custom_menu.apply(client, planned)
    except DomainError as refused:
        raise click.ClickException(refused.message) from None
    if planned.changed:
        click.echo("Applied." if yes else "Nothing changed yet: run again with --yes to apply.")
