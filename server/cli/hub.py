"""`flask hub sync` and `flask hub run`: a hub's relay to its upstream server; `flask hub certificate`:
its own HTTPS certificate (server/hub/certificate.py)."""

import click
from flask import current_app
from flask.cli import with_appcontext

from sync.client import TransportError

from ..hub.certificate import make_certificate
from ..hub.relay import RelayError, cycle, run_forever, upstream_of


@click.group("hub", help="Relay a kecamatan hub to its upstream server.")
def hub_cli():
    """The hub commands."""


def _upstream():
    config = current_app.config
    if not (config["UPSTREAM_URL"] and config["HUB_PHONE"] and config["HUB_PIN"]):
        raise click.UsageError("Set LUMBUNG_UPSTREAM_URL, LUMBUNG_HUB_PHONE and LUMBUNG_HUB_PIN to run a hub.")
    return upstream_of(config)


@hub_cli.command("sync")
@with_appcontext
def sync_command():
    """Run one relay cycle now."""
    try:
        report = cycle(_upstream())
    except (TransportError, RelayError) as exc:
        raise click.ClickException(f"upstream not reached: {exc}") from exc
    click.echo(
        f"pushed {report.pushed} ops ({report.rejected} rejected upstream), pulled {report.pulled} changes; "
        f"photos: {report.photos_up} up ({report.photos_refused} refused), {report.photos_down} down "
        f"({report.photos_unavailable} not available upstream); reached at {report.reached_at}"
    )


@hub_cli.command("run")
@click.option("--interval", default=30, show_default=True, help="Seconds between cycles.")
@with_appcontext
def run_command(interval):
    """Relay for as long as the hub runs, waiting longer while upstream cannot be reached."""
    run_forever(_upstream(), interval=interval)


@hub_cli.command("certificate")
@click.argument("names", nargs=-1, required=True)
@with_appcontext
def certificate_command(names):
    """Make the hub's HTTPS certificate for its NAMES (host names, IP addresses), in LUMBUNG_TLS_DIR
    (instance/tls/)."""
    authority, cert, key = make_certificate(current_app.config["TLS_DIR"], list(names))
    click.echo(f"Serve with LUMBUNG_TLS_CERT={cert} LUMBUNG_TLS_KEY={key}")
    click.echo(f"Each phone installs {authority} once (Settings > Security > Install a certificate > CA).")
