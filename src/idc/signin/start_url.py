"""Start URLs as AWS CLI v2 (>= 2.35.13) reads them: vanity hosts, the Region in portal hosts, partitions.

An organisation may give its users a start URL on its own domain (``https://sso.example.com/start``).
Identity Center cannot be asked about such a URL: the AWS CLI follows its redirect, once, to the
AWS-owned portal host behind it (``https://ssoins-1234.portal.eu-west-1.app.aws``), and takes the SSO
Region from that host when it names one. The caches stay keyed as before: the token and the
registration by the start URL as configured (or the session name); only the calls to Identity Center
(``StartDeviceAuthorization``'s ``startUrl``, ``RegisterClient``'s ``issuerUrl``) use the portal URL.

AWS-owned hosts (in every partition: aws, aws-cn, aws-eusc, aws-us-gov) are taken as they are, with the
configured Region, and no request is made. The lookup is one ``HEAD`` (``GET`` when the server answers
405 or 501), redirects not followed, with the same certificate trust as botocore's clients
(:mod:`idc.aws.tls`). Only sign-ins call it: a cached token or role credential never needs it.
"""

from __future__ import annotations

import logging
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass

from idc.aws.tls import certificate_error, is_certificate_failure, ssl_context
from idc.errors import ConfigError, ServiceError

log = logging.getLogger(__name__)

# Host names Identity Center serves from, per partition (suffixes match any name below them).
AWS_OWNED_SUFFIXES = (
    ".app.aws",
    ".portal.amazonaws.com",
    ".portal.amazonaws.com.cn",
    ".app.amazonwebservices.com.cn",
    ".portal.amazonaws.eu",
    ".api.amazonwebservices.eu",
    ".awsapps.com",
    ".awsapps.cn",
)
AWS_OWNED_HOSTS = (
    "identitycenter.amazonaws.com",
    "identitycenter.amazonaws.com.cn",
    "identitycenter.amazonaws.eu",
    "identitycenter.us-gov.amazonaws.com",
)

# The domains of the hosts above: a start URL on a near miss of one is a typo, not a vanity URL.
AWS_DOMAINS = (
    "awsapps.com",
    "awsapps.cn",
    "app.aws",
    "amazonaws.com",
    "amazonaws.com.cn",
    "amazonaws.eu",
    "amazonwebservices.com.cn",
    "amazonwebservices.eu",
)
_TYPO_CUTOFF = 0.85

_REGION = r"(?P<region>[a-z0-9-]+)"
# New-style portal hosts name the Region; the classic ``d-xxxxxxxxxx.awsapps.com`` does not.
_REGION_HOSTS = tuple(
    re.compile(f"^[^.]+\\.{pattern}$")
    for pattern in (
        rf"portal\.{_REGION}\.app\.aws",
        rf"{_REGION}\.portal\.amazonaws\.com",
        rf"{_REGION}\.portal\.amazonaws\.com\.cn",
        rf"portal\.{_REGION}\.app\.amazonwebservices\.com\.cn",
        rf"{_REGION}\.portal\.amazonaws\.eu",
        rf"portal\.{_REGION}\.api\.amazonwebservices\.eu",
    )
)
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_DEFAULT_PORTS = {"https": 443, "http": 80}
DEFAULT_TIMEOUT = 10.0

# (method, url) -> (HTTP status, Location header or None); raises urllib.error.URLError when unreachable
Transport = Callable[[str, str], tuple[int, "str | None"]]


@dataclass(frozen=True)
class ResolvedStartUrl:
    """``start_url`` as configured (the cache keys), ``portal_url`` to send to Identity Center, ``region``."""

    start_url: str
    portal_url: str
    region: str

    @property
    def is_vanity(self) -> bool:
        return self.portal_url != self.start_url


def is_aws_owned_host(host: str) -> bool:
    host = host.lower().rstrip(".")
    return host in AWS_OWNED_HOSTS or any(
        host == suffix[1:] or host.endswith(suffix) for suffix in AWS_OWNED_SUFFIXES
    )


