"""`flask user create`: an account from the command line (the first admin is made this way)."""

import click
from flask.cli import AppGroup
from marshmallow import ValidationError

from ..api.users import ROLES, NewUserSchema, create_account, phone_taken, regions_problem
from ..extensions import db
from ..web.messages import field_message
from ..web.pins import is_weak_pin

user_cli = AppGroup("user", help="Manage accounts.")


@user_cli.command("create")
@click.option("--phone", required=True, help="Phone number: 08..., 62... or +62...")
@click.option("--pin", required=True, help="Six digits.")
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--region", "regions", multiple=True, required=True, help="Region code; repeat for several.")
@click.option("--name", required=True)
def create_user_command(phone, pin, role, regions, name):
    """Create an account (the first admin is made this way)."""
    try:
        body = NewUserSchema().load({"phone": phone, "pin": pin, "role": role, "regions": list(regions), "name": name})
    except ValidationError as exc:
        raise click.ClickException(f"invalid input: {exc.messages}") from exc
    if is_weak_pin(body["pin"]):
        raise click.ClickException(f"weak_pin: {field_message('weak_pin', 'en')}")
    # What the API holds every account to: an admin over a kabupaten or province, a hub over one
    # kecamatan, and so on.
    if problem := regions_problem(role, body["regions"]):
        raise click.ClickException(f"{problem}: {field_message(problem, 'en')} ({role}: {', '.join(regions)})")
    if phone_taken(body["phone"]):
        raise click.ClickException(f"phone {body['phone']} is already registered")
    try:
        user = create_account(body)
    except Exception as exc:  # an ApiError from the region checks
        raise click.ClickException(f"cannot create the account: {getattr(exc, 'details', exc)}") from exc
    db.session.commit()
    click.echo(f"created {user.role} {user.name} {user.phone} id={user.id}")
