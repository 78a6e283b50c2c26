"""The console sign-in URL for role credentials (IAM User Guide, custom identity broker access).

1. POST ``Action=getSigninToken&Session={"sessionId","sessionKey","sessionToken"}`` to the federation
   endpoint of the console's partition (form-encoded, as aws-sso-util sends it: the session keys stay
   out of URLs and server logs); the answer is ``{"SigninToken": ...}``.
2. ``<endpoint>?Action=login&Issuer=...&Destination=...&SigninToken=...`` is the URL to open.

The URL signs anyone in for up to 15 minutes: it is a secret. Nothing here logs it or puts it in an
exception. ``AWS_ENDPOINT_URL_SIGNIN`` (botocore's name for the Signin service, serviceId "Signin")
replaces the endpoint's origin, as the local Identity Center's banner sets it.
"""

from __future__ import annotations

import functools
import json
import logging
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from idc.aws.tls import certificate_error, is_certificate_failure, ssl_context
from idc.console.partitions import partition_of
from idc.console.shortcuts import GLOBAL_PATHS, service_path
from idc.errors import ConfigError, ServiceError
from idc.storage.role_cache import RoleCredentials

log = logging.getLogger(__name__)

SIGNIN_ENDPOINT_ENV = "AWS_ENDPOINT_URL_SIGNIN"
FEDERATION_TIMEOUT_S = 15.0
FAILOVER_FEDERATION_TIMEOUT_S = 4.0
"""When another sign-in host follows, a silent endpoint is given up on after this long."""

Post = Callable[[str, bytes], tuple[int, bytes]]
"""POST a form body to a URL; return (status, body). Raises OSError when the endpoint is unreachable."""


@dataclass(frozen=True)
class ConsoleTarget:
    """Where in the console to land: a region and either a service shortcut or a destination."""

    region: str
    service: str | None = None
    destination: str | None = None


def federation_endpoint(region: str, environ: Mapping[str, str] | None = None) -> str:
    """The federation endpoint for ``region``'s partition, or ``$AWS_ENDPOINT_URL_SIGNIN/federation``."""
    env = os.environ if environ is None else environ
    override = env.get(SIGNIN_ENDPOINT_ENV, "").strip()
    ignore = env.get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "").strip().lower() == "true"
    if override and not ignore:
        return f"{override.rstrip('/')}/federation"
    return partition_of(region).federation_endpoint(region)


def destination_url(target: ConsoleTarget) -> str:
    """The console URL to land on (``--destination`` wins; a path is joined onto the console host)."""
    region = target.region
    origin = partition_of(region).console_origin(region)
    if target.destination:
        if _is_url(target.destination) or _unsafe_characters(target.destination):
            return _console_url(target.destination, region)
        path = target.destination.lstrip("/")
        separator = "&" if "?" in path else "?"
        return f"{origin}/{path}" if "region=" in path else f"{origin}/{path}{separator}region={region}"
    if target.service:
        try:
            path = service_path(target.service)
        except ValueError:
            raise ConfigError(
                f"--service {target.service!r} is not a console service name.",
                hint="Use a shortcut such as s3, ec2, iam, lambda, ddb, cfn, sm, ssm, or --destination.",
            ) from None
        if path in GLOBAL_PATHS:
            return f"{origin}/{path}/home"
        return f"{origin}/{path}/home?region={region}"
    return f"{origin}/console/home?region={region}"


_DESTINATION_HINT = "For example `idc console --destination /s3/buckets`."


def _is_url(destination: str) -> bool:
    """A destination with a scheme or an authority (``//host``) is a URL; anything else is a path."""
    return bool(urlsplit(destination).scheme) or destination.startswith("//")


def _unsafe_characters(destination: str) -> bool:
    return any(ch in destination for ch in "\\ ") or not destination.isprintable()


def _console_url(destination: str, region: str) -> str:
    """``destination`` when it is an https URL on a console host of ``region``'s partition (or its
    sign-in host's switch-role page, the console's own).

    The host is compared as parsed (``urlsplit(...).hostname``), so ``console.aws.amazon.com.evil.example``
    and ``console.aws.amazon.com@evil.example`` are refused; user info, a port and backslashes (which
    browsers read as ``/``, WHATWG URL standard, "special" schemes) are refused before that.
    """
    console_domain = partition_of(region).console_domain
    if _unsafe_characters(destination):
        problem = "contains a backslash, a space or a control character"
    else:
        parts = urlsplit(destination)
        try:
            port = parts.port
        except ValueError:
            port = -1
        if parts.scheme != "https":
            problem = "is not an https:// URL"
        elif "@" in parts.netloc:
            problem = "carries a user name"
        elif port is not None or parts.netloc.endswith(":"):
            problem = "names a port"
        elif not (
            partition_of(region).is_console_host(parts.hostname or "")
            or (partition_of(region).is_signin_host(parts.hostname or "") and parts.path == "/switchrole")
        ):
            problem = f"is not on the console ({console_domain} or a subdomain of it)"
        else:
            return destination
    raise ConfigError(
        f"--destination {destination!r} {problem}; give a console URL (https://{console_domain}/...) "
        "or a path such as /s3/buckets.",
        hint=_DESTINATION_HINT,
    )


