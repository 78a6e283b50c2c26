"""The one exception tree of idc, and the one place errors become exit codes.

::

    IdcError                      exit 1   anything else that went wrong, said in one line
    ├── ConfigError               exit 3   ~/.aws/config or a flag is wrong: unknown profile, missing key,
    │                                      bad start URL, region, account id or role; an address to
    │                                      listen on that is taken (``idc serve``/``emulator --port``)
    ├── LoginRequired             exit 4   no token, or the SSO session expired or was ended:
    │                                      run the ``fix`` command (``idc login --profile P``)
    ├── LoginFailed               exit 5   the sign-in itself failed: denied, code expired, timed out,
    │                                      browser or listener trouble
    ├── ServiceError              exit 6   Identity Center or STS answered with an error we cannot fix
    │   └── Throttled                      (429 past the retry budget), or could not be reached
    ├── CacheError                exit 7   a file cannot be read or written: a cache, or ~/.aws/config
    │                                      when a command changes it (configure, populate)
    │   └── KeychainUnavailable            the OS keychain holding a session's sign-in cannot be used
    └── LockTimeout               exit 8   another idc process held a lock for longer than we wait

Usage errors from the command line exit 2; an interrupted command exits 130. ``idc exec`` exits with
its child's code.

Every message is one line that says what is wrong; ``hint`` says what to run next. Messages never
contain secrets: callers must not put tokens, client secrets, secret keys or PKCE verifiers into them.
This module is standard library only (the credential hot path imports it).
"""

from __future__ import annotations

import enum

TYPE_CHECKING = False
if TYPE_CHECKING:  # the type checker's name only: errors.py stays light
    from collections.abc import Iterable


class ExitStatus(enum.IntEnum):
    """Documented exit codes of the ``idc`` command."""

    OK = 0
    ERROR = 1
    USAGE = 2
    CONFIG = 3
    LOGIN_REQUIRED = 4
    LOGIN_FAILED = 5
    SERVICE = 6
    CACHE = 7
    LOCK_TIMEOUT = 8
    INTERRUPTED = 130


class IdcError(Exception):
    """Root of every error idc raises on purpose.

    ``message`` is one line saying what is wrong; ``hint`` (optional) is one line saying what to do.
    """

    exit_status: ExitStatus = ExitStatus.ERROR

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        if self.hint:
            # botocore's wordings (kept verbatim for grep-ability) often end without a full stop:
            # add one, so the hint reads as its own sentence ("... could not be found. Run ...").
            message = self.message if self.message.endswith((".", "!", "?", ":")) else f"{self.message}."
            return f"{message} {self.hint}"
        return self.message


class ConfigError(IdcError):
    """The configuration (file, environment or flags) is missing something or holds a bad value."""

    exit_status = ExitStatus.CONFIG


class LoginRequired(IdcError):
    """There is no usable SSO token: never logged in, expired, or ended on the server."""

    exit_status = ExitStatus.LOGIN_REQUIRED

    def __init__(self, message: str, *, fix: str, again: bool = True) -> None:
        super().__init__(message, hint=f"Run `{fix}` to sign in{' again' if again else ''}.")
        self.fix = fix
        self.again = again


class LoginFailed(IdcError):
    """The sign-in flow did not end with a token (denied, expired, timed out, browser trouble)."""

    exit_status = ExitStatus.LOGIN_FAILED


class ServiceError(IdcError):
    """Identity Center, the portal or STS answered with an error, or could not be reached."""

    exit_status = ExitStatus.SERVICE


class Throttled(ServiceError):
    """The service kept answering 429 TooManyRequests past the retry budget."""


class CacheError(IdcError):
    """A cache file could not be read or written, or the config file could not be written."""

    exit_status = ExitStatus.CACHE


class KeychainUnavailable(CacheError):
    """The OS keychain (Secret Service, macOS Keychain, Windows Credential Locker) cannot be used."""


class LockTimeout(IdcError):
    """Another idc process held a lock longer than this one was willing to wait."""

    exit_status = ExitStatus.LOCK_TIMEOUT


_SHELL_SAFE = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789@%+=:,./_-")


def shell_word(value: str) -> str:
    """``value`` as one word of a POSIX shell command (``shlex.quote``'s rules), for the commands that
    hints name: a profile called ``my admin`` is ``idc login --profile 'my admin'``, ready to paste."""
    if value and all(char in _SHELL_SAFE for char in value):
        return value
    return "'" + value.replace("'", "'\"'\"'") + "'"


def closest_match(word: str, known: Iterable[str], *, cutoff: float = 0.8) -> str | None:
    """The one of ``known`` that ``word`` is most likely a typo of, or None: for "did you mean" hints
    (Regions, profiles, sso-sessions). Case is ignored (``Dev`` is close to ``dev``)."""
    import difflib

    by_folded: dict[str, str] = {}
    for name in known:
        by_folded.setdefault(name.casefold(), name)
    folded = word.casefold()
    close = difflib.get_close_matches(folded, sorted(by_folded), n=1, cutoff=cutoff)
    if not close and len(folded) >= 3:
        # Short names fall under the ratio cutoff with a single slip (``dve`` for ``dev`` is 0.67):
        # one swapped pair of neighbours, or one letter more, less or changed, is still a typo.
        close = [name for name in sorted(by_folded) if _one_slip(folded, name)][:1]
    return by_folded[close[0]] if close and by_folded[close[0]] != word else None


def _one_slip(a: str, b: str) -> bool:
    """True when ``b`` is ``a`` with one adjacent swap, insertion, deletion or substitution."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 1 or (
            len(diff) == 2
            and diff[1] == diff[0] + 1
            and a[diff[0]] == b[diff[1]]
            and a[diff[1]] == b[diff[0]]
        )
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))


def _without_debug_advice(hint: str) -> str | None:
    """``hint`` without its sentences and clauses (``; ...``) that say to run with ``--debug``."""
    import re

    kept = []
    for sentence in re.split(r"(?<=\.)\s+", hint.strip()):
        clauses = [clause for clause in sentence.rstrip(".").split("; ") if "--debug" not in clause]
        if clauses:
            kept.append("; ".join(clauses) + ".")
    return " ".join(kept) or None


def exit_status_for(error: BaseException) -> ExitStatus:
    """Map an exception to the exit code documented above (the only place that does)."""
    if isinstance(error, IdcError):
        return error.exit_status
    if isinstance(error, KeyboardInterrupt):
        return ExitStatus.INTERRUPTED
    return ExitStatus.ERROR


def render(error: BaseException, *, debug: bool = False) -> str:
    """The one line printed to stderr for ``error`` (``idc: <message> <hint>``).

    With ``debug`` (``--debug`` is on: its log and the traceback are above), advice to run with
    ``--debug`` is left out of the hint.
    """
    if isinstance(error, IdcError):
        if debug and error.hint and "--debug" in error.hint:
            return f"idc: {IdcError(error.message, hint=_without_debug_advice(error.hint))}"
        return f"idc: {error}"
    if isinstance(error, KeyboardInterrupt):
        return "idc: interrupted"
    # Unexpected errors: name the type but not the text, which may hold data we did not vet.
    if debug:
        return f"idc: unexpected {type(error).__name__} (the traceback is above)"
    return f"idc: unexpected {type(error).__name__}; run again with --debug for details"
