"""``--debug`` logging that never shows a secret.

Only idc's own loggers go to DEBUG. botocore's wire logs are left at WARNING because they print
request and response bodies (tokens, client secrets: aws-cli #5971). Every record still passes through
:class:`RedactingFilter`, which blanks the values of secret-bearing keys wherever they appear.
"""

from __future__ import annotations

import logging
import re

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


def enable_debug_logging() -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.WARNING)
    logging.getLogger("idc").setLevel(logging.DEBUG)
