"""Handing the console sign-in URL to the user: their browser, or stdout where none can open it.

The URL is a secret for 15 minutes. A browser takes it on its command line (``BROWSER``, xdg-open), so
another user of the same machine could read it in the process list while the browser starts; on shared
machines use ``--print`` and paste it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TextIO

from idc.signin.browser import BrowserOpener, SystemBrowserOpener, browser_unavailable_reason


def deliver_console_url(
    url: str,
    *,
    print_only: bool,
    out: TextIO,
    err: TextIO,
    opener: BrowserOpener | None = None,
    environ: Mapping[str, str] | None = None,
) -> bool:
    """Open ``url`` in the browser (BROWSER honoured) or write it to ``out``; True when a browser opened.

    The URL is a secret: it goes to ``out`` (stdout) only, never to ``err`` or a log.
    """
    env = os.environ if environ is None else environ
    if not print_only:
        reason = browser_unavailable_reason(env)
        if reason is None and (opener or SystemBrowserOpener(env))(url):
            err.write("idc: opened the AWS console in your browser.\n")
            return True
        why = reason or "no browser could be started"
        err.write(f"idc: {why}; open this sign-in URL (valid 15 minutes, keep it private):\n")
    out.write(url + "\n")
    out.flush()
    return False
