"""`--debug` where people type it: after the command name too (`aws sso login --debug` habit), never
taken from what follows `--` in `idc exec`."""

from __future__ import annotations

import subprocess
import sys

import pytest


def _idc(aws_home, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "idc", *args], env=aws_home.env, capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize(
    "args",
    [
        ["--debug", "whoami", "--profile", "nosuch"],
        ["whoami", "--profile", "nosuch", "--debug"],
        ["login", "--debug", "--profile", "nosuch"],
        ["exec", "--profile", "nosuch", "--debug", "--", "true"],
    ],
    ids=["before", "after", "between", "exec-before-dashes"],
)
def test_debug_is_accepted_after_the_command_name(aws_home, args: list[str]) -> None:
    result = _idc(aws_home, *args)
    assert result.returncode == 3, result.stderr
    assert "No such option" not in result.stderr
    assert "command not found" not in result.stderr
    assert "Traceback" in result.stderr  # --debug took effect
    assert "During handling of the above exception" not in result.stderr
    assert result.stderr.splitlines()[-1].startswith("idc: The config profile (nosuch) could not be found.")


def test_debug_after_dashes_belongs_to_the_command(aws_home) -> None:
    result = _idc(aws_home, "exec", "--profile", "nosuch", "--", "true", "--debug")
    assert result.returncode == 3
    assert "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1


def test_other_unknown_options_are_still_usage_errors(aws_home) -> None:
    result = _idc(aws_home, "login", "--bogus", "--debug")
    assert result.returncode == 2
    assert result.stderr == "idc: No such option '--bogus'. Run `idc login --help` for the options.\n"


@pytest.mark.parametrize(
    ("args", "line"),
    [
        pytest.param(
            ["nosuch"], "idc: No such command 'nosuch'. Run `idc --help` for the options.", id="command"
        ),
        pytest.param(
            ["list", "--output", "xml"],
            "idc: Invalid value for '--output': 'xml' is not one of",
            id="choice",
        ),
        pytest.param(
            ["emulator", "end-sessions"],
            "idc: IDC_EMULATOR_URL and IDC_EMULATOR_ADMIN_TOKEN are not set: no running emulator to talk to. "
            "Run the `export` lines `idc emulator` printed when it started",
            id="emulator-admin-without-variables",
        ),
    ],
)
def test_usage_errors_are_one_idc_line(aws_home, args: list[str], line: str) -> None:
    """The README promises one `idc:` line for every failure; click's own is a three-line block."""
    env = {k: v for k, v in aws_home.env.items() if not k.startswith("IDC_EMULATOR")}
    result = subprocess.run(
        [sys.executable, "-m", "idc", *args], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode in (2, 3), result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith(line), result.stderr
