"""Running ``idc exec --server``'s child: its environment, its signals, its exit status."""

from __future__ import annotations

import signal
import subprocess
from collections.abc import Mapping

from idc.credentials.hotpath import start_failure

STRIPPED_VARIABLES = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_ROLE_ARN",
    "AWS_ROLE_SESSION_NAME",
)
"""What would make an SDK pick other credentials than the endpoint's: static keys and profiles come
first in every SDK's chain, RELATIVE_URI wins over FULL_URI in botocore, a TOKEN_FILE over the TOKEN,
and web identity precedes the container provider."""

FORWARDED_SIGNALS = ("SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2", "SIGWINCH")


def server_child_environment(
    environ: Mapping[str, str], endpoint: Mapping[str, str], region: str | None
) -> dict[str, str]:
    """``environ`` without :data:`STRIPPED_VARIABLES`, plus the endpoint's variables and the region."""
    env = {name: value for name, value in environ.items() if name not in STRIPPED_VARIABLES}
    env.update(endpoint)
    if region:
        env["AWS_REGION"] = region
        env["AWS_DEFAULT_REGION"] = region
    return env


def run_child(program: list[str], env: Mapping[str, str]) -> int:
    """Run ``program`` to its end and return its status (128 + N when signal N ended it).

    SIGTERM, SIGHUP, SIGQUIT, SIGUSR1/2 and SIGWINCH sent to idc are passed on. SIGINT is ignored here
    while the child runs: Ctrl-C already reaches the child (same process group), and the child
    decides whether it ends.
    """
    try:
        child = subprocess.Popen(program, env=dict(env))
    except OSError as error:
        return start_failure(program, error)
    previous: dict[int, object] = {}

    def forward(signum: int, frame: object) -> None:
        if child.poll() is None:
            child.send_signal(signum)

    for name in FORWARDED_SIGNALS:
        number = getattr(signal, name, None)
        if number is not None:
            previous[number] = signal.signal(number, forward)
    previous[signal.SIGINT] = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        status = child.wait()
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)  # type: ignore[arg-type]
    return 128 - status if status < 0 else status
