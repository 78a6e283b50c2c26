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
    assert "No such option '--bogus'" in result.stderr