def is_vanity_start_url(start_url: str) -> bool:
    """True for an https start URL whose host is not Identity Center's (so it must be looked up)."""
    host = urllib.parse.urlsplit(start_url).hostname
    return bool(host) and not is_aws_owned_host(str(host))


def mistyped_start_url(start_url: str) -> str | None:
    """``start_url`` on the AWS domain its host nearly spells (``d-123.awsaps.com``, ``amazonaws.co``,
    ``awsapp.com``), or None: its host is AWS-owned, or not a near miss of an AWS domain.

    Such a URL is not a vanity start URL: looking it up would only end in a DNS error.
    """
    import difflib

    parts = urllib.parse.urlsplit(start_url)
    host = (parts.hostname or "").rstrip(".")
    if not host or is_aws_owned_host(host):
        return None
    labels = host.split(".")
    best: tuple[float, str] | None = None
    for domain in AWS_DOMAINS:
        size = domain.count(".") + 1
        if len(labels) < size:
            continue
        tail = ".".join(labels[-size:])
        ratio = difflib.SequenceMatcher(None, tail, domain).ratio()
        corrected = ".".join([*labels[:-size], domain])
        if ratio >= _TYPO_CUTOFF and is_aws_owned_host(corrected) and (best is None or ratio > best[0]):
            best = (ratio, corrected)
    if best is None:
        return None
    netloc = best[1] if parts.port is None else f"{best[1]}:{parts.port}"
    return urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def region_of_host(host: str) -> str | None:
    """The SSO Region a new-style portal host names (``x.portal.eu-west-1.app.aws``), else None."""
    host = host.lower().rstrip(".")
    for pattern in _REGION_HOSTS:
        match = pattern.match(host)
        if match:
            return match.group("region")
    return None


def region_of_start_url(start_url: str) -> str | None:
    """The SSO Region an AWS-owned new-style portal start URL names
    (``https://ssoins-1234.portal.ap-northeast-1.app.aws/start``), else None (no request made)."""
    host = urllib.parse.urlsplit(start_url).hostname
    if not host or not is_aws_owned_host(host):
        return None
    return region_of_host(host)


def region_mismatch(start_url: str, sso_region: str, *, what: str = "sso_region") -> str | None:
    """One line when ``sso_region`` is not the Region the start URL's host names, else None.

    The AWS CLI calls Identity Center in the configured ``sso_region`` for an AWS-owned host and never
    corrects it (``awscli/customizations/sso/resolve.py``, ``resolve_start_url``): with another Region
    it fails, and idc must not look as if it worked.
    """
    named = region_of_start_url(start_url)
    if named is None or named == sso_region:
        return None
    return (
        f"{what} {sso_region} is not the Region of the start URL's host ({named}); "
        f"AWS tools call IAM Identity Center in {sso_region} and fail there"
    )


def resolve_start_url(
    start_url: str,
    configured_region: str | None,
    *,
    verify: bool | str = True,
    timeout: float = DEFAULT_TIMEOUT,
    transport: Transport | None = None,
) -> ResolvedStartUrl:
    """The portal URL and SSO Region for ``start_url`` (a request only for a vanity host).

    ``verify`` is the certificate trust (:func:`idc.aws.tls.effective_verify`); ``transport`` replaces
    the HTTPS request (default: urllib, honouring HTTPS_PROXY).
    """
    parts = urllib.parse.urlsplit(start_url)
    if parts.scheme != "https":
        raise ConfigError(f"The sso_start_url {start_url} must use the https scheme.")
    if not parts.hostname:
        raise ConfigError(f"Invalid sso_start_url: {start_url}")
    if is_aws_owned_host(parts.hostname):
        if not configured_region:
            raise ConfigError(
                "Missing required configuration: sso_region.", hint="Run `idc configure sso` to set it."
            )
        return ResolvedStartUrl(start_url, start_url, configured_region)

    log.debug("start URL %s is not AWS-owned; following its redirect", start_url)
    send = transport or urllib_transport(verify, timeout)
    portal_url = _normalize(_follow_once(start_url, send))
    portal = urllib.parse.urlsplit(portal_url)
    if not portal.hostname or not is_aws_owned_host(portal.hostname):
        raise ConfigError(
            f"Could not resolve start URL {start_url} to an AWS-owned endpoint (final URL: {portal_url}).",
            hint="Check sso_start_url: it must be your Identity Center start URL or redirect to it.",
        )
    if portal.scheme != "https":
        raise ConfigError(f"The start URL {start_url} redirects to {portal_url}, which is not https.")
    region = region_of_host(portal.hostname) or configured_region
    if not region:
        raise ConfigError(
            f"Cannot determine the SSO Region from start URL {start_url}.",
            hint="Set sso_region in the configuration (or pass --sso-region).",
        )
    log.debug("start URL %s resolves to %s in %s", start_url, portal_url, region)
    return ResolvedStartUrl(start_url, portal_url, region)


