"""Every command's --help: exits 0, shows at least one example, fits an 80-column terminal in its
example and exit-code blocks (click does not rewrap `\\b` blocks), and the top level lists every
documented exit code."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from idc.cli import COMMANDS, app
from idc.errors import ExitStatus


def _leaf_commands() -> list[list[str]]:
    paths: list[list[str]] = []
    ctx = click.Context(app)
    for name in COMMANDS:
        command = app.get_command(ctx, name)
        assert command is not None, name
        paths.append([name])
        if isinstance(command, click.Group):
            paths.extend([name, sub] for sub in command.list_commands(ctx))
    return paths


def _help(args: list[str]) -> str:
    result = CliRunner().invoke(app, [*args, "--help"], terminal_width=80)
    assert result.exit_code == 0, result.output
    return result.output


def test_top_level_help_documents_every_exit_code_with_examples() -> None:
    text = _help([])
    assert "Examples:" in text
    assert "Exit codes:" in text
    for status in ExitStatus:
        assert f"{int(status)} " in text, status
    assert all(len(line) <= 80 for line in text.splitlines())


@pytest.mark.parametrize("path", _leaf_commands(), ids=" ".join)
def test_every_command_has_an_example(path: list[str]) -> None:
    text = _help(path)
    command = app.get_command(click.Context(app), path[0])
    if isinstance(command, click.Group) and len(path) == 1:
        assert "Commands:" in text  # its subcommands, each checked below with its examples
        return
    assert "Example" in text, text
    assert "idc " in text.split("Example", 1)[1]


@pytest.mark.parametrize("name", ["login", "logout", "credentials", "exec", "whoami"])
def test_the_daily_commands_state_their_exit_codes(name: str) -> None:
    text = _help([name])
    assert "Exit codes:" in text
    block = text.split("Exit codes:", 1)[1].split("Options:", 1)[0]
    assert all(len(line) <= 80 for line in block.splitlines())


def test_emulator_options_name_their_values() -> None:
    """`--port PORT`, not click's type description `--port INTEGER RANGE`."""
    text = _help(["emulator"])
    assert "--port PORT" in text and "--tps-limit N" in text and "--latency-ms N" in text
    assert "RANGE" not in text


@pytest.mark.parametrize("name", ["credentials", "emulator", "exec", "login", "logout", "whoami"])
def test_the_command_list_shows_whole_summaries(name: str) -> None:
    """`idc --help` lists each command with a summary that is not cut off with '...'."""
    line = next(line for line in _help([]).splitlines() if line.strip().startswith(f"{name} "))
    assert not line.rstrip().endswith("..."), line


@pytest.mark.parametrize("group", [["emulator"], ["configure"]], ids=" ".join)
def test_subcommand_lists_show_whole_summaries(group: list[str]) -> None:
    """`idc emulator --help`, `idc configure --help`: no summary cut off with '...'."""
    text = _help(group)
    listed = text.split("Commands:", 1)[1].splitlines()
    assert listed and not [line for line in listed if line.rstrip().endswith("...")], text
