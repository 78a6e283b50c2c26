"""``idc emulator``: run the local Identity Center in the foreground, and administer a running one.

Thin: options become an :class:`~idc.emulator.server.EmulatorServer` or an
:class:`~idc.emulator.admin_client.AdminClient` call.
"""

from __future__ import annotations

import json
import signal
import threading
from pathlib import Path
from typing import Any

import click

from idc.emulator.control_cli import ADMIN_COMMANDS, CONTROL_COMMANDS, TOKEN_ENV, URL_ENV

PASSWORD_ENV = "IDC_APPROVER_PASSWORD"


@click.group(invoke_without_command=True, short_help="Run or administer a local IAM Identity Center.")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=0,
    show_default=True,
    metavar="PORT",
    help="0 picks a free port.",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option(
    "--directory",
    type=click.Path(dir_okay=False, path_type=Path),
    help="JSON file of users, groups, accounts, permission sets, assignments and lifetimes.",
)
@click.option(
    "--state",
    type=click.Path(dir_okay=False, path_type=Path),
    help="SQLite file keeping registrations, sessions and tokens across restarts (default: in memory).",
)
@click.option(
    "--tps-limit",
    type=click.FloatRange(min=0.1),
    metavar="N",
    help="Throttle the portal operations (429) past N/s.",
)
@click.option("--latency-ms", type=click.FloatRange(min=0), metavar="N", help="Delay every API call by N ms.")
@click.option(
    "--allow-host",
    multiple=True,
    help="Also accept this Host header name (besides 127.0.0.1, localhost, [::1]); for --host 0.0.0.0.",
)
@click.option("--access-log", is_flag=True, help="Print one line per request (method, path, status).")
@click.option(
    "--tls",
    is_flag=True,
    help="Serve HTTPS with a certificate from a throwaway CA; prints the CA file to trust.",
)
@click.option(
    "--vanity-host",
    multiple=True,
    metavar="NAME",
    help="Act as this vanity start URL host: GET /start with this Host redirects to the portal start URL.",
)
@click.option(
    "--device-url-style",
    type=click.Choice(["request-uri", "classic"]),
    default="request-uri",
    show_default=True,
    help="verificationUriComplete as AWS serves it now (an opaque request_uri; the page shows the code "
    "to compare), or classic (?user_code=, the code prefilled).",
)
@click.option(
    "--regions",
    metavar="R1,R2,...",
    help="Serve a replicated instance in these Regions, the primary first, each on its own port "
    "(--port: the primary's; the next ones and the admin listener follow it).",
)
@click.pass_context
def emulator(
    ctx: click.Context,
    port: int,
    host: str,
    directory: Path | None,
    state: Path | None,
    tps_limit: float | None,
    latency_ms: float | None,
    allow_host: tuple[str, ...],
    access_log: bool,
    tls: bool,
    vanity_host: tuple[str, ...],
    device_url_style: str,
    regions: str | None,
) -> None:
    """Run a local IAM Identity Center (sso-oidc, portal, STS, sign-in pages) in the foreground.

    It prints its base URL, start URL and region, and `export` lines: paste them into another shell
    to point AWS tools (AWS_ENDPOINT_URL_*) and the admin commands (IDC_EMULATOR_*) at it.

    \b
    Examples:
      idc emulator --port 8900
      idc emulator --device-url-style classic   # ?user_code= in verificationUriComplete
      idc emulator --directory org.json --state emulator.sqlite --tps-limit 20
      idc emulator --tls --vanity-host localhost   # HTTPS; https://localhost:PORT/start redirects
      idc emulator --regions us-east-1,eu-west-1   # a replicated instance, one listener per Region
      idc emulator stats          # in the other shell, after pasting the export lines
    """
    if ctx.invoked_subcommand is not None:
        return
    if regions is not None:
        if tls or vanity_host or allow_host:
            raise click.UsageError(
                "--regions serves plain HTTP on loopback: no --tls, --vanity-host, --allow-host."
            )
        from idc.emulator.regions.banner import banner_lines
        from idc.emulator.regions.instance import RegionsEmulator
        from idc.emulator.regions.names import parse_regions

        several = RegionsEmulator(
            parse_regions(regions),
            host=host,
            port=port,
            directory=directory,
            state=state,
            tps_limit=tps_limit,
            latency_ms=latency_ms,
            access_log=access_log,
            device_url_style=device_url_style,
        )
        several.start()
        label = str(directory) if directory is not None else "built-in"
        _serve_until_stopped(banner_lines(several, directory_label=label), several.stop)
        return
    from idc.emulator.server import EmulatorServer

    server = EmulatorServer(
        host=host,
        port=port,
        directory=directory,
        state=state,
        tps_limit=tps_limit,
        latency_ms=latency_ms,
        allow_hosts=allow_host,
        access_log=access_log,
        tls=tls,
        vanity_hosts=vanity_host,
        device_url_style=device_url_style,
    )
    server.start()
    base = server.base_url
    loaded = server.engine.directory
    counts = f"{_counted(len(loaded.users), 'user')}, {_counted(len(loaded.accounts), 'account')}"
    approver = "demo" if server.engine.builtin_directory else "USER"  # a loaded directory's are its own
    lines = [
        "Local IAM Identity Center running (Ctrl-C stops it).",
        f"Directory: {directory if directory is not None else 'built-in'} ({counts})",
        *(
            ["Sign in as demo, password demo (administrator: admin, password admin)."]
            if server.engine.builtin_directory
            else []
        ),
        f"Base URL: {base}",
        f"Start URL: {server.start_url}",
        f"Region: {server.region}",
        f"Portal: {base}{server.engine.start_path}",
        *(f"Vanity start URL: {server.vanity_start_url(name)}" for name in vanity_host),
        *([f"CA file: {server.ca_file}", f"Trust it: export AWS_CA_BUNDLE={server.ca_file}"] if tls else []),
        "Point AWS tools at it:",
        f"export AWS_ENDPOINT_URL_SSO_OIDC={base} AWS_ENDPOINT_URL_SSO={base} AWS_ENDPOINT_URL_STS={base}"
        f" AWS_ENDPOINT_URL_SIGNIN={base} AWS_ENDPOINT_URL_SSO_ADMIN={base}"
        f" AWS_ENDPOINT_URL_IDENTITYSTORE={base}",
        *(
            ["Approve sign-ins without a desktop browser (as demo/demo):"]
            if server.engine.builtin_directory
            else [f"Approve sign-ins without a desktop browser (the password in ${PASSWORD_ENV}):"]
        ),
        f'export BROWSER="idc emulator approve --user {approver}"',
        f"Administer it (idc emulator {'|'.join(ADMIN_COMMANDS)}):",
        f"export {URL_ENV}={base}",
        f"export {TOKEN_ENV}={server.admin_token}",
    ]
    _serve_until_stopped(lines, server.stop)


