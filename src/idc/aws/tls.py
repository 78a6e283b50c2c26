"""Which certificates idc trusts when it calls AWS, for botocore's clients and the start-URL lookup alike.

A ``Verify`` value is what botocore's ``create_client(verify=...)`` takes:

- ``None``: botocore's own choice: the ``AWS_CA_BUNDLE`` variable, then the profile's ``ca_bundle``,
  then the CA bundle botocore ships (certifi's);
- a path: that CA bundle file (or directory of hashed certificates): ``--ca-bundle PATH``;
- ``False``: no verification at all: ``--no-verify-ssl``.

Corporate TLS-inspecting proxies re-sign every certificate with their own CA; without that CA in a
bundle every call fails. :func:`unreachable` turns such a failure into one line naming ``--ca-bundle``.
"""

from __future__ import annotations

import os
import ssl
from collections.abc import Mapping
from typing import TypeAlias

from idc.errors import ConfigError, ServiceError

Verify: TypeAlias = "bool | str | None"

CA_BUNDLE_HINT = (
    "Pass --ca-bundle PATH with the CA that signs it (a TLS-inspecting proxy's), "
    "or set AWS_CA_BUNDLE or ca_bundle in ~/.aws/config."
)
INSECURE_WARNING = (
    "idc: warning: --no-verify-ssl: TLS certificates are not verified; "
    "anyone on the network path can read and change this traffic, tokens included."
)


def effective_verify(verify: Verify, environ: Mapping[str, str], config_ca_bundle: str | None) -> bool | str:
    """The trust to use outside botocore, chosen as the AWS CLI chooses it for botocore.

    The flag first (``--ca-bundle`` / ``--no-verify-ssl``), then ``AWS_CA_BUNDLE``, then the profile's
    ``ca_bundle``; True means botocore's default bundle.
    """
    if verify is not None:
        return verify
    from_env = environ.get("AWS_CA_BUNDLE")
    if from_env:
        return from_env
    if config_ca_bundle:
        return os.path.expanduser(config_ca_bundle)
    return True


def ssl_context(verify: bool | str) -> ssl.SSLContext:
    """An ``ssl`` context trusting what ``verify`` names (True: botocore's default CA bundle)."""
    context = ssl.create_default_context()
    if verify is False:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    elif isinstance(verify, str):
        try:
            if os.path.isdir(verify):
                context.load_verify_locations(capath=verify)
            else:
                context.load_verify_locations(cafile=verify)
        except (OSError, ssl.SSLError):
            raise ConfigError(
                f"The CA bundle {verify} cannot be read as PEM certificates.",
                hint="Check --ca-bundle, AWS_CA_BUNDLE or ca_bundle.",
            ) from None
    else:
        bundle = _default_bundle()
        if bundle:
            context.load_verify_locations(cafile=bundle)
    return context


def _default_bundle() -> str | None:
    from botocore.httpsession import get_cert_path

    path: str | None = get_cert_path(True)
    return path


def is_certificate_failure(error: BaseException) -> bool:
    """True when ``error`` (botocore's, urllib's or ssl's) is a failed certificate check."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, ssl.SSLCertVerificationError):
            return True
        if type(current).__name__ == "SSLError" and "CERTIFICATE_VERIFY_FAILED" in str(current):
            return True
        reason = getattr(current, "reason", None)
        if isinstance(reason, BaseException) and id(reason) not in seen:
            current = reason
            continue
        current = current.__cause__ or current.__context__
    return False


def certificate_error(where: str) -> ServiceError:
    """The one line for a certificate that does not verify (``where``: the URL or host called)."""
    return ServiceError(
        f"The TLS certificate of {where} is not trusted (certificate verification failed).",
        hint=CA_BUNDLE_HINT,
    )


def unreachable(error: BaseException, message: str, hint: str) -> ServiceError:
    """The error for a botocore call that did not get an answer: a certificate failure names
    ``--ca-bundle``; anything else is ``message`` + ``hint``."""
    if is_certificate_failure(error):
        kwargs = getattr(error, "kwargs", None) or {}
        return certificate_error(str(kwargs.get("endpoint_url") or "the server"))
    return ServiceError(message, hint=hint)
