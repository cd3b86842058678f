"""Command-line tools: accounts, regions, demo data, backups."""

import time

import click
from flask.cli import AppGroup
from marshmallow import ValidationError

from .backup import backup_command, restore_command
from .demo import demo_command
from .extensions import db
from .load import load_command
from .messages import field_message
from .open_data import export_cli
from .pins import is_weak_pin
from .regions import DATA_DIR, import_regions
from .scope import region_level
from .users import ROLE_LEVELS, NewUserSchema, create_account, phone_taken

user_cli = AppGroup("user", help="Manage accounts.")
regions_cli = AppGroup("regions", help="Kemendagri regions.")


@user_cli.command("create")
@click.option("--phone", required=True, help="Phone number: 08..., 62... or +62...")
@click.option("--pin", required=True, help="Six digits.")
@click.option("--role", required=True, type=click.Choice(["producer", "facilitator", "admin"]))
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
    # The levels the API holds every account to: an admin over a kabupaten or province, and so on.
    wrong = [code for code in body["regions"] if region_level(code) not in ROLE_LEVELS[role]]
    if wrong:
        raise click.ClickException(f"wrong_region_level: a {role} cannot be assigned to {', '.join(wrong)}")
    if phone_taken(body["phone"]):
        raise click.ClickException(f"phone {body['phone']} is already registered")
    try:
        user = create_account(body)
    except Exception as exc:  # an ApiError from the region checks
        raise click.ClickException(f"cannot create the account: {getattr(exc, 'details', exc)}") from exc
    db.session.commit()
    click.echo(f"created {user.role} {user.name} {user.phone} id={user.id}")


@regions_cli.command("import")
@click.option("--source", default=str(DATA_DIR), show_default=True, help="Folder with the idn-area-data CSVs.")
@click.option("--only", default=None, help="Import only this region and what lies under it (e.g. 32.04).")
def import_regions_command(source, only):
    """Load the Kemendagri regions; running it again changes nothing."""
    started = time.perf_counter()
    result = import_regions(source, only)
    levels = result["levels"]
    click.echo(
        f"{levels[1]} provinces, {levels[2]} kabupaten/kota, {levels[3]} kecamatan, {levels[4]} desa/kelurahan; "
        f"{result['inserted']} inserted, {result['renamed']} renamed in {time.perf_counter() - started:.1f}s"
    )


def init_app(app):
    """Register the command groups with the app."""
    app.cli.add_command(user_cli)
    app.cli.add_command(regions_cli)
    app.cli.add_command(demo_command)
    app.cli.add_command(load_command)
    app.cli.add_command(export_cli)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
