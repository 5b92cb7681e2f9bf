"""``flask user create|password|disable`` (console users) and ``flask report <id>`` (a
campaign's report)."""

from __future__ import annotations

import click

from campaigns.core import services
from campaigns.core.errors import DomainError
from campaigns.core.services import redis_clients
from campaigns.management import users
from campaigns.management.tokens import ROLES
from campaigns.play import load_campaign
from campaigns.reports import follower_check, report_text, reports
from campaigns.web.extensions import db


@click.group()
def user():
    """Console users (sign in at /admin)."""


@user.command("create")
@click.option("--username", required=True)
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help="Prompted for when left out (keeps it out of the shell history).",
)
def user_create(username: str, role: str, password: str):
    """Create a console user with a password (stored as a slow hash)."""
    try:
        made = users.create_user(db.session, username, role, password, services.now())
    except DomainError as exc:
        raise click.ClickException(f"{exc.message} {exc.fields}") from None
    click.echo(f"Created {made.role} {made.username}.")


@user.command("password")
@click.option("--username", required=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
def user_password(username: str, password: str):
    """Set a user's password; every console session they have ends."""
    try:
        changed = users.change_password(db.session, username, password)
    except DomainError as exc:
        raise click.ClickException(f"{exc.message} {exc.fields}") from None
    click.echo(f"Changed the password of {changed.username}; their sessions have ended.")


@user.command("disable")
@click.option("--username", required=True)
def user_disable(username: str):
    """Remove a user's console access; their sessions end."""
    try:
        disabled = users.disable_user(db.session, username, services.now())
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"Disabled {disabled.username}; their sessions have ended.")


@click.command("report")
@click.argument("campaign_id", type=int)
@click.option("--csv", "as_csv", is_flag=True, help="CSV instead of aligned tables.")
def report(campaign_id: int, as_csv: bool):
    """Print a campaign's report (the same figures as GET /api/campaigns/<id>/report)."""
    try:
        campaign = load_campaign(db.session, campaign_id)
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    now = services.now()
    checked = follower_check.latest(redis_clients.main, campaign.id, now)
    built = reports.build(db.session, campaign, now, checked, redis_clients.counters)
    click.echo(report_text.as_csv(built) if as_csv else report_text.as_text(built), nl=False)
