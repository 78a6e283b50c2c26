"""``--debug`` logging that never shows a secret, and the terminal's one-line notices.

Notices are what a person at a terminal should see while idc waits (throttled, retrying in 2 s): the
library logs them at INFO on :data:`NOTICE_LOGGER`; on a terminal :func:`enable_terminal_notices` shows
each on one line that the next one overwrites (an empty notice clears it). Without a terminal they go
nowhere (a ``credential_process`` caller, a script), and with ``--debug`` they are ordinary log lines.

Only idc's own loggers go to DEBUG. botocore's wire logs are left at WARNING because they print
request and response bodies (tokens, client secrets: aws-cli #5971). Every record still passes through
:class:`RedactingFilter`, which blanks the values of secret-bearing keys wherever they appear.
"""

from __future__ import annotations

import logging
import re
from typing import TextIO

SECRET_KEYS = (
    "accessToken",
    "refreshToken",
    "idToken",
    "clientSecret",
    "secretAccessKey",
    "SecretAccessKey",
    "sessionToken",
    "SessionToken",
    "Token",
    "codeVerifier",
    "code_verifier",
    "deviceCode",
    "device_code",
    "code",
    "x-amz-sso_bearer_token",
    "Authorization",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
)

_KEYS = "|".join(re.escape(k) for k in SECRET_KEYS)
_PATTERN = re.compile(
    r"""(?P<key>["']?\b(?:""" + _KEYS + r""")\b["']?\s*[:=]\s*)(?P<quote>["']?)(?P<value>[^"'\s,&}]+)"""
)


def redact(text: str) -> str:
    """Replace the value of every secret-bearing key in ``text`` with ``<redacted>``."""
    return _PATTERN.sub(lambda m: f"{m.group('key')}{m.group('quote')}<redacted>", text)


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = redact(record.getMessage())
        record.msg = message
        record.args = None
        return True


NOTICE_LOGGER = "idc.notice"


class OneLineHandler(logging.Handler):
    """Writes each notice over the previous one on the same terminal line; an empty notice clears it."""

    def __init__(self, stream: TextIO) -> None:
        super().__init__(logging.INFO)
        self.stream = stream

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.stream.write("\r\x1b[K" + redact(record.getMessage()))
            self.stream.flush()
        except Exception:  # a closed terminal must not break the command
            self.handleError(record)


def enable_terminal_notices(stream: TextIO) -> None:
    """Show notices on ``stream`` (a terminal) on one updating line."""
    logger = logging.getLogger(NOTICE_LOGGER)
    logger.addHandler(OneLineHandler(stream))
    logger.setLevel(logging.INFO)
    logger.propagate = False


def enable_debug_logging() -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.WARNING)
    logging.getLogger("idc").setLevel(logging.DEBUG)
