"""``idc sessions``: every sign-in session, its Regions, tokens, storage and profiles."""

from __future__ import annotations

import json
import sys

import click

_STATES = {
    "valid": "valid until {expires}",
    "expired": "expired {expires}",
    "signed out": "signed out",
    "none": "not signed in",
    "unreadable": "unreadable",
}


@click.command("sessions", short_help="Every sign-in session: Regions, token expiry, storage, profiles.")
@click.option(
    "--output",
    type=click.Choice(["table", "json"]),
    help="table for people, json for scripts (default: table on a terminal, json otherwise).",
)
def sessions(output: str | None) -> None:
    """Show every [sso-session] of the config (and the start URLs of legacy profiles): its start
    URL, each Region's token (expiry, whether it can be refreshed), where the sign-in is kept (file
    or keychain), whether it was signed out, and the profiles that use it. Reads the files only:
    nothing is called or refreshed.

    \b
    Examples:
      idc sessions
      idc sessions --output json | jq '.sessions[] | select(.signedOut)'
    """
    from idc.config import load_config
    from idc.signin.sessions import session_statuses
    from idc.storage.locations import Locations

    locations = Locations.from_environ()
    statuses = session_statuses(load_config(locations), locations)
    if (output or ("table" if sys.stdout.isatty() else "json")) == "json":
        click.echo(json.dumps({"sessions": [status.to_json() for status in statuses]}, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{len(statuses)} sign-in session{'s' * (len(statuses) != 1)}", title_justify="left")
    for column in ("Session", "Start URL", "Region", "Token", "Refreshable", "Storage", "Profiles"):
        table.add_column(column, overflow="fold")
    for status in statuses:
        for index, region in enumerate(status.regions):
            expires = region.to_json()["expiresAt"] or ""
            first = index == 0
            table.add_row(
                (status.name or "(legacy profiles)") if first else f"  {region.session_name}",
                region.start_url,
                region.region,
                _STATES[region.state].format(expires=expires),
                "yes" if region.can_refresh else "no",
                status.storage if first else "",
                ", ".join(status.profiles) if first else "",
            )
    Console().print(table)
