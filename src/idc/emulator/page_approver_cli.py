"""The page approver's command line, usable as a ``BROWSER`` command (see :mod:`idc.emulator.page_approver`)::

    python -m idc.emulator.page_approver_cli [--user U] [--password P] [--deny] [--user-code C]
        [--user-code-from FILE] [--cookies FILE] [--detach [--log F]] URL

``--detach`` returns at once and the walk continues in a background process (for callers that wait for
their browser command to exit before they listen for the redirect). ``--user-code-from FILE`` reads the
code from an application's output written to FILE (waiting for it). ``--cookies FILE`` keeps the
cookies from one run to the next, as one browser (one password for every Region of ``idc emulator
--regions``; run the walks one after the other). Standard library only.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import subprocess
import sys
import time
from collections.abc import Callable, Sequence

from idc.emulator.page_approver import PageApprover, PageWalkError, user_code_in

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m idc.emulator.page_approver_cli [--user U --password P --deny --detach] URL``."""
    parser = argparse.ArgumentParser(
        prog="python -m idc.emulator.page_approver_cli",
        description="Approve (or deny) an Identity Center sign-in on the local emulator's pages, "
        "as a user at a browser would. Usable as a BROWSER command.",
    )
    parser.add_argument("url", help="the URL a login flow opens (verificationUriComplete or /authorize)")
    parser.add_argument("--user", default="demo", help="user name to sign in with (default: demo)")
    parser.add_argument(
        "--password",
        default=None,
        help="password (default: $IDC_APPROVER_PASSWORD, else demo)",
    )
    parser.add_argument("--deny", action="store_true", help="click Deny instead of Allow")
    parser.add_argument("--user-code", help="the code the application shows (device flow)")
    parser.add_argument(
        "--user-code-from",
        metavar="FILE",
        help="read the code from the application's output in FILE, or in the files of a directory "
        "(waits for it, up to --timeout)",
    )
    parser.add_argument(
        "--detach",
        action="store_true",
        help="return at once and walk the pages in a background process (for callers that wait "
        "for their browser command to exit before they listen for the redirect)",
    )
    parser.add_argument(
        "--log", metavar="FILE", help="with --detach: append the background walk's outcome line to FILE"
    )
    parser.add_argument(
        "--cookies",
        metavar="FILE",
        help="keep the browser's cookies in FILE from one run to the next (created 0600)",
    )
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds for the whole walk")
    args = parser.parse_args(argv)
    password = args.password or os.environ.get("IDC_APPROVER_PASSWORD") or "demo"
    if args.detach:
        command = [sys.executable, "-m", "idc.emulator.page_approver_cli", "--user", args.user]
        command += ["--timeout", str(args.timeout)] + (["--deny"] if args.deny else [])
        if args.user_code:
            command += ["--user-code", args.user_code]
        if args.user_code_from:
            command += ["--user-code-from", args.user_code_from]
        if args.cookies:
            command += ["--cookies", args.cookies]
        command.append(args.url)
        log = os.open(args.log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600) if args.log else None
        try:
            subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=log if log is not None else subprocess.DEVNULL,
                start_new_session=True,
                env={**os.environ, "IDC_APPROVER_PASSWORD": password},
            )
        finally:
            if log is not None:
                os.close(log)
        return 0
    user_code: str | Callable[[], str | None] | None = args.user_code
    if args.user_code_from:
        user_code = _code_from_file(args.user_code_from, args.timeout)
    jar = _cookie_jar(args.cookies) if args.cookies else None
    approver = PageApprover(
        args.user,
        password,
        allow=not args.deny,
        timeout=min(args.timeout, 10.0),
        user_code=user_code,
        cookies=jar,
    )
    approver(args.url)
    try:
        approver.wait(args.timeout)
    except PageWalkError as exc:
        print(f"page_approver: {exc}", file=sys.stderr)
        return int(exc.exit_status)
    finally:
        if jar is not None:
            jar.save(ignore_discard=True, ignore_expires=True)
    outcome = "denied" if args.deny else "approved"
    print(f"page_approver: request {outcome}", file=sys.stderr)
    return 0


def _cookie_jar(path: str) -> http.cookiejar.LWPCookieJar:
    """The jar kept in ``path`` (created empty and private when it does not exist)."""
    jar = http.cookiejar.LWPCookieJar(path)
    try:
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        jar.save(ignore_discard=True, ignore_expires=True)
    except FileExistsError:
        jar.load(ignore_discard=True, ignore_expires=True)
    return jar


def _code_from_file(path: str, timeout: float) -> Callable[[], str | None]:
    """Reads the code from an application's output when the page asks for it (waiting for it).

    ``path`` is the file the output goes to, or a directory of such files (the newest code wins).
    """

    def output_text() -> str:
        names = (
            sorted((os.path.join(path, name) for name in os.listdir(path)), key=os.path.getmtime)
            if os.path.isdir(path)
            else [path]
        )
        texts = []
        for name in names:
            try:
                with open(name, encoding="utf-8", errors="replace") as output:
                    texts.append(output.read())
            except OSError:
                continue
        return "\n".join(texts)

    def read() -> str | None:
        deadline = time.monotonic() + timeout
        while True:
            found = user_code_in(output_text())
            if found or time.monotonic() >= deadline:
                return found
            time.sleep(0.05)

    return read


if __name__ == "__main__":
    raise SystemExit(main())
