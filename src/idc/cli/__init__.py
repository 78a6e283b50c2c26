"""The command line: a thin click layer over the library.

Each command lives in its own module and is imported only when it runs (``COMMANDS``), so
``idc --help`` and the hot path stay cheap. :func:`run` is the one place that turns exceptions into
exit codes and one-line messages (see :mod:`idc.errors`).
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

import click

from idc.errors import ExitStatus, exit_status_for, render

# command name -> "module:attribute" of a click.Command. Add new commands here.
COMMANDS: dict[str, str] = {
    "emulator": "idc.emulator.cli:emulator",
    "configure": "idc.cli.configure:configure",
    "demo": "idc.cli.demo:demo",
    "list": "idc.cli.listing:list_command",
    "populate": "idc.cli.populate:populate_command",
    "credentials": "idc.cli.credentials:credentials",
    "exec": "idc.cli.credentials:exec_command",
    "console": "idc.cli.console:console",
    "serve": "idc.cli.serve:serve",
    "whoami": "idc.cli.whoami:whoami",
    "login": "idc.cli.login:login",
    "logout": "idc.cli.login:logout",
    "sessions": "idc.cli.sessions:sessions",
    "completion": "idc.cli.completion:completion",
}


class LazyGroup(click.Group):
    """A group whose commands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, attribute = target.split(":")
        command: click.Command = getattr(importlib.import_module(module_name), attribute)
        return command


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, help="Log what idc does (never secrets); show tracebacks.")
@click.version_option(package_name="idc", prog_name="idc")
@click.pass_context
def app(ctx: click.Context, debug: bool) -> None:
    """Sign in to AWS through IAM Identity Center and give every AWS tool working credentials.

    idc reads and writes ~/.aws/config and the AWS CLI's caches, so `aws`, boto3 and every SDK use
    what it sets up. `idc COMMAND --help` shows each command's options and examples.

    \b
    Examples:
      idc configure sso                          # once: sign in, pick a role
      aws s3 ls --profile AdministratorAccess    # then any AWS tool
      idc login --profile AdministratorAccess    # when the session has expired
      idc exec --profile AdministratorAccess -- terraform plan
      idc --debug whoami --profile AdministratorAccess

    \b
    Exit codes: 0 ok, 1 error, 2 usage, 3 configuration, 4 login required,
    5 login failed, 6 AWS service error, 7 cache, 8 lock timeout, 130 interrupted.
    """
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug
    if debug:
        from idc.debug_log import enable_debug_logging

        enable_debug_logging()
    elif sys.stderr.isatty():
        from idc.debug_log import enable_terminal_notices

        enable_terminal_notices(sys.stderr)


def run(args: list[str]) -> int:
    """Run the CLI with ``args``; return the exit status (never raises, except SystemExit from click).

    ``--debug`` may also follow the command name (``idc login --debug``, as the AWS CLI allows).
    """
    if "--" in args:
        args = _debug_first(args)  # before `--` everything is idc's: `idc exec --debug -- cmd`
    status = _run(args)
    if status is None:  # retried outside the except block, so a traceback has no chained NoSuchOption
        status = _run(_debug_first(args))
    return ExitStatus.USAGE if status is None else status


def _run(args: list[str]) -> int | None:
    """The exit status, or None when click refused a ``--debug`` that only needs moving."""
    end = args.index("--") if "--" in args else len(args)
    debug = "--debug" in args[:end]
    try:
        result: Any = app.main(args=args, prog_name="idc", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo(render(KeyboardInterrupt()), err=True)
        return ExitStatus.INTERRUPTED
    except click.exceptions.Exit as done:
        return int(done.exit_code)
    except click.ClickException as usage:
        misplaced = isinstance(usage, click.NoSuchOption) and usage.option_name == "--debug"
        if misplaced and _debug_first(args) != args:
            return None
        click.echo(usage_line(usage), err=True)
        return int(usage.exit_code)
    except BaseException as error:
        if isinstance(error, SystemExit):
            raise
        if debug:
            import traceback

            traceback.print_exc()
        click.echo(render(error, debug=debug), err=True)
        return int(exit_status_for(error))
    return int(result) if isinstance(result, int) else 0


def usage_line(error: click.ClickException) -> str:
    """click's error as idc's one line: ``idc: No such option '--bogus'. Run `idc login --help`.``

    (click's own rendering is three lines: a usage synopsis, a hint, then the error.)
    """
    message = error.format_message().strip()
    if not message.endswith((".", "?", "!")):
        message += "."
    ctx = getattr(error, "ctx", None)
    if isinstance(error, click.UsageError) and ctx is not None:
        return f"idc: {message} Run `{ctx.command_path} --help` for the options."
    return f"idc: {message}"


def _debug_first(args: list[str]) -> list[str]:
    """``args`` with ``--debug`` given after the command name moved to the front, where click reads it.

    Only the arguments before ``--`` are looked at: what follows belongs to ``idc exec``'s command.
    """
    end = args.index("--") if "--" in args else len(args)
    if "--debug" not in args[:end]:
        return args
    return ["--debug", *(a for a in args[:end] if a != "--debug"), *args[end:]]


def main() -> None:
    sys.exit(run(sys.argv[1:]))
