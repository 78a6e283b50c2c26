"""``--policy``, ``--policy-arn`` and ``--duration``: narrow the session handed out
(:mod:`idc.credentials.narrowed`); ``--audit-log`` for the endpoints."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


def narrowing_options(command: F) -> F:
    """Add the three options; call ``command`` with ``narrowing=`` (a Narrowing or None) instead."""

    @functools.wraps(command)
    def wrapper(
        *args: Any, policy: str | None, policy_arns: tuple[str, ...], duration: int | None, **kwargs: Any
    ) -> Any:
        from idc.credentials.narrowed import parse_narrowing

        return command(*args, narrowing=parse_narrowing(policy, policy_arns, duration), **kwargs)

    wrapper = click.option(
        "--duration",
        type=click.IntRange(900, 43200),
        metavar="SECONDS",
        help="Session length (900-43200; at most 3600 when the source holds role credentials).",
    )(wrapper)
    wrapper = click.option(
        "--policy-arn",
        "policy_arns",
        multiple=True,
        metavar="ARN",
        help="A managed policy that narrows the session (repeatable, up to 10).",
    )(wrapper)
    wrapper = click.option(
        "--policy",
        metavar="FILE|JSON",
        help="A session policy (a file, or inline JSON): the session may do only what the role and "
        "the policy both allow. Needs a profile that assumes a role.",
    )(wrapper)
    return wrapper  # type: ignore[return-value]


def audit_log_option(command: F) -> F:
    return click.option(
        "--audit-log",
        metavar="FILE",
        help="Append one JSON line per answer (time, profile, caller address, access key id; never a "
        "secret) to FILE.",
    )(command)
