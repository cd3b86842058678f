"""Command-line tools (`flask --app server ...`): accounts, regions, demo data, bulk load,
open data, backups, a hub's relay."""

from .accounts import user_cli
from .backup import backup_command, restore_command
from .demo import demo_command
from .hub import hub_cli
from .load import load_command
from .open_data import export_cli
from .regions import regions_cli


def init_app(app):
    """Register the command groups with the app."""
    app.cli.add_command(user_cli)
    app.cli.add_command(regions_cli)
    app.cli.add_command(demo_command)
    app.cli.add_command(load_command)
    app.cli.add_command(export_cli)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(hub_cli)