def _serve_until_stopped(lines: list[str], stop_server: Any) -> None:
    """Print the banner; serve until Ctrl-C or SIGTERM; stop cleanly."""
    stop = threading.Event()

    def on_signal(signum: int, frame: Any) -> None:
        stop.set()

    previous = signal.signal(signal.SIGTERM, on_signal)
    try:  # from the first printed line on, Ctrl-C means "stop cleanly"
        click.echo("\n".join(lines))
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        stop_server()
    click.echo("Stopped.", err=True)


def _counted(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")


@emulator.command("directory", short_help="Check a directory file; print it as the emulator reads it.")
@click.option(
    "--directory",
    "path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The directory file to check (default: the built-in directory).",
)
def show_directory(path: Path | None) -> None:
    """Check a directory file and print it as the emulator reads it (defaults filled in).

    Without --directory it prints the built-in directory: a template to start from.

    \b
    Examples:
      idc emulator directory > org.json
      idc emulator directory --directory org.json
    """
    from idc.emulator.directory import directory_to_dict, load_directory

    click.echo(json.dumps(directory_to_dict(load_directory(path)), indent=2))


@emulator.command("approve", short_help="Approve a sign-in on the emulator's pages (a BROWSER command).")
@click.argument("url")
@click.option("--user", default="demo", show_default=True, help="User name to sign in with.")
@click.option("--deny", is_flag=True, help="Click Deny instead of Allow.")
@click.option("--user-code", help="The code the application shows (device flow pages that show a code).")
@click.option(
    "--user-code-from",
    metavar="FILE",
    help="Read that code from the application's output in FILE (or a directory of such files).",
)
@click.option(
    "--detach",
    is_flag=True,
    help="Return at once and walk the pages in the background (for tools that wait for their browser "
    "command, such as the AWS CLI's PKCE sign-in).",
)
@click.option("--log", metavar="FILE", help="With --detach: append the walk's outcome line to FILE.")
@click.option("--timeout", type=float, default=30.0, show_default=True, help="Seconds for the whole walk.")
def approve(
    url: str,
    user: str,
    deny: bool,
    user_code: str | None,
    user_code_from: str | None,
    detach: bool,
    log: str | None,
    timeout: float,
) -> None:
    """Act as the user at a browser: open URL (the address a sign-in opens), sign in, confirm the code,
    and click Allow (or Deny), over plain HTTP on the emulator's own pages.

    Made to be the BROWSER command of idc, the AWS CLI or any SDK, where no desktop browser is at hand.
    The password comes from $IDC_APPROVER_PASSWORD (default: demo), never the command line.

    \b
    Examples:
      export BROWSER="idc emulator approve --user demo"
      idc login --profile AdministratorAccess
      BROWSER="idc emulator approve --detach" aws sso login --profile AdministratorAccess
    """
    from idc.emulator.page_approver_cli import main

    argv = ["--user", user, "--timeout", str(timeout)]
    argv += ["--deny"] if deny else []
    argv += ["--detach"] if detach else []
    for flag, value in (("--user-code", user_code), ("--user-code-from", user_code_from), ("--log", log)):
        if value is not None:
            argv += [flag, value]
    status = main([*argv, url])
    if status:
        raise SystemExit(status)


for _command in CONTROL_COMMANDS:
    emulator.add_command(_command)
