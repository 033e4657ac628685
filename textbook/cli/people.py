"""People: users, the members of a book and their roles, API tokens."""

from __future__ import annotations

from datetime import UTC, datetime

import click

from textbook.cli.context import Context, as_option, pass_context, reports_errors
from textbook.domain.user import listed_id, token_expiry
from textbook.domain.vocabulary import Role, choices


@click.group()
def user() -> None:
    """Manage people."""


@user.command("add")
@click.argument("name")
@click.option("--email", required=True, help="The user's email address.")
@click.option("--password", help="The password (prompted for when omitted).")
@click.option(
    "--verified",
    is_flag=True,
    help="Vouch for the address: verified at once, without mailing it a link.",
)
@pass_context
@reports_errors
def user_add(context: Context, name: str, email: str, password: str | None, verified: bool) -> None:
    """Register a user (their address is mailed a link that verifies it, unless --verified)."""
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    user_id = context.app.register_user(name, email, password, verified=verified)
    context.refresh(quiet=True)
    click.echo(f"Added user {name} ({user_id})")


@click.group()
def member() -> None:
    """Manage the members of a book."""


@member.command("grant")
@click.argument("name")
@click.argument("slug")
@click.argument("role", type=click.Choice(choices(Role)))
@as_option
@pass_context
@reports_errors
def member_grant(context: Context, name: str, slug: str, role: str, as_user: str | None) -> None:
    """Make NAME an author, editor or maintainer of the book SLUG."""
    context.app.grant(slug, name, Role(role), by=as_user)
    context.refresh(quiet=True)
    click.echo(f"{name} is now {role} of {slug}")


@click.group()
def token() -> None:
    """Manage API tokens."""


@token.command("create")
@click.argument("name")
@click.option("--label", default="", help="What the token is for.")
@click.option(
    "--expires", default="", help="When it expires: 30d, 12h, 2w, or a date (UTC); never if unset."
)
@pass_context
@reports_errors
def token_create(context: Context, name: str, label: str, expires: str) -> None:
    """Create an API token for NAME; printed once, as the last word."""
    secret = context.app.create_token(name, label, token_expiry(expires, datetime.now(UTC)))
    click.echo(f"API token {listed_id(secret)} for {name} (shown once, keep it secret): {secret}")


@token.command("list")
@click.argument("name")
@pass_context
@reports_errors
def token_list(context: Context, name: str) -> None:
    """List NAME's tokens: id, created, expires, label (never the secret)."""
    now = datetime.now(UTC)
    for info in context.app.tokens(name):
        created = f"{info.created:%Y-%m-%dT%H:%M:%SZ}" if info.created else "-"
        expires = f"{info.expires:%Y-%m-%dT%H:%M:%SZ}" if info.expires else "never"
        if info.expired(now):
            expires += " (expired)"
        click.echo(f"{info.id}  {created}  {expires}  {info.label}")


@token.command("revoke")
@click.argument("name")
@click.argument("token_id", required=False)
@click.option("--all", "revoke_all", is_flag=True, help="Revoke every token of NAME.")
@pass_context
@reports_errors
def token_revoke(context: Context, name: str, token_id: str | None, revoke_all: bool) -> None:
    """Revoke NAME's token TOKEN_ID (from `token list`), or all of them with --all."""
    if revoke_all == (token_id is not None):
        raise click.UsageError("give either a TOKEN_ID or --all")
    if token_id is None:
        count = context.app.revoke_all_tokens(name)
        click.echo(f"Revoked {count} token{'s' if count != 1 else ''} of {name}")
    else:
        context.app.revoke_token(name, token_id)
        click.echo(f"Revoked token {token_id} of {name}")


commands = [user, member, token]
