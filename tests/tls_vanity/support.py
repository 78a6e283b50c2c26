"""Constants and the directory of the vanity TLS emulator (see conftest.py)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from idc.emulator.directory import default_directory, directory_to_dict

PORTAL_URL = "https://ssoins-7223c5bd2ab0a1c4.portal.eu-west-1.app.aws/start"
PORTAL_REGION = "eu-west-1"
VANITY_HOST = "localhost"


def vanity_directory(**changes: Any) -> dict[str, Any]:
    directory = directory_to_dict(default_directory())
    directory.update(start_url=PORTAL_URL, region=PORTAL_REGION, **changes)
    return directory


def approving_browser(directory: Path, ca_file: str, *, user_code_from: Path | None = None) -> str:
    """A BROWSER that approves on the emulator's pages; it trusts the CA as the user's browser would.

    For the device flow, ``user_code_from`` is the file the application's output goes to: the person
    compares the code the page shows with the one their terminal shows.
    """
    script = directory / "browser"
    code = f' --user-code-from "{user_code_from}"' if user_code_from else ""
    script.write_text(
        f'#!/bin/sh\nSSL_CERT_FILE="{ca_file}" '
        f'exec {sys.executable} -m idc.emulator.page_approver_cli --detach{code} "$1"\n'
    )
    script.chmod(0o755)
    return str(script)
