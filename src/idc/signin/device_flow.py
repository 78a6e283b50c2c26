"""The device authorization grant (RFC 8628), as the AWS CLI runs it.

1. StartDeviceAuthorization (section 3.1).
2. One CreateToken before showing anything: a pre-approved device never prompts.
3. Show the URL and the user code (the AWS CLI's words; since mid-2026 AWS's ``verificationUriComplete``
   no longer carries the code, so the printed code is what the user compares on the page), on a
   terminal a QR code of ``verificationUriComplete`` for a phone (:mod:`idc.signin.qr`), and open it in
   the browser unless told not to.
4. Poll CreateToken every ``interval`` seconds (default 5, section 3.2); ``slow_down`` adds 5 seconds to
   this and every later poll (section 3.5); ``authorization_pending`` continues; ``expired_token`` and the
   code's own ``expiresIn`` end the flow with the AWS CLI's "expired" message; ``access_denied`` ends it
   with :class:`~idc.errors.LoginFailed`.

Time and sleep are injected: tests drive the flow against the emulator with a fake clock.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TextIO

from idc.aws.oidc import (
    EXPIRED_DEVICE_CODE_MESSAGE,
    DeviceAuthorization,
    OidcClient,
    PollOutcome,
    RegisteredClient,
    TokenGrant,
)
from idc.errors import LoginFailed
from idc.signin.browser import BrowserOpener

log = logging.getLogger(__name__)

DEFAULT_INTERVAL = 5
SLOW_DOWN_DELAY = 5


def show_device_instructions(out: TextIO, authorization: DeviceAuthorization, *, opening: bool) -> None:
    """AWS CLI v2's text (its browser and print-only handlers; awscli ``customizations/sso/utils.py``)."""
    if opening:
        out.write(
            "Attempting to open your default browser.\n"
            "If the browser does not open or you wish to use a different device to authorize this request, "
            "open the following URL:\n"
            f"\n{authorization.verification_uri}\n"
            f"\nThen enter the code:\n\n{authorization.user_code}\n"
        )
    else:
        out.write(
            "Browser will not be automatically opened.\n"
            "Please visit the following URL:\n"
            f"\n{authorization.verification_uri}\n"
            f"\nThen enter the code:\n\n{authorization.user_code}\n"
            "\nAlternatively, you may visit the following URL which will autofill the code upon loading:"
            f"\n{authorization.verification_uri_complete}\n"
        )
    out.flush()


class DeviceFlow:
    """One run of the device grant for a registered client. :meth:`run` returns the token grant."""

    def __init__(
        self,
        oidc: OidcClient,
        client: RegisteredClient,
        start_url: str,
        *,
        out: TextIO,
        opener: BrowserOpener | None,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        qr_columns: int | None = None,
    ) -> None:
        self._oidc = oidc
        self._client = client
        self._start_url = start_url
        self._out = out
        self._opener = opener
        self._monotonic = monotonic
        self._sleep = sleep
        self._qr_columns = qr_columns  # None: no QR code (not a terminal, or turned off)
        self._device_code = ""
        self.polls = 0
        self.interval: int = DEFAULT_INTERVAL

    def run(self) -> TokenGrant:
        authorization = self._oidc.start_device_authorization(self._client, self._start_url)
        self._device_code = authorization.device_code
        deadline = self._monotonic() + authorization.expires_in
        self.interval = authorization.interval or DEFAULT_INTERVAL

        grant = self._poll()
        if grant is not None:
            return grant

        show_device_instructions(self._out, authorization, opening=self._opener is not None)
        if self._qr_columns is not None:
            from idc.signin.qr import print_qr

            print_qr(self._out, authorization.verification_uri_complete, columns=self._qr_columns)
        if self._opener is not None:
            try:
                opened = self._opener(authorization.verification_uri_complete)
            except Exception as error:  # a failing browser must not end a flow the user can finish by hand
                log.debug("browser opener failed: %s", type(error).__name__)
                opened = False
            if not opened:
                self._out.write("\nThe browser could not be opened; use the URL and code above.\n")
                self._out.flush()

        while True:
            if self._monotonic() + self.interval > deadline:
                # The next poll would come after the code expired: stop, as the server would say.
                raise LoginFailed(EXPIRED_DEVICE_CODE_MESSAGE, hint="Run `idc login` again.")
            self._sleep(self.interval)
            grant = self._poll()
            if grant is not None:
                return grant

    def _poll(self) -> TokenGrant | None:
        self.polls += 1
        result = self._oidc.poll_device_token(self._client, self._device_code)
        if isinstance(result, TokenGrant):
            return result
        if result is PollOutcome.SLOW_DOWN:
            self.interval += SLOW_DOWN_DELAY
            log.debug("slow_down: polling every %d s", self.interval)
        return None