def check_console_region(region: str) -> str | None:
    """Refuse a ``--region`` that is not an AWS Region (with a "did you mean"), as ``configure`` does.

    Returns a warning for a Region botocore does not know yet but that looks like a new one.
    """
    from idc.aws.regions import check_region_name

    result = check_region_name(region)
    if result.problem is not None:
        raise ConfigError(f"--region {region!r} {result.problem}.", hint="Use a name like eu-west-1.")
    return result.warning


def console_signin_url(
    credentials: RoleCredentials,
    target: ConsoleTarget,
    *,
    issuer: str,
    post: Post | None = None,
    environ: Mapping[str, str] | None = None,
    verify: bool | str = True,
    fallback_regions: Sequence[str] = (),
) -> str:
    """The one-time console sign-in URL for ``credentials``, landing on ``target`` (a secret).

    ``verify`` is the trust of the other AWS calls (``--ca-bundle``, AWS_CA_BUNDLE, ``ca_bundle``,
    ``--no-verify-ssl``), so a TLS-inspecting proxy works here as it does for them.
    ``fallback_regions`` (the Regions of a session in several Regions): when the federation endpoint
    does not answer (no connection, 5xx), the regional sign-in host of each is tried in turn
    (``https://<region>.signin.aws.amazon.com/federation``); a refusal (4xx) is an answer.
    """
    destination = destination_url(target)
    endpoint = federation_endpoint(target.region, environ)
    endpoints = [endpoint]
    if not (environ if environ is not None else os.environ).get(SIGNIN_ENDPOINT_ENV):
        for region in fallback_regions:
            regional = partition_of(region).regional_federation_endpoint(region)
            if regional not in endpoints:
                endpoints.append(regional)
    for index, endpoint in enumerate(endpoints):
        last = index == len(endpoints) - 1
        timeout = FEDERATION_TIMEOUT_S if last else FAILOVER_FEDERATION_TIMEOUT_S
        send = post or functools.partial(urllib_post, verify=verify, timeout=timeout)
        try:
            return _sign_in_url(credentials, endpoint, issuer, destination, send)
        except _NoAnswer as error:
            if last:
                raise error.error from None
            log.debug("the federation endpoint %s does not answer; trying the next one", endpoint)
    raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises


class _NoAnswer(Exception):
    """The federation endpoint did not answer (no connection, or 5xx): ``error`` says so."""

    def __init__(self, error: ServiceError) -> None:
        super().__init__(error.message)
        self.error = error


def _sign_in_url(
    credentials: RoleCredentials,
    endpoint: str,
    issuer: str,
    destination: str,
    post: Post,
) -> str:
    session = json.dumps(
        {
            "sessionId": credentials.access_key_id,
            "sessionKey": credentials.secret_access_key,
            "sessionToken": credentials.session_token,
        }
    )
    form = urlencode({"Action": "getSigninToken", "Session": session}).encode()
    log.debug("getSigninToken at %s", endpoint)
    try:
        status, body = post(endpoint, form)
    except OSError as error:
        if is_certificate_failure(error):
            raise certificate_error(endpoint) from None
        raise _NoAnswer(
            ServiceError(
                f"Could not reach the AWS federation endpoint {endpoint} ({type(error).__name__}).",
                hint=f"Check the network (and {SIGNIN_ENDPOINT_ENV} if set) and try again.",
            )
        ) from None
    token = _signin_token(status, body)
    if token is None and status >= 500:
        raise _NoAnswer(
            ServiceError(
                f"The AWS federation endpoint {endpoint} failed (HTTP {status}).",
                hint="Run `idc console` again in a while; run with --debug for details.",
            )
        )
    if token is None:
        raise ServiceError(
            f"The AWS federation endpoint refused the role credentials (HTTP {status}).",
            hint="Run `idc console` again; run with --debug for details.",
        )
    query = urlencode({"Action": "login", "Issuer": issuer, "Destination": destination, "SigninToken": token})
    return f"{endpoint}?{query}"


def _signin_token(status: int, body: bytes) -> str | None:
    if status != 200:
        return None
    try:
        token = json.loads(body).get("SigninToken")
    except (ValueError, AttributeError):
        return None
    return token if isinstance(token, str) and token else None


def urllib_post(
    url: str, form: bytes, *, verify: bool | str = True, timeout: float = FEDERATION_TIMEOUT_S
) -> tuple[int, bytes]:
    """The default transport: the standard library, HTTPS trusting what ``verify`` names."""
    import urllib.error
    import urllib.request

    if not url.startswith(("https://", "http://")):
        raise urllib.error.URLError("the federation endpoint must be an http(s) URL")
    request = urllib.request.Request(  # noqa: S310 - the scheme is checked above
        url, data=form, method="POST", headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    try:
        context = ssl_context(verify) if url.startswith("https://") else None
        with urllib.request.urlopen(request, timeout=timeout, context=context) as response:  # noqa: S310
            return int(response.status), bytes(response.read())
    except urllib.error.HTTPError as refused:
        return int(refused.code), refused.read()
