"""The README stays true: its quick start is exactly the two commands, and every command is in it."""

from __future__ import annotations

import re
from pathlib import Path

from idc.cli import COMMANDS
from idc.errors import ExitStatus

README = Path(__file__).resolve().parents[2] / "README.md"


def test_quick_start_is_exactly_the_two_commands() -> None:
    text = README.read_text()
    section = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```\n(.*?)```", section, flags=re.S)
    # The demo must not need the test tools (test_demo checks it loads none of them); uv's default
    # group holds pytest alone, and the first `uv run pytest` installs the rest (tests/toolchain.py).
    assert blocks[0].splitlines() == ["uv run idc demo", "uv run pytest"]


def test_every_command_is_in_the_readme() -> None:
    text = README.read_text()
    for name in COMMANDS:
        assert f"`idc {name}" in text, name


def test_every_exit_code_is_in_the_readme() -> None:
    section = README.read_text().split("## Exit codes", 1)[1].split("\n## ", 1)[0]
    documented = {int(code) for code in re.findall(r"^\| (\d+) \|", section, flags=re.M)}
    assert documented == {int(status) for status in ExitStatus}
