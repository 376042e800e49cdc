"""Command-line entries over the same services as the pages and the API.
Each command is a request boundary: it commits once, or not at all."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import select

from .errors import DomainError
from .extensions import db
from .models import Role, User

users_cli = AppGroup("users", help="Manage user accounts.")
tokens_cli = AppGroup("tokens", help="Manage API tokens.")
channels_cli = AppGroup("channels", help="Manage sales channels.")


def _fail(error: DomainError):
    db.session.rollback()
    raise click.ClickException(error.message)


@users_cli.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--channel", default=None, help="Role channel: the code of the sales channel it acts for.")
def create_user_command(username: str, role: str, password: str, channel: str | None):
    """Create a user with a role."""
    from .auth.services import create_user

    try:
        user = create_user(db.session, username=username, role=role, password=password, channel=channel)
    except DomainError as error:
        _fail(error)
    db.session.commit()
    click.echo(f"Created {user.role} {user.username}.")


@tokens_cli.command("create")
@click.argument("username")
@click.option("--name", "label", default="cli", show_default=True, help="What the token is for.")
def create_token_command(username: str, label: str):
    """Issue an API token for USERNAME; the token is printed alone on the last line."""
    from .auth.services import issue_token_for, normalise_username

    user = db.session.scalar(select(User).where(User.username == normalise_username(username)))
    if user is None:
        raise click.ClickException(f"No user called {username}.")
    try:
        _, token = issue_token_for(db.session, user_id=user.id, name=label)
    except DomainError as error:
        _fail(error)
    db.session.commit()
    click.echo(f"API token for {user.username} ({user.role}); it is shown only once:")
    click.echo(token)


@channels_cli.command("create")
@click.argument("code")
@click.option("--name", required=True, help="What people call it, e.g. 'Web shop'.")
@click.option("--kind", type=click.Choice(["web", "marketplace", "pos"]), required=True)
def create_channel_command(code: str, name: str, kind: str):
    """Create a sales channel (web shop, marketplace, shop counter)."""
    from .channels.services import create_channel

    try:
        channel = create_channel(db.session, code=code, name=name, kind=kind)
    except DomainError as error:
        _fail(error)
    db.session.commit()
    click.echo(f"Created channel {channel.code} ({channel.kind}): {channel.name}.")


@click.command("seed-demo")
@click.option("--seed", default=42, show_default=True)
@click.option("--if-empty", is_flag=True, help="Do nothing when the database has users already.")
def seed_demo_command(seed: int, if_empty: bool):
    """Load the demo warehouse (deterministic) and print the demo logins."""
    from .demo import DEMO_LOGINS, seed_demo

    if if_empty and db.session.scalar(select(User.id).limit(1)) is not None:
        click.echo("Demo data already present; nothing loaded.")
    else:
        try:
            summary = seed_demo(db.session, seed=seed)
        except DomainError as error:  # e.g. loaded already: nothing is saved
            _fail(error)
        db.session.commit()
        click.echo(summary)
    click.echo("Demo logins (user / password / role):")
    for username, password, role in DEMO_LOGINS:
        click.echo(f"  {username:10} {password:14} {role}")


def init_app(app: Flask) -> None:
    from .receiving.cli import cli as receipts_cli
    from .reports.cli import cli as reports_cli

    app.cli.add_command(receipts_cli)
    app.cli.add_command(reports_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(tokens_cli)
    app.cli.add_command(channels_cli)
    app.cli.add_command(seed_demo_command)
