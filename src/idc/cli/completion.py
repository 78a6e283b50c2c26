"""Shell completion: ``idc completion bash|zsh|fish`` prints the script; profile and session names
complete from ``~/.aws/config``.

click's mechanism: the script calls ``idc`` with ``_IDC_COMPLETE=<shell>_complete`` and the words typed
so far; click resolves the command and asks the option's ``shell_complete`` callback. The callbacks here
read the config with :mod:`idc.config` (standard library only): a completion imports neither botocore,
rich nor prompt_toolkit, so a TAB answers about as fast as the interpreter starts
(``benchmarks/completion.py``).
"""

from __future__ import annotations

import os
import re
import shlex
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from click.shell_completion import CompletionItem

SHELLS = ("bash", "zsh", "fish")
COMPLETE_VAR = "_IDC_COMPLETE"


_SHELL_WORD = re.compile(r"[A-Za-z0-9@%+=:,./_-]+")
"""Characters no shell gives a meaning to in a word (those ``shlex.quote`` leaves unquoted)."""


def _names(kind: str, incomplete: str) -> list[CompletionItem]:
    """The names that start with ``incomplete``, each as the shell must receive it.

    A config's section names are anyone's text (``[profile a$(touch${IFS}/tmp/x)]``), and what a
    completion offers is inserted into the command line as it is, then run on Enter. bash's script
    (click's) inserts COMPREPLY verbatim, so a name that is not a plain shell word is offered quoted
    (``shlex.quote``): the command line then holds the name, not a command. zsh's ``compadd`` and fish
    quote what they insert in their own ways, which a pre-quoted name would garble: such names are left
    out there (typed by hand, they work).
    """
    from click.shell_completion import CompletionItem

    from idc.config.loader import section_names
    from idc.storage.locations import Locations

    profiles, sessions = section_names(Locations.from_environ())
    names = profiles if kind == "profile" else sessions
    shell = os.environ.get(COMPLETE_VAR, "").partition("_")[0]
    offered = []
    for name in names:
        if not name.startswith(incomplete):
            continue
        if _SHELL_WORD.fullmatch(name):
            offered.append(CompletionItem(name))
        elif shell == "bash":
            offered.append(CompletionItem(shlex.quote(name)))
    return offered


def complete_profiles(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """Profile names of ``~/.aws/config`` that start with what was typed."""
    return _names("profile", incomplete)


def complete_sso_sessions(
    ctx: click.Context, param: click.Parameter, incomplete: str
) -> list[CompletionItem]:
    """``[sso-session]`` names of ``~/.aws/config`` that start with what was typed."""
    return _names("sso-session", incomplete)


# The --profile option of the commands that act as one profile (credentials, exec, whoami, console).
profile_option = click.option(
    "--profile",
    metavar="PROFILE",
    shell_complete=complete_profiles,
    help="Profile in ~/.aws/config (default: AWS_PROFILE).",
)


@click.command("completion", short_help="Print the shell completion script (bash, zsh, fish).")
@click.argument("shell", type=click.Choice(SHELLS))
@click.pass_context
def completion(ctx: click.Context, shell: str) -> None:
    """Print the completion script for SHELL: commands, options, and profile and sso-session names
    from ~/.aws/config.

    \b
    Examples (install once):
      echo 'eval "$(idc completion bash)"' >> ~/.bashrc
      echo 'eval "$(idc completion zsh)"' >> ~/.zshrc
      idc completion fish > ~/.config/fish/completions/idc.fish

    \b
    Exit codes: 0 printed; 2 unknown shell.
    """
    from click.shell_completion import get_completion_class

    shell_class = get_completion_class(shell)
    assert shell_class is not None  # every name in SHELLS is one of click's
    root = ctx.find_root().command
    click.echo(shell_class(root, {}, "idc", COMPLETE_VAR).source())
