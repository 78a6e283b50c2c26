"""``idc serve``: the container credentials endpoint in the foreground, for several profiles."""

from __future__ import annotations

import ipaddress
import os
import signal
import sys
import threading
from typing import TYPE_CHECKING, Any

import click

from idc.cli.completion import complete_profiles
from idc.cli.narrowing import audit_log_option, narrowing_options
from idc.cli.tls import tls_options

if TYPE_CHECKING:
    from idc.credentials.narrowed import Narrowing

TOKEN_ENV = "IDC_CREDENTIALS_TOKEN"


@click.command("serve")
@click.option(
    "--profile",
    "profiles",
    metavar="PROFILE",
    multiple=True,
    required=True,
    shell_complete=complete_profiles,
    help="Profile to serve at /credentials/PROFILE (repeat for more).",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=0, help="Port (default: a random free one).")
@audit_log_option
@narrowing_options
@tls_options
def serve(
    profiles: tuple[str, ...],
    host: str,
    port: int,
    audit_log: str | None,
    verify: bool | str | None,
    narrowing: Narrowing | None,
) -> int:
    """Serve role credentials to SDKs that refresh them (the container credentials endpoint).

    Prints the export lines to use: an SDK (boto3, the AWS CLI, Go, JS, Java...) with
    AWS_CONTAINER_CREDENTIALS_FULL_URI and AWS_CONTAINER_AUTHORIZATION_TOKEN set fetches credentials
    here and fresh ones before they expire, for as long as your SSO session lasts. The token is
    random (256 bits) unless IDC_CREDENTIALS_TOKEN sets it (for docker compose); requests without it
    get 403. When the SSO session ends, SDKs get an error naming `idc login --profile P`; after that
    login the server answers again by itself. Every refresh (the SSO token's and the role
    credentials') honours --ca-bundle / --no-verify-ssl, else AWS_CA_BUNDLE and the profile's ca_bundle.
    Ctrl-C stops it.

    \b
    Examples:
      idc serve --profile AdministratorAccess
      idc serve --profile dev --profile prod --port 9911
      idc serve --profile dev --ca-bundle corp-ca.pem   # behind a TLS-inspecting proxy
      IDC_CREDENTIALS_TOKEN=... idc serve --profile dev --host 0.0.0.0   # containers (docs/)

    \b
    Exit codes: 0 stopped; 2 usage; 3 a profile problem (unknown profile, not an SSO role
    profile) or the address cannot be listened on (port in use).
    """
    from idc.credentials.endpoint_setup import check_served_profiles, endpoint_for, mfa_notes
    from idc.errors import ConfigError, IdcError

    token = os.environ.get(TOKEN_ENV, "").strip() or None
    if token is not None and len(token) < 32:
        raise click.UsageError(f"{TOKEN_ENV} must be at least 32 characters (use `openssl rand -hex 32`)")
    check_served_profiles(profiles)  # a typo or a profile with no role never gets served: exit 3
    host = host.strip("[]")  # --host [::1] as a URL writes it
    endpoint, audit = endpoint_for(
        profiles, verify=verify, narrowing=narrowing, audit_log=audit_log, token=token, host=host, port=port
    )
    if not _is_loopback(host):
        click.echo(
            f"idc: warning: serving credentials on {endpoint.address}: anyone who can reach port "
            f"{endpoint.port} and has the token gets these roles' credentials.",
            err=True,
        )
    for note in mfa_notes(profiles):
        click.echo(note, err=True)
    for name in profiles:
        try:
            endpoint.prime(name)
        except ConfigError:
            endpoint.close()
            raise
        except IdcError as problem:
            click.echo(f"idc: warning: profile {name}: {problem}", err=True)
    click.echo(f"Serving role credentials on {endpoint.address} (Ctrl-C stops).", err=True)
    for name in profiles:
        env = endpoint.environment(name)
        line = " ".join(f"{key}={value}" for key, value in env.items())
        click.echo(f"# profile {name}\nexport {line}")
    sys.stdout.flush()
    try:
        _run_until_stopped(endpoint)
    finally:
        if audit is not None:
            audit.close()
    return 0


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _run_until_stopped(endpoint: Any) -> None:
    def stop(signum: int, frame: object) -> None:
        threading.Thread(target=endpoint.stop, daemon=True).start()

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        endpoint.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
