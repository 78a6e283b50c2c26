"""``idc emulator``: run the local Identity Center in the foreground, and administer a running one.

Thin: options become an :class:`~idc.emulator.server.EmulatorServer` or an
:class:`~idc.emulator.admin_client.AdminClient` call.
"""

from __future__ import annotations

import contextlib
import json
import signal
import threading
from pathlib import Path
from typing import Any

import click

URL_ENV = "IDC_EMULATOR_URL"
TOKEN_ENV = "IDC_EMULATOR_ADMIN_TOKEN"


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
        "Administer it (idc emulator stats|end-sessions|expire|advance-clock|fault|clear-faults):",
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


def _admin_options(function: Any) -> Any:
    function = click.option(
        "--admin-token",
        envvar=TOKEN_ENV,
        help=f"The admin token printed at start (prefer the {TOKEN_ENV} variable).",
    )(function)
    function = click.option("--url", envvar=URL_ENV, help=f"Base URL of the emulator ({URL_ENV}).")(function)
    return function


def _client(url: str | None, admin_token: str | None) -> Any:
    from idc.emulator.admin_client import AdminClient

    missing = [name for name, value in ((URL_ENV, url), (TOKEN_ENV, admin_token)) if not value]
    if missing or url is None or admin_token is None:
        from idc.errors import ConfigError

        raise ConfigError(
            f"{' and '.join(missing)} {'is' if len(missing) == 1 else 'are'} not set: no running emulator to "
            "talk to.",
            hint="Run the `export` lines `idc emulator` printed when it started (or pass --url and "
            "--admin-token).",
        )
    return AdminClient(url, admin_token)


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


@emulator.command("export-directory", short_help="Write the running emulator's state as a directory file.")
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The file to write (mode 0600: it holds passwords); default: standard output.",
)
@_admin_options
def export_directory(url: str | None, admin_token: str | None, output: Path | None) -> None:
    """Write what the running emulator serves (users, groups, permission sets, assignments, with their
    ids and ARNs) as a directory file that starts an emulator in the same state.

    \b
    Example:
      idc emulator export-directory -o org.json && idc emulator --directory org.json
    """
    data = _client(url, admin_token).call("export-directory")
    text = json.dumps(data, indent=2) + "\n"
    if output is None:
        click.echo(text, nl=False)
        return
    _write_private(output, text)


def _write_private(path: Path, text: str) -> None:
    """Temp file (0600) + fsync + rename: the file holds the directory's passwords."""
    import os
    import tempfile

    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


@emulator.command("end-sessions", short_help="End all sign-in sessions, or one user's.")
@click.option("--user", help="End only this user's sessions.")
@_admin_options
def end_sessions(url: str | None, admin_token: str | None, user: str | None) -> None:
    """End all sign-in sessions (or one user's): their tokens stop working.

    Example: idc emulator end-sessions --user demo
    """
    answer = _client(url, admin_token).call("end-sessions", {"user": user} if user else {})
    ended = int(answer["ended"])
    click.echo(f"Ended {ended} session{'' if ended == 1 else 's'}.")


@emulator.command("expire", short_help="Expire access tokens and/or role credentials now.")
@click.option("--user", help="Only this user's (default: everyone's).")
@click.option(
    "--what",
    type=click.Choice(["tokens", "credentials", "all"]),
    default="all",
    show_default=True,
    help="Access tokens (clients refresh them), role credentials (clients fetch new ones), or both.",
)
@_admin_options
def expire(url: str, admin_token: str, user: str | None, what: str) -> None:
    """Expire access tokens and/or role credentials now; sessions and refresh tokens live on.

    Exercises a client's refresh path without moving the emulator's clock.

    Example: idc emulator expire --user demo --what tokens
    """
    body: dict[str, str] = {"what": what}
    if user:
        body["user"] = user
    answer = _client(url, admin_token).call("expire", body)
    click.echo(f"Expired {answer['tokens']} access token(s) and {answer['credentials']} role credential(s).")


@emulator.command("advance-clock", short_help="Move the emulator's clock forward by SECONDS.")
@click.argument("seconds", type=float)
@_admin_options
def advance_clock(url: str | None, admin_token: str | None, seconds: float) -> None:
    """Move the emulator's clock forward by SECONDS (tokens and credentials age).

    Example: idc emulator advance-clock 3600
    """
    answer = _client(url, admin_token).call("advance-clock", {"seconds": seconds})
    click.echo(f"Clock offset is now {answer['offset']:+.0f} s.")


@emulator.command("fault")
@click.option("--operation", help="API operation, e.g. GetRoleCredentials (default: all).")
@click.option("--status", type=click.Choice(["429", "500"]), help="Answer this HTTP error.")
@click.option("--retry-after", type=int, help="Retry-After seconds for 429 (default 1).")
@click.option("--error", help="sso-oidc OAuth error code, e.g. invalid_grant (with --operation CreateToken).")
@click.option("--latency-ms", type=float, help="Delay matching calls.")
@click.option(
    "--tps-limit", type=float, help="Token bucket: 429 past N calls/s (portal operations by default)."
)
@click.option("--count", type=int, help="Only the next N matching calls (default: until clear-faults).")
@click.option(
    "--region",
    metavar="REGION",
    help="With --regions: inject the fault in this Region only (default: every Region).",
)
@click.option(
    "--region-down",
    metavar="REGION",
    help="With --regions: take this Region down (see --mode) until clear-faults.",
)
@click.option(
    "--mode",
    type=click.Choice(["refused", "unaccepted", "silent", "5xx"]),
    help="How --region-down fails: connections refused, never accepted (connect times out), accepted "
    "but never answered, or 503 (default: refused).",
)
@_admin_options
def fault(url: str | None, admin_token: str | None, **spec: Any) -> None:
    """Inject a fault into a running emulator.

    \b
    Examples:
      idc emulator fault --operation GetRoleCredentials --status 429 --retry-after 2 --count 3
      idc emulator fault --operation CreateToken --error invalid_grant
      idc emulator fault --tps-limit 20
      idc emulator fault --region-down us-east-1 --mode silent
    """
    body = {k: v for k, v in spec.items() if v is not None}
    if "mode" in body and "region_down" not in body:
        raise click.UsageError("--mode goes with --region-down.")
    if "status" in body:
        body["status"] = int(body["status"])
    answer = _client(url, admin_token).call("fault", body)
    shown = {"down": answer["down"], "faults": answer["faults"]} if "down" in answer else answer["faults"]
    click.echo(json.dumps(shown, indent=2))


@emulator.command("clear-faults")
@click.option("--baseline", is_flag=True, help="Also drop the --tps-limit/--latency-ms given at start.")
@_admin_options
def clear_faults(url: str | None, admin_token: str | None, baseline: bool) -> None:
    """Remove injected faults.

    Example: idc emulator clear-faults
    """
    _client(url, admin_token).call("clear-faults", {"baseline": baseline})
    click.echo("Faults cleared.")


@emulator.command("stats")
@click.option("--reset", is_flag=True, help="Zero the counters after reading them.")
@_admin_options
def stats(url: str | None, admin_token: str | None, reset: bool) -> None:
    """Print the calls received per API operation, as JSON.

    Example: idc emulator stats
    """
    answer = _client(url, admin_token).call("stats", {"reset": reset})
    click.echo(json.dumps(answer["calls"], indent=2, sort_keys=True))