def region_of_vanity_start_url(start_url: str, *, verify: bool | str = True) -> str | None:
    """The SSO Region behind a vanity start URL, for ``configure`` (which then does not ask for it).

    None when the URL is AWS-owned or cannot be resolved to a Region: the question is asked, as the
    AWS CLI does (the reason is logged with --debug).
    """
    from idc.errors import IdcError

    if not is_vanity_start_url(start_url):
        return None
    try:
        return resolve_start_url(start_url, None, verify=verify).region
    except IdcError as error:
        log.debug("could not resolve the vanity start URL %s (%s); asking for the region", start_url, error)
        return None


def _follow_once(url: str, send: Transport) -> str:
    """Where one HEAD (or GET, when HEAD is not allowed) on ``url`` redirects; ``url`` when it does not."""
    try:
        status, location = send("HEAD", url)
        if status in (405, 501):
            log.debug("HEAD answered %s; trying GET", status)
            status, location = send("GET", url)
    except urllib.error.URLError as error:
        if is_certificate_failure(error):
            raise certificate_error(url) from None
        raise ServiceError(
            f"Failed to resolve start URL {url}: {error.reason}.",
            hint="Check the network and the start URL, then try again.",
        ) from None
    except OSError as error:  # timeouts and resets outside URLError
        raise ServiceError(
            f"Failed to resolve start URL {url}: {type(error).__name__}.",
            hint="Check the network and the start URL, then try again.",
        ) from None
    if status in _REDIRECTS:
        if not location:
            raise ServiceError(f"Failed to resolve start URL {url}: the redirect has no Location header.")
        return urllib.parse.urljoin(url, location)
    if status >= 400:
        raise ServiceError(
            f"Failed to resolve start URL {url}: HTTP {status}.", hint="Check the start URL, then try again."
        )
    return url


def _normalize(url: str) -> str:
    """scheme://host[:port]/path without a trailing slash, query or fragment (the AWS CLI's form)."""
    parts = urllib.parse.urlsplit(url)
    netloc = parts.hostname or ""
    if parts.port and parts.port != _DEFAULT_PORTS.get(parts.scheme):
        netloc = f"{netloc}:{parts.port}"
    return urllib.parse.urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), "", ""))


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def urllib_transport(verify: bool | str, timeout: float) -> Transport:
    """One request with urllib (proxies from the environment), redirects reported, not followed."""
    opener = urllib.request.build_opener(
        _NoRedirects, urllib.request.HTTPSHandler(context=ssl_context(verify))
    )

    def send(method: str, url: str) -> tuple[int, str | None]:
        request = urllib.request.Request(url, method=method, headers={"User-Agent": "idc"})  # noqa: S310 - https only
        try:
            with opener.open(request, timeout=timeout) as response:
                return int(response.status), response.headers.get("Location")
        except urllib.error.HTTPError as answer:
            answer.close()
            return int(answer.code), answer.headers.get("Location")

    return send
