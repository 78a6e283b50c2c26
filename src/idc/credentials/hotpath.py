"""The credential hot path: ``idc credentials`` / ``idc exec`` answered from the role cache with the
standard library only.

Every SDK process that uses ``credential_process = idc credentials --profile P`` pays for this at
start-up, so a cache hit must cost about as much as starting the interpreter: no botocore, click, rich,
``json``, ``re``, ``configparser``, ``pathlib`` or ``dataclasses`` (each costs milliseconds). It reads:

- the profile from ``AWS_CONFIG_FILE`` (default ``~/.aws/config``) with a small line reader that
  understands what botocore's ``RawConfigParser`` would, and gives up on anything it is not sure of
  (quoted section names, duplicates, continuation lines on the keys it needs);
- the role credentials at ``~/.aws/cli/cache/<key>.json``, the AWS CLI's key and format
  (botocore ``credentials.SSOCredentialFetcher._create_cache_key``), through :mod:`idc.storage.fileio` (no
  symlinks followed).

It answers only when the credentials keep at least 15 minutes of life. Anything unusual (an unknown
flag, ``--debug``, a miss, a corrupt file, a profile that is not an SSO role profile) returns None and
the full CLI handles the request, with its messages and exit codes.

``idc exec`` runs the command with AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN and
AWS_CREDENTIAL_EXPIRATION (+ AWS_REGION / AWS_DEFAULT_REGION from the profile) set and AWS_PROFILE
removed, so the SDKs in the child use exactly these. On POSIX the program replaces idc (``execvp``):
signals reach it directly and its exit status is the command's.
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs an import; the hot path only needs names for the type checker
    from collections.abc import Mapping
    from datetime import datetime

    from idc.storage.locking import ProcessLock

MIN_LIFETIME_S = 15 * 60
"""botocore re-runs a credential_process whose credentials expire within 15 minutes (and the AWS
CLI's role cache treats them as expired): handing out less makes SDKs call us on every request."""

_FORMATS = ("process", "env", "env-no-export", "powershell", "windows-cmd", "fish")
# Variables that would make SDKs in an `idc exec` child resolve other credentials than ours.
_SHADOWING_VARIABLES = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SECURITY_TOKEN")


class _Request:
    __slots__ = ("command", "fmt", "profile", "program")

    def __init__(self, command: str, profile: str, fmt: str, program: list[str]) -> None:
        self.command = command
        self.profile = profile
        self.fmt = fmt
        self.program = program


class CachedCredentials:
    """Role credentials read from the AWS CLI's cache (a plain class: dataclasses cost an import)."""

    __slots__ = ("access_key_id", "expiration", "region", "secret_access_key", "session_token")

    def __init__(
        self,
        access_key_id: str,
        secret_access_key: str,
        session_token: str,
        expiration: datetime,
        region: str | None,
    ) -> None:
        self.access_key_id = access_key_id
        self.secret_access_key = secret_access_key
        self.session_token = session_token
        self.expiration = expiration  # aware, UTC
        self.region = region

    def __repr__(self) -> str:  # never show a secret
        return f"CachedCredentials(access_key_id={self.access_key_id!r})"


def try_answer(args: list[str]) -> int | None:
    """Answer ``idc credentials``/``idc exec`` from the cache with the standard library only.

    Returns the exit status when answered, or None to fall through to the full CLI.
    """
    environ = os.environ
    try:
        request = parse_args(args, environ)
        if request is None:
            return None
        credentials = cached_credentials(request.profile, environ, wait=True)
    except Exception:  # anything unexpected: the full CLI will say what is wrong
        return None
    if credentials is None:
        return None
    if request.command == "exec":
        return _exec(request.program, credentials, environ)
    from idc.credentials.export_formats import render

    sys.stdout.write(
        render(
            request.fmt,
            access_key_id=credentials.access_key_id,
            secret_access_key=credentials.secret_access_key,
            session_token=credentials.session_token,
            expiration=credentials.expiration,
        )
    )
    sys.stdout.flush()
    return 0


def parse_args(args: list[str], environ: Mapping[str, str]) -> _Request | None:
    """The request in ``args`` (``credentials ...`` or ``exec ... -- CMD``), or None if unusual."""
    if not args or args[0] not in ("credentials", "exec"):
        return None
    command = args[0]
    profile: str | None = None
    fmt = "process"
    program: list[str] = []
    i = 1
    while i < len(args):
        arg = args[i]
        if command == "exec" and arg == "--":
            program = args[i + 1 :]
            break
        name, eq, value = arg.partition("=")
        if name in ("--profile", "--format", "--ca-bundle"):
            if not eq:
                if i + 1 >= len(args):
                    return None
                value = args[i + 1]
                i += 1
            if name == "--profile":
                profile = value
            elif name == "--format":
                fmt = value
        elif arg not in ("--auto-login", "--no-verify-ssl"):  # these (and --ca-bundle) only matter on a miss
            return None
        i += 1
    if command == "exec" and (not program or fmt != "process"):
        return None
    if fmt not in _FORMATS:
        return None
    if profile is None:
        profile = environ.get("AWS_PROFILE") or environ.get("AWS_DEFAULT_PROFILE") or "default"
    if not profile:
        return None
    return _Request(command, profile, fmt, program)


def cached_credentials(
    profile: str, environ: Mapping[str, str], now: float | None = None, *, wait: bool = False
) -> CachedCredentials | None:
    """Valid role credentials (>= 15 minutes left) for ``profile`` from the AWS CLI's cache, or None.

    With ``wait``, a miss waits for a process already fetching these credentials (the role lock,
    as :mod:`idc.credentials.role_credentials` takes it) and reads the cache again. When it is still a
    miss this process keeps the lock and becomes the fetcher: the full CLI adopts it
    (:func:`adopt_role_lock`), so fifty cold processes make one fetch and forty-nine cheap waits, not
    fifty CLI start-ups racing.
    """
    home = environ.get("HOME") or os.path.expanduser("~")
    config_file = environ.get("AWS_CONFIG_FILE") or os.path.join(home, ".aws", "config")
    if config_file.startswith("~"):
        config_file = home + config_file[1:]
    target = resolve_role_profile(config_file, profile)
    if target is None or _in_credentials_file(environ, home, profile):
        return None
    account_id, role_name, session_name, start_url, region = target
    from idc.storage.role_cache import role_cache_key

    key = role_cache_key(account_id, role_name, session_name, start_url)
    cache_file = os.path.join(home, ".aws", "cli", "cache", key + ".json")
    found = _read_role_cache(cache_file, region, now)
    if found is not None or not wait:
        return found
    lock = _acquire_role_lock(os.path.join(home, ".aws", "idc"), key)
    if lock is None:
        return None
    try:
        found = _read_role_cache(cache_file, region, now)
    except BaseException:
        lock.release()
        raise
    if found is not None:
        lock.release()
        return found
    _held_role_locks.append(lock)  # the full CLI in this process fetches under it
    return None


def _read_role_cache(path: str, region: str | None, now: float | None) -> CachedCredentials | None:
    from idc.storage.fileio import read_json_or_none
    from idc.storage.role_cache import RoleCredentials

    data = read_json_or_none(path)
    role = RoleCredentials.from_cache_json(data) if data is not None else None
    if role is None:
        return None  # a miss, or a corrupt entry the full path replaces
    import time

    current = time.time() if now is None else now
    if role.expiration.timestamp() - current < MIN_LIFETIME_S:
        return None
    return CachedCredentials(
        role.access_key_id, role.secret_access_key, role.session_token, role.expiration, region
    )


# -- the role lock, shared with idc.credentials.role_credentials ----------------------------------------

HOT_WAIT_S = 60.0
"""How long the hot path waits for another process's fetch before leaving the wait to the full CLI."""

_held_role_locks: list[ProcessLock] = []


def role_lock_path(idc_cache_dir: str, key: str) -> str:
    """``idc.storage.locking.lock_path_for(locations, "role", key)`` without pathlib (a test keeps them
    equal)."""
    return os.path.join(idc_cache_dir, "locks", f"role-{_sha1_hex(key.encode('utf-8'))}.lock")


def _sha1_hex(data: bytes) -> str:
    try:  # the C module behind hashlib.sha1; hashlib itself costs the hot path an import
        import _sha1  # type: ignore[import-not-found]

        return str(_sha1.sha1(data).hexdigest())
    except ImportError:  # pragma: no cover
        import hashlib

        return hashlib.sha1(data, usedforsecurity=False).hexdigest()


def _acquire_role_lock(idc_cache_dir: str, key: str) -> ProcessLock | None:
    from idc.storage.locking import ProcessLock

    lock = ProcessLock(role_lock_path(idc_cache_dir, key), timeout=HOT_WAIT_S)
    try:
        lock.acquire()
    except Exception:  # LockTimeout, an unwritable directory: the full CLI decides and says why
        return None
    return lock


def adopt_role_lock(path: str | os.PathLike[str]) -> ProcessLock | None:
    """The role lock this process's hot path already holds for ``path`` (same file), or None.

    flock locks belong to an open file: taking the same lock again in this process would wait for
    itself, so :mod:`idc.credentials.role_credentials` adopts the held one instead.
    """
    try:
        wanted = os.stat(path)
    except OSError:
        return None
    for lock in _held_role_locks:
        try:
            held = os.stat(lock.path)
        except OSError:
            continue
        if (held.st_dev, held.st_ino) == (wanted.st_dev, wanted.st_ino) and lock.held:
            _held_role_locks.remove(lock)
            return lock
    return None


def _in_credentials_file(environ: Mapping[str, str], home: str, profile: str) -> bool:
    """botocore merges ``[profile]`` of the shared credentials file over the config: let it decide."""
    path = environ.get("AWS_SHARED_CREDENTIALS_FILE") or os.path.join(home, ".aws", "credentials")
    if path.startswith("~"):
        path = home + path[1:]
    try:
        with open(path, "rb") as handle:
            return f"[{profile}]".encode() in handle.read()
    except OSError:
        return False


# -- ~/.aws/config, as much of it as the hot path may trust ------------------------------------------


def resolve_role_profile(
    config_file: str, profile: str
) -> tuple[str, str, str | None, str, str | None] | None:
    """(account id, role name, session name, start URL, region) of an SSO role profile, or None.

    None whenever the file holds anything botocore might read differently from this small reader:
    the full CLI (H3's config reader) then decides.
    """
    sections = _read_sections(config_file)
    if sections is None:
        return None
    values = sections.get(("default", "") if profile == "default" else ("profile", profile))
    if profile == "default" and ("profile", "default") in sections:
        return None  # botocore's precedence between the two spellings is subtle: let it decide
    if values is None:
        return None
    # a keychain session's profiles keep them as idc_sso_* (idc.config.values.KEYCHAIN_ROLE_KEYS)
    account_id = values.get("sso_account_id") or values.get("idc_sso_account_id")
    role_name = values.get("sso_role_name") or values.get("idc_sso_role_name")
    if not account_id or not role_name:
        return None
    session_name = values.get("sso_session")
    start_url = values.get("sso_start_url")
    sso_region = values.get("sso_region")
    if session_name is not None:
        session = sections.get(("sso-session", session_name))
        if session is None:
            return None
        for key, value in (("sso_start_url", start_url), ("sso_region", sso_region)):
            if value is not None and value != session.get(key):
                return None  # botocore: "inconsistent between profile and sso-session"
        start_url = session.get("sso_start_url")
        sso_region = session.get("sso_region")
    if not start_url or not sso_region:
        return None
    return account_id, role_name, session_name, start_url, values.get("region") or None


_Sections = dict[tuple[str, str], dict[str, str]]


def _read_sections(config_file: str) -> _Sections | None:
    try:
        with open(config_file, "rb") as handle:
            raw = handle.read(1024 * 1024 + 1)
    except OSError:
        return None
    if len(raw) > 1024 * 1024:
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    sections: _Sections = {}
    current: dict[str, str] | None = None
    last_key: str | None = None
    complex_keys: set[str] = set()
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped[0] in "#;":
            continue
        if line[0] in " \t":
            # A continuation (nested `s3 =` blocks): harmless unless it continues a key we read.
            if current is None or last_key is None:
                return None  # configparser would read it as a key or a header: not worth guessing
            complex_keys.add(last_key)
            current.pop(last_key, None)
            continue
        if stripped.startswith("["):
            if not stripped.endswith("]"):
                return None
            name = stripped[1:-1]
            if name != name.strip() or '"' in name or "'" in name:
                return None
            parts = name.split()
            if name == "default":
                ident = ("default", "")
            elif len(parts) == 2 and parts[0] in ("profile", "sso-session"):
                ident = (parts[0], parts[1])
            else:
                ident = ("other", name)
            if ident in sections:
                return None  # RawConfigParser refuses duplicate sections
            current = sections[ident] = {}
            last_key = None
            complex_keys = set()
            continue
        if current is None:
            return None  # a key before any section: configparser refuses the file
        positions = [p for p in (line.find("="), line.find(":")) if p > 0]
        if not positions:
            return None
        cut = min(positions)
        key = line[:cut].strip().lower()
        if key in current or key in complex_keys:
            return None  # duplicate option
        current[key] = line[cut + 1 :].strip()
        last_key = key
    return sections


# -- idc exec ----------------------------------------------------------------------------------------


def child_environment(environ: Mapping[str, str], credentials: CachedCredentials) -> dict[str, str]:
    """The environment for an ``idc exec`` child: our credentials, nothing that would override them."""
    from idc.credentials.export_formats import environment_variables

    env = dict(environ)
    for name in _SHADOWING_VARIABLES:
        env.pop(name, None)
    env.update(
        environment_variables(
            credentials.access_key_id,
            credentials.secret_access_key,
            credentials.session_token,
            credentials.expiration,
        )
    )
    if credentials.region:
        env["AWS_REGION"] = credentials.region
        env["AWS_DEFAULT_REGION"] = credentials.region
    return env


def run_program(program: list[str], env: dict[str, str]) -> int:
    """Run ``program`` with ``env`` and return its exit status (POSIX: replace this process)."""
    sys.stdout.flush()
    sys.stderr.flush()
    try:
        if os.name == "posix":
            os.execvpe(program[0], program, env)  # noqa: S606 - argv as given, no shell
        import subprocess

        return subprocess.call(program, env=env)
    except OSError as error:
        return start_failure(program, error)


def start_failure(program: list[str], error: OSError) -> int:
    """Say on stderr why ``program`` could not start; the shell's status for it (127 or 126)."""
    if isinstance(error, FileNotFoundError):
        sys.stderr.write(f"idc: command not found: {program[0]}\n")
        return 127
    if isinstance(error, PermissionError):
        sys.stderr.write(f"idc: permission denied: {program[0]}\n")
        return 126
    sys.stderr.write(f"idc: cannot run {program[0]}: {error.strerror}\n")
    return 126


def _exec(program: list[str], credentials: CachedCredentials, environ: Mapping[str, str]) -> int:
    return run_program(program, child_environment(environ, credentials))
