"""One failure, one exit code, whichever command meets it (README "Exit codes", ``idc.errors``).

- A port that is already taken: 3, the configuration's code (the flag names an address this machine
  cannot give), for ``idc serve`` and ``idc emulator`` alike (``idc serve`` said 2, usage).
- A config file that cannot be written: 7, the code of a file that cannot be written, for ``idc
  populate`` as for ``idc configure`` (tests/story/test_configure.py); populate said 3.
"""

from __future__ import annotations

import socket
import subprocess
from collections.abc import Iterator

import pytest
from credential_helpers import IDC, run_idc, unwritable

from idc.errors import ExitStatus

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def taken_port() -> Iterator[int]:
    """A port something else listens on."""
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        yield holder.getsockname()[1]


@pytest.mark.parametrize(
    "command",
    [["serve", "--profile", "dev"], ["emulator"]],
    ids=["serve", "emulator"],
)
def test_a_port_in_use_is_exit_3(signed_in, taken_port: int, command: list[str]) -> None:
    done = subprocess.run(
        [*IDC, *command, "--port", str(taken_port)],
        env=signed_in.env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == ExitStatus.CONFIG, done.stderr
    assert done.stderr == (
        f"idc: cannot listen on 127.0.0.1:{taken_port}: Address already in use. "
        "Pick another --port (0 picks a free one).\n"
    )


def test_populate_into_a_config_that_cannot_be_written_is_exit_7(signed_in) -> None:
    before = signed_in.config_file.read_bytes()
    with unwritable(signed_in.config_file):
        done = run_idc(["populate", "--sso-session", "corp"], signed_in.env)
    assert done.returncode == ExitStatus.CACHE, done.stderr
    assert done.stderr.startswith(f"idc: The config file {signed_in.config_file} cannot be written (")
    assert done.stderr.count("\n") == 1
    assert signed_in.config_file.read_bytes() == before
