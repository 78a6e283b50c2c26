"""``--ca-bundle`` and ``--no-verify-ssl``: the AWS CLI's TLS options, on every command that calls AWS.

The decorated command receives one ``verify`` argument (:data:`idc.aws.tls.Verify`): a path, False, or
None when neither flag is given (then AWS_CA_BUNDLE and the profile's ``ca_bundle`` apply, as in
botocore). ``--no-verify-ssl`` prints one warning instead of urllib3's warning on every request.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


def verify_from_flags(ca_bundle: str | None, no_verify_ssl: bool) -> bool | str | None:
    from idc.aws.tls import INSECURE_WARNING

    if ca_bundle and no_verify_ssl:
        raise click.UsageError("Give --ca-bundle or --no-verify-ssl, not both.")
    if no_verify_ssl:
        click.echo(INSECURE_WARNING, err=True)
        from urllib3.exceptions import InsecureRequestWarning

        warnings.filterwarnings("ignore", category=InsecureRequestWarning)
        return False
    return ca_bundle


def tls_options(command: F) -> F:
    """Add ``--ca-bundle PATH`` and ``--no-verify-ssl``; call ``command`` with ``verify=`` instead.

    Put it directly above the function (below the other options).
    """

    @functools.wraps(command)
    def wrapper(*args: Any, ca_bundle: str | None, no_verify_ssl: bool, **kwargs: Any) -> Any:
        return command(*args, verify=verify_from_flags(ca_bundle, no_verify_ssl), **kwargs)

    wrapper = click.option(
        "--no-verify-ssl",
        is_flag=True,
        help="Do not verify TLS certificates (prints a warning). Prefer --ca-bundle.",
    )(wrapper)
    wrapper = click.option(
        "--ca-bundle",
        type=click.Path(exists=True, readable=True),
        metavar="PATH",
        help="CA bundle to verify TLS certificates with (default: AWS_CA_BUNDLE, then ca_bundle in the "
        "profile); for TLS-inspecting proxies.",
    )(wrapper)
    return wrapper  # type: ignore[return-value]
