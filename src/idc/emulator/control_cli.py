"""The ``idc emulator`` subcommands that control a running emulator through its admin API
(:class:`~idc.emulator.admin_client.AdminClient`): stats, end-sessions, expire, advance-clock, fault,
clear-faults, export-directory. :mod:`idc.emulator.cli` adds them to its group.
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any

import click

URL_ENV = "IDC_EMULATOR_URL"
TOKEN_ENV = "IDC_EMULATOR_ADMIN_TOKEN"
ADMIN_COMMANDS = (
    "stats",
    "end-sessions",
    "expire",
    "advance-clock",
    "fault",
    "clear-faults",
    "export-directory",
)
"""The subcommands that talk to a running emulator's admin API (the banner lists them)."""


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


@click.command("export-directory", short_help="Write the running emulator's state as a directory file.")
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


@click.command("end-sessions", short_help="End all sign-in sessions, or one user's.")
@click.option("--user", help="End only this user's sessions.")
@_admin_options
def end_sessions(url: str | None, admin_token: str | None, user: str | None) -> None:
    """End all sign-in sessions (or one user's): their tokens stop working.

    Example: idc emulator end-sessions --user demo
    """
    answer = _client(url, admin_token).call("end-sessions", {"user": user} if user else {})
    ended = int(answer["ended"])
    click.echo(f"Ended {ended} session{'' if ended == 1 else 's'}.")


@click.command("expire", short_help="Expire access tokens and/or role credentials now.")
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


@click.command("advance-clock", short_help="Let SECONDS pass for tokens, credentials and sessions.")
@click.argument("seconds", type=float)
@_admin_options
def advance_clock(url: str | None, admin_token: str | None, seconds: float) -> None:
    """Let SECONDS pass for what the emulator issued: tokens, role credentials, sign-in sessions and
    codes expire as if that time had gone by.

    Clients keep signing with their real clock and STS checks signatures on it, so role credentials
    past their life get ExpiredToken, not SignatureDoesNotMatch. To test a client whose clock is off,
    use `idc emulator fault --clock-skew SECONDS`.

    Example: idc emulator advance-clock 3600
    """
    answer = _client(url, admin_token).call("advance-clock", {"seconds": seconds})
    click.echo(f"Clock offset is now {answer['offset']:+.0f} s.")


@click.command("fault")
@click.option(
    "--operation",
    help="API operation, e.g. GetRoleCredentials, or an sso-admin/identitystore one such as "
    "CreateAccountAssignment (default: the portal, OIDC and STS operations).",
)
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
@click.option(
    "--clock-skew",
    type=float,
    metavar="SECONDS",
    help="Set the service clock (Date header, SigV4's 15-minute window) SECONDS off the real time.",
)
@_admin_options
def fault(url: str | None, admin_token: str | None, clock_skew: float | None, **spec: Any) -> None:
    """Inject a fault into a running emulator.

    Several faults on one call: it waits for the longest latency, and the first fault installed that
    answers an error (status, error, tps-limit) answers it. A fault with --count acts on that many
    calls (each delay or error uses one), then goes away.

    \b
    Examples:
      idc emulator fault --operation GetRoleCredentials --status 429 --retry-after 2 --count 3
      idc emulator fault --operation CreateToken --error invalid_grant
      idc emulator fault --operation CreateAccountAssignment --status 429 --count 2
      idc emulator fault --operation CreateToken --latency-ms 3000 --count 1
      idc emulator fault --tps-limit 20
      idc emulator fault --region-down us-east-1 --mode silent
      idc emulator fault --clock-skew 960   # STS: "Signature not yet current" (until clear-faults)
    """
    body = {k: v for k, v in spec.items() if v is not None}
    if "mode" in body and "region_down" not in body:
        raise click.UsageError("--mode goes with --region-down.")
    if "status" in body:
        body["status"] = int(body["status"])
    client = _client(url, admin_token)
    if clock_skew is not None:
        skew = client.call("clock-skew", {"seconds": clock_skew})["skew"]
        click.echo(f"Service clock skew is now {skew:+.0f} s.")
        if not body:
            return
    answer = client.call("fault", body)
    shown = {"down": answer["down"], "faults": answer["faults"]} if "down" in answer else answer["faults"]
    click.echo(json.dumps(shown, indent=2))


@click.command("clear-faults")
@click.option("--baseline", is_flag=True, help="Also drop the --tps-limit/--latency-ms given at start.")
@_admin_options
def clear_faults(url: str | None, admin_token: str | None, baseline: bool) -> None:
    """Remove injected faults, the clock skew included.

    Example: idc emulator clear-faults
    """
    _client(url, admin_token).call("clear-faults", {"baseline": baseline})
    click.echo("Faults cleared.")


@click.command("stats")
@click.option("--reset", is_flag=True, help="Zero the counters after reading them.")
@_admin_options
def stats(url: str | None, admin_token: str | None, reset: bool) -> None:
    """Print the calls received per API operation, as JSON.

    Example: idc emulator stats
    """
    answer = _client(url, admin_token).call("stats", {"reset": reset})
    click.echo(json.dumps(answer["calls"], indent=2, sort_keys=True))


CONTROL_COMMANDS = (stats, end_sessions, expire, advance_clock, fault, clear_faults, export_directory)
