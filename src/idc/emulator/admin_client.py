"""A client for the emulator's admin HTTP API (``/_admin/<action>``), standard library only.

Used by ``idc emulator end-sessions|advance-clock|fault|clear-faults|stats`` and by anything that drives a
running emulator from outside (tests use the same API through their fixture).
"""

from __future__ import annotations

import json
import os
import ssl
import urllib.error
import urllib.request
from typing import Any

from idc.errors import ConfigError, ServiceError


class AdminClient:
    def __init__(self, base_url: str, admin_token: str, *, timeout: float = 10) -> None:
        self.base_url = base_url.rstrip("/")
        self._token = admin_token
        self._timeout = timeout

    def call(self, action: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        """POST ``body`` to ``/_admin/<action>``; the decoded JSON answer."""
        if not self.base_url.startswith(("http://", "https://")):
            raise ConfigError(f"the emulator URL must be http(s): {self.base_url}")
        request = urllib.request.Request(  # noqa: S310 - scheme checked above
            f"{self.base_url}/_admin/{action}",
            data=json.dumps(body or {}).encode(),
            headers={"Authorization": f"Bearer {self._token}", "Content-Type": "application/json"},
            method="POST",
        )
        try:
            # An `idc emulator --tls` is trusted through the CA file it printed (AWS_CA_BUNDLE).
            context = ssl.create_default_context(cafile=os.environ.get("AWS_CA_BUNDLE") or None)
            with urllib.request.urlopen(request, timeout=self._timeout, context=context) as response:  # noqa: S310
                answer: dict[str, Any] = json.loads(response.read() or b"{}")
                return answer
        except urllib.error.HTTPError as error:
            try:
                message = json.loads(error.read()).get("message", "")
            except ValueError:
                message = ""
            if error.code == 403:
                raise ConfigError(
                    "the emulator refused the admin token",
                    hint="Use the token `idc emulator` printed at start (IDC_EMULATOR_ADMIN_TOKEN).",
                ) from None
            if error.code == 400:  # a value the emulator does not accept: the command line is wrong
                raise ConfigError(
                    f"the emulator refused {action}: {message}",
                    hint=f"See `idc emulator {action} --help`.",
                ) from None
            raise ServiceError(f"the emulator answered {error.code} to {action}: {message}") from None
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise ServiceError(
                f"cannot reach the emulator at {self.base_url}: {reason}",
                hint="Start it with `idc emulator` and pass its base URL with --url (IDC_EMULATOR_URL).",
            ) from None
