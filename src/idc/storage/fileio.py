"""Private files shared with AWS CLI v2 and boto3: atomic writes, 0600/0700, reads that never follow links.

Writes go to a temp file in the same directory (created 0600 with ``O_EXCL``), are fsynced, renamed over
the target with ``os.replace`` and the directory is fsynced, so a reader or a crash sees the old content or
the new, never a mix (the AWS CLI truncates in place and readers see partial JSON: botocore #3213).
A writer killed before its rename leaves a temp file named for its pid; the next write to the same file
sweeps it away.

Reads open with ``O_NOFOLLOW``: a symlink planted at a cache path is refused, so the file it points to is
never read or written (``os.replace`` swaps the link itself, never its target).

Standard library only, and only ``os`` at import time: the credential hot path reads caches through this
module, and ``json``, ``re``, ``tempfile`` and ``pathlib`` each cost milliseconds to import.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

    from idc.errors import CacheError

_O_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_O_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_O_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_O_BINARY = getattr(os, "O_BINARY", 0)
_O_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
# Caches are a few kilobytes; a bigger file is not ours and is refused instead of read into memory.
MAX_READ_BYTES = 4 * 1024 * 1024
_TEMP_SUFFIX = ".tmp"
# Callers that know the profile pass a sharper hint (``idc login --profile P``).
_DEFAULT_FIX = "Remove it and run `idc login` to sign in again."
_STALE_TEMP_SECONDS = 3600.0
# idc keeps its caches and locks next to the AWS CLI's, under ~/.aws: it must be able to write there.
_DIR_FIX = "Make it writable (idc keeps its caches and locks under ~/.aws), then run the command again."


def _cache_error(message: str, hint: str | None) -> CacheError:
    from idc.errors import CacheError  # only on failure: keeps enum off the hot path

    return CacheError(message, hint=hint)


def ensure_private_dir(path: str | os.PathLike[str]) -> None:
    """Create ``path`` (and missing parents) 0700; tighten an existing ``path`` to 0700 when wider.

    Missing parents are created 0700 too. Existing parents are left as they are (``~/.aws`` belongs
    to the user). Directory permissions hold whatever the umask is.
    """
    path = os.fspath(path)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        parent = os.path.dirname(path)
        if parent and parent != path and not os.path.isdir(parent):
            ensure_private_dir(parent)
        try:
            os.mkdir(path, 0o700)
        except FileExistsError:
            pass
        except OSError as exc:  # read-only file system, no write permission on the parent
            raise _cache_error(f"Cannot create the directory {path}: {exc.strerror}.", _DIR_FIX) from None
        try:
            st = os.stat(path)
        except OSError as exc:  # e.g. a dangling symlink: mkdir said it exists, stat finds nothing
            raise _cache_error(f"Cannot use the directory {path}: {exc.strerror}.", _DIR_FIX) from None
    except OSError as exc:
        raise _cache_error(f"Cannot use the directory {path}: {exc.strerror}.", _DIR_FIX) from None
    if not _is_dir(st.st_mode):
        raise _cache_error(f"{path} is not a directory.", "Move it away so idc can create the directory.")
    if os.name == "posix" and st.st_mode & 0o777 != 0o700 and st.st_uid == os.getuid():
        try:
            os.chmod(path, 0o700)
        except OSError as exc:
            message = f"Cannot make the directory {path} private: {exc.strerror}."
            raise _cache_error(message, _DIR_FIX) from None


def _is_dir(mode: int) -> bool:
    return (mode & 0o170000) == 0o040000


def _is_regular(mode: int) -> bool:
    return (mode & 0o170000) == 0o100000


def read_bytes(path: str | os.PathLike[str], *, hint: str | None = None) -> bytes | None:
    """The content of ``path``, or None when it does not exist.

    Never follows a symlink at ``path``: a link (or a FIFO, device or directory) raises CacheError
    naming the file. Files idc did not make private are read but not trusted any further than that.
    """
    name = os.fspath(path)
    flags = os.O_RDONLY | _O_NOFOLLOW | _O_CLOEXEC | _O_NONBLOCK | _O_BINARY
    try:
        fd = os.open(name, flags)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as exc:
        if _O_NOFOLLOW and os.path.islink(name):
            raise _cache_error(
                f"{name} is a symbolic link; idc never follows links at cache paths.",
                hint or _DEFAULT_FIX,
            ) from None
        raise _cache_error(f"Cannot read {name}: {exc.strerror}.", hint) from None
    try:
        st = os.fstat(fd)
        if not _is_regular(st.st_mode):
            raise _cache_error(f"{name} is not a regular file.", hint or _DEFAULT_FIX)
        if not _O_NOFOLLOW and os.path.islink(name):  # platforms without O_NOFOLLOW
            raise _cache_error(
                f"{name} is a symbolic link; idc never follows links at cache paths.",
                hint or _DEFAULT_FIX,
            )
        if st.st_size > MAX_READ_BYTES:
            raise _cache_error(f"{name} is too large to be a cache file.", hint or _DEFAULT_FIX)
        chunks = []
        while True:
            chunk = os.read(fd, max(st.st_size + 1, 65536))
            if not chunk:
                break
            chunks.append(chunk)
            if sum(map(len, chunks)) > MAX_READ_BYTES:
                raise _cache_error(f"{name} is too large to be a cache file.", hint or _DEFAULT_FIX)
        return b"".join(chunks)
    except OSError as exc:
        raise _cache_error(f"Cannot read {name}: {exc.strerror}.", hint) from None
    finally:
        os.close(fd)


class _ScannerContext:
    """What ``_json.make_scanner`` reads from a ``json.JSONDecoder``: the stock decoding options."""

    strict = True
    object_hook = None
    object_pairs_hook = None
    parse_float = float
    parse_int = int
    parse_constant = None  # set below: NaN and Infinity as json.loads reads them


def _parse_constant(name: str) -> float:
    return {"NaN": float("nan"), "Infinity": float("inf"), "-Infinity": float("-inf")}[name]


_scan_once: Callable[[str, int], tuple[object, int]] | None = None


def _loads(text: str) -> object:
    """``json.loads(text)`` without importing ``json`` (which pulls in ``re`` and ``enum``).

    The C scanner behind ``json.loads`` is called directly; where it is missing, ``json`` is used.
    Raises ValueError on anything ``json.loads`` would reject.
    """
    global _scan_once
    if _scan_once is None:
        try:
            from _json import make_scanner

            context = _ScannerContext()
            context.parse_constant = _parse_constant  # type: ignore[assignment]
            _scan_once = make_scanner(context)  # type: ignore[arg-type]
        except ImportError:  # pragma: no cover - every CPython has _json
            import json

            return json.loads(text)
    whitespace = " \t\n\r"
    start = len(text) - len(text.lstrip(whitespace))
    if text.startswith("\ufeff"):
        raise ValueError("Unexpected UTF-8 BOM")
    try:
        value, end = _scan_once(text, start)
    except StopIteration as exc:
        raise ValueError(f"Expecting value at {exc.value}") from None
    except Exception:
        # The C scanner's error path (3.11) needs json.decoder already imported and raises SystemError
        # in a fresh hot-path process: let json itself judge the (rare) bad input.
        import json

        return json.loads(text)
    if text[end:].strip(whitespace):
        raise ValueError(f"Extra data at {end}")
    return value


def read_json(path: str | os.PathLike[str], *, hint: str | None = None) -> dict[str, object] | None:
    """The JSON object stored at ``path``; None when the file does not exist.

    Raises CacheError naming the file when it is empty, not UTF-8, not JSON (or nested too deep for the
    parser), or not an object, and when
    ``path`` is a symlink (never followed). ``hint`` says what to run (e.g. ``idc login --profile P``).
    """
    data = read_bytes(path, hint=hint)
    if data is None:
        return None
    name = os.fspath(path)
    fix = hint or _DEFAULT_FIX
    if not data.strip():
        raise _cache_error(f"The cache file {name} is empty.", fix)
    try:
        value = _loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):  # RecursionError: nesting too deep
        raise _cache_error(f"The cache file {name} is not valid JSON.", fix) from None
    if not isinstance(value, dict):
        raise _cache_error(f"The cache file {name} does not hold a JSON object.", fix)
    return value


def read_json_or_none(path: str | os.PathLike[str]) -> dict[str, object] | None:
    """Like ``read_json`` but a corrupt, empty, unreadable or planted (symlink) file is None: a miss.

    For caches that are simply refetched and rewritten (role credentials, listings).
    """
    try:
        return read_json(path)
    except Exception as exc:
        from idc.errors import CacheError

        if isinstance(exc, CacheError):
            return None
        raise


def _sweep_stale_temp_files(directory: str, basename: str) -> None:
    """Remove temp files of writers to ``basename`` that died before their rename (pid gone or old)."""
    import time

    prefix = f".{basename}."
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return
    now = time.time()
    for entry in entries:
        if not (entry.name.startswith(prefix) and entry.name.endswith(_TEMP_SUFFIX)):
            continue
        pid_text = entry.name[len(prefix) :].split(".", 1)[0]
        try:
            age = now - entry.stat(follow_symlinks=False).st_mtime
        except OSError:
            continue
        if not _pid_alive(pid_text) or age > _STALE_TEMP_SECONDS:
            try:  # noqa: SIM105
                os.unlink(entry.path)
            except OSError:
                pass


def _pid_alive(pid_text: str) -> bool:
    if not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        return True
    if os.name != "posix":
        return True  # cannot tell cheaply: the age rule removes it later
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def atomic_write_bytes(
    path: str | os.PathLike[str], data: bytes, *, mode: int = 0o600, private_dir: bool = True
) -> None:
    """Replace ``path`` with ``data`` atomically: temp file (``O_EXCL``), fsync, ``os.replace``, fsync dir.

    The file ends up with exactly ``mode`` whatever the umask. With ``private_dir`` (the default, for
    secrets) the directory is created or tightened to 0700; otherwise a missing directory is created
    0700 and an existing one left alone (``~/.aws`` for the config file). A symlink at ``path`` is
    replaced, never followed. On failure (full disk, permissions) the old file is untouched, the temp
    file removed, and CacheError names the file.
    """
    name = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(name))
    basename = os.path.basename(name)
    try:
        if private_dir or not os.path.isdir(directory):
            ensure_private_dir(directory)
        _sweep_stale_temp_files(directory, basename)
    except OSError as exc:
        raise _cache_error(f"Cannot write {name}: {exc.strerror}.", None) from None
    temp = os.path.join(directory, f".{basename}.{os.getpid()}.{os.urandom(6).hex()}{_TEMP_SUFFIX}")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _O_NOFOLLOW | _O_CLOEXEC | _O_BINARY
    try:
        fd = os.open(temp, flags, 0o600)
    except OSError as exc:
        raise _cache_error(f"Cannot write {name}: {exc.strerror}.", None) from None
    try:
        try:
            if hasattr(os, "fchmod"):
                os.fchmod(fd, mode)
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fsync(fd)
        finally:
            os.close(fd)
        if not hasattr(os, "fchmod"):
            os.chmod(temp, mode)
        os.replace(temp, name)
    except BaseException as exc:
        try:  # noqa: SIM105
            os.unlink(temp)
        except OSError:
            pass
        if isinstance(exc, OSError):
            raise _cache_error(f"Cannot write {name}: {exc.strerror}.", None) from None
        raise
    _fsync_directory(directory)


def _fsync_directory(directory: str) -> None:
    """Make the rename durable (POSIX); directories cannot be opened for fsync on Windows."""
    if os.name != "posix":
        return
    try:
        fd = os.open(directory, os.O_RDONLY | _O_DIRECTORY | _O_CLOEXEC)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write_json(path: str | os.PathLike[str], obj: object) -> None:
    """Write ``obj`` as botocore's JSONFileCache does (``json.dumps`` defaults), atomically, 0600."""
    import json

    atomic_write_bytes(path, json.dumps(obj).encode("utf-8"))


def remove_file(path: str | os.PathLike[str]) -> bool:
    """Delete ``path`` (a symlink is removed, never its target); False when it did not exist."""
    name = os.fspath(path)
    try:
        os.unlink(name)
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise _cache_error(f"Cannot remove {name}: {exc.strerror}.", None) from None
    return True
