"""Can the config file be written? Asked before a wizard asks anything or signs anyone in.

``~/.aws/config`` is replaced atomically (a temp file beside it, then a rename), so writing needs the
file itself to accept writes (a read-only file means "do not touch", even though a rename would get
past it) and its directory to accept a new file. Both are tried for real, because permission bits do
not tell (root ignores them, read-only mounts and sysfs-like trees refuse anyway).
"""

from __future__ import annotations

import os
import tempfile

from idc.errors import CacheError


def ensure_writable(path: str | os.PathLike[str], *, unchanged: str = "nothing was asked or changed") -> None:
    """Raise CacheError (one line, what to do) when ``path`` cannot be written; create nothing.

    ``unchanged`` ends the message: what the caller has not done yet.
    """
    target = os.path.realpath(path)  # a symlinked config (dotfiles) is written where it points
    if os.path.exists(target):
        try:
            os.close(os.open(target, os.O_WRONLY | os.O_APPEND))
        except OSError as error:
            raise _unwritable(path, error.strerror or str(error), unchanged) from None
    directory = os.path.dirname(target) or "."
    while not os.path.isdir(directory) and os.path.dirname(directory) != directory:
        directory = os.path.dirname(directory)  # the first directory that exists gets the new ones
    try:
        handle, probe = tempfile.mkstemp(prefix=".idc-write-check-", dir=directory)
    except OSError as error:
        raise _unwritable(path, f"{directory}: {error.strerror or error}", unchanged) from None
    os.close(handle)
    os.unlink(probe)


def _unwritable(path: str | os.PathLike[str], reason: str, unchanged: str) -> CacheError:
    return CacheError(
        f"The config file {os.fspath(path)} cannot be written ({reason}); {unchanged}.",
        hint="Make it writable, or point AWS_CONFIG_FILE at a file you can write; then run it again.",
    )
