"""The command line another program runs to get credentials from this idc (``credential_process``).

What ``idc populate --credential-process`` writes must work from any shell, where ``aws``, terraform or
an SDK runs it, not only from the one idc was started in. So:

- ``idc credentials`` when the ``idc`` found on the user's PATH is the program running now (installed
  with ``uv tool install`` or ``pipx install``): the config stays portable and survives upgrades;
- otherwise the absolute path of the running program, as aws-sso-cli does: ``uv run idc`` from a clone
  (``/path/to/clone/.venv/bin/idc``), a virtualenv that is not activated in other shells, ``python -m
  idc``. That path keeps working as long as that environment exists.

A virtualenv's ``bin`` on PATH does not count as "on the user's PATH": ``uv run`` and ``source
.venv/bin/activate`` put it there for this shell only, and the next terminal, or the IDE that runs
``aws``, does not have it.
"""

from __future__ import annotations

import os
import shlex
import shutil
from collections.abc import Mapping

PROGRAM = "idc"


def credential_command(*, argv0: str, executable: str, environ: Mapping[str, str]) -> str:
    """``idc credentials``, or the running program's absolute path + `` credentials`` (shell-quoted).

    ``argv0`` is ``sys.argv[0]`` (the ``idc`` script, or ``.../idc/__main__.py`` under ``python -m
    idc``), ``executable`` is ``sys.executable``, ``environ`` gives PATH and VIRTUAL_ENV.
    """
    program = _running_program(argv0, executable)
    on_path = shutil.which(PROGRAM, path=_user_path(environ))
    if on_path and os.path.realpath(on_path) == os.path.realpath(program[0]):
        return f"{PROGRAM} credentials"
    return shlex.join([*program, "credentials"])


def _running_program(argv0: str, executable: str) -> list[str]:
    if os.path.basename(argv0) != "__main__.py":
        return [os.path.abspath(argv0)]
    # python -m idc: the environment's own idc script when it has one (what `uv run idc` would run).
    script = os.path.join(os.path.dirname(os.path.abspath(executable)), PROGRAM)
    if os.access(script, os.X_OK):
        return [script]
    return [os.path.abspath(executable), "-m", PROGRAM]


def _user_path(environ: Mapping[str, str]) -> str:
    """PATH without the active virtualenv's bin directory (present in this shell only)."""
    venv = environ.get("VIRTUAL_ENV")
    entries = environ.get("PATH", os.defpath).split(os.pathsep)
    if venv:
        venv_bin = os.path.realpath(os.path.join(venv, "bin"))
        entries = [e for e in entries if e and os.path.realpath(e) != venv_bin]
    return os.pathsep.join(entries)
