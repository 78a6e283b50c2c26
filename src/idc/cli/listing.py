"""``idc list``: the accounts and roles a user can reach (a table on a terminal, JSON for scripts).

Also the progress display shared with ``idc populate``: a rich progress bar on stderr when stderr is a
terminal, nothing otherwise.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

import click

from idc.accounts.listing import DEFAULT_TPS
from idc.cli.completion import complete_profiles, complete_sso_sessions
from idc.cli.tls import tls_options

if TYPE_CHECKING:
    from idc.accounts.listing import AccountListing, ProgressCallback

F = TypeVar("F", bound=Callable[..., Any])


def listing_options(command: F) -> F:
    """``--refresh`` and ``--tps``: how a command that lists the organisation reads it (list, populate)."""
    command = click.option(
        "--tps",
        type=click.FloatRange(min=0.1),
        metavar="N",
        default=DEFAULT_TPS,
        show_default=True,
        help="Calls per second to Identity Center (its quota is about 20).",
    )(command)
    return click.option("--refresh", is_flag=True, help="Ignore the listing cached in the last 10 minutes.")(
        command
    )


@contextmanager
def progress_bar(description: str) -> Iterator[ProgressCallback | None]:
    """A progress callback drawing a bar on stderr when it is a terminal; None (no output) otherwise."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from idc.accounts.listing import Progress as ListingProgress

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("accounts"),
        TimeElapsedColumn(),
        TextColumn("{task.fields[calls]} calls, {task.fields[throttled]} throttled"),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        task = bar.add_task(description, total=None, calls=0, throttled=0)

        def update(snapshot: ListingProgress) -> None:
            bar.update(
                task,
                completed=snapshot.accounts_done,
                total=snapshot.accounts_total if snapshot.accounts_total is not None else None,
                calls=snapshot.calls,
                throttled=snapshot.throttled,
            )

        yield update


def counted(count: int, noun: str) -> str:
    """``1 account``, ``2 accounts``: a count with its noun in the right number."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def render_table(listing: AccountListing) -> None:
    """The listing as a rich table on stdout."""
    from rich.console import Console
    from rich.table import Table

    if listing.from_cache:
        when = listing.fetched_at.strftime("%H:%M:%S UTC")
        source = f"cached at {when}; --refresh to fetch again"
    else:
        source = f"fetched in {listing.stats.seconds:.1f} s"
    counts = f"{counted(len(listing.accounts), 'account')}, {counted(listing.role_count, 'role')}"
    table = Table(
        title=f"{counts} ({source})",
        title_justify="left",
    )
    table.add_column("Account ID", no_wrap=True)
    table.add_column("Account name")
    table.add_column("Email")
    table.add_column("Roles")
    for account in listing.accounts:
        table.add_row(account.account_id, account.account_name, account.email, ", ".join(account.roles))
    Console().print(table)


@click.command("list", short_help="List the AWS accounts and roles you can reach.")
@click.option(
    "--profile",
    metavar="PROFILE",
    shell_complete=complete_profiles,
    help="List with this profile's SSO session (default: AWS_PROFILE).",
)
@click.option(
    "--sso-session",
    "sso_session",
    metavar="SESSION",
    shell_complete=complete_sso_sessions,
    help="List with this [sso-session].",
)
@click.option(
    "--output",
    type=click.Choice(["table", "json"]),
    help="table for people, json for scripts (default: table on a terminal, json otherwise).",
)
@listing_options
@tls_options
def list_command(
    profile: str | None,
    sso_session: str | None,
    output: str | None,
    refresh: bool,
    tps: float,
    verify: bool | str | None,
) -> None:
    """List the AWS accounts and roles you can reach through IAM Identity Center.

    \b
    Examples:
      idc list --sso-session my-sso
      idc list --profile dev --output json | jq -r '.accounts[].accountId'
    """
    from idc.accounts.listing import ListingOptions
    from idc.accounts.target import listing_for, resolve_target
    from idc.aws.clients import BotocoreClientFactory
    from idc.storage.locations import Locations

    if profile and sso_session:
        raise click.UsageError("Give --profile or --sso-session, not both.")
    locations = Locations.from_environ()
    target = resolve_target(locations, profile=profile, sso_session=sso_session)
    with progress_bar("Listing accounts") as progress:
        listing = listing_for(
            target,
            locations=locations,
            refresh=refresh,
            options=ListingOptions(tps=tps),
            progress=progress,
            client_factory=BotocoreClientFactory(verify=verify, profile=profile),
        )
    if (output or ("table" if sys.stdout.isatty() else "json")) == "table":
        render_table(listing)
    else:
        click.echo(json.dumps({**listing.to_json(), "fromCache": listing.from_cache}, indent=2))
