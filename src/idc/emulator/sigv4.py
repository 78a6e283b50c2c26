"""One SigV4 verifier for every signed service of the local Identity Center (STS, sso-admin,
identitystore), checked against the role credentials the portal issued, the sessions STS AssumeRole
issued, and the long-term access keys of the directory's IAM users (which sign with no session token).

The signature is recomputed with botocore's own :class:`botocore.auth.SigV4Auth` over the headers the
client signed, so anything botocore signs verifies here byte for byte. Each protocol names the failures
its own way (STS: ``InvalidClientTokenId``, ``SignatureDoesNotMatch``; the JSON services:
``UnrecognizedClientException``, ``InvalidSignatureException``), so :func:`verify` raises one
:class:`SigV4Error` with a :attr:`~SigV4Error.kind` and each protocol maps it. AWS's rules
("Signature Version 4 signing process", AWS General Reference): a request's X-Amz-Date must be within
15 minutes of the service's clock, and the credential scope names the service and Region it was signed for.
That window is measured on the service clock clients see (wall time plus the ``clock_skew`` fault), not
on the issued things' clock that ``advance-clock`` moves: clients sign with their real clock, so after
``advance-clock`` past the credentials' life the answer is the expired-token error, as AWS's an hour on.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from idc.emulator.state_store import digest

if TYPE_CHECKING:
    from idc.emulator.center import Center
    from idc.emulator.sts.sessions import Caller

SIGNATURE_WINDOW_S = 15 * 60
"""SigV4: a request's X-Amz-Date must be within 15 minutes of the service's clock."""
_AUTH = re.compile(
    r"^AWS4-HMAC-SHA256\s+Credential=(?P<credential>[^,\s]+),\s*SignedHeaders=(?P<signed>[^,\s]+),"
    r"\s*Signature=(?P<signature>[0-9a-f]{64})\s*$"
)
SIGNATURE_MISMATCH = (
    "The request signature we calculated does not match the signature you provided. Check your"
    " AWS Secret Access Key and signing method. Consult the service documentation for details."
)


class SigV4Error(Exception):
    """A request that fails SigV4. ``kind``: ``missing`` (no Authorization), ``incomplete`` (malformed),
    ``invalid_token`` (unknown key or session token), ``expired`` (credentials expired), ``signature``
    (wrong signature or signing time), ``scope`` (signed for another service or Region)."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


@dataclass(frozen=True)
class SignedCaller:
    """Who signed: the issued role credentials behind the access key, and the scope they signed for."""

    access_key_id: str
    username: str
    account_id: str
    role_name: str
    region: str
    service: str
    row: Mapping[str, Any]  # the role_credentials row (columns other services may add are read from it)
    # An assumed-role session (STS AssumeRole) or an IAM user's key instead of portal credentials; only
    # for callers that ask (``accept_assumed``): then ``username`` is the session's (the user's) name,
    # ``role_name`` the role's ("" for a user) and ``row`` empty.
    assumed: Caller | None = None


def verify(
    center: Center,
    method: str,
    url: str,
    path: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    service: str | None = None,
    regions: Collection[str] | None = None,
    accept_assumed: bool = False,
) -> SignedCaller:
    """Verify a SigV4-signed request; ``headers`` have lower-case names, ``url`` is as received.

    ``service`` and ``regions``, when given, are what the credential scope must name. With
    ``accept_assumed`` (STS, sso-admin, identitystore), sessions AssumeRole issued and IAM users' keys
    (:mod:`idc.emulator.sts.sessions`) sign too.
    """
    authorization = headers.get("authorization")
    if not authorization:
        raise SigV4Error("missing", "Request is missing Authentication Token")
    match = _AUTH.match(authorization)
    if match is None:
        raise SigV4Error(
            "incomplete", "Authorization header requires Credential, SignedHeaders and Signature"
        )
    parts = match["credential"].split("/")
    if len(parts) != 5 or parts[4] != "aws4_request":
        raise SigV4Error("incomplete", "Credential must be <key>/<date>/<region>/<service>/aws4_request")
    access_key_id, date, region, scope_service, _ = parts
    amz_date = headers.get("x-amz-date", "")
    if not amz_date.startswith(date) or len(amz_date) != 16:
        raise SigV4Error("incomplete", "X-Amz-Date is missing or does not match the credential scope")
    _check_signing_time(amz_date, center.service_now())  # the clock clients see, not advance-clock's
    row = center.store.one("SELECT * FROM role_credentials WHERE access_key_id = ?", (access_key_id,))
    assumed = None
    if row is None and accept_assumed:
        from idc.emulator.sts.sessions import find_iam_user, find_session

        assumed = find_session(center, access_key_id) or find_iam_user(center, access_key_id)
    if row is not None:
        secret, token_hash, expires_at = (
            row["secret_access_key"],
            row["session_token_hash"],
            row["expires_at"],
        )
    elif assumed is not None:
        secret, token_hash, expires_at = (
            assumed.secret_access_key,
            assumed.session_token_hash,
            assumed.expires_at,
        )
    token = headers.get("x-amz-security-token", "")
    if (row is None and assumed is None) or not hmac.compare_digest(token_hash, digest(token)):
        raise SigV4Error("invalid_token", "The security token included in the request is invalid.")
    if expires_at <= center.now():
        raise SigV4Error("expired", "The security token included in the request is expired")
    if service is not None and scope_service != service:
        raise SigV4Error("scope", f"Credential should be scoped to correct service: '{service}'. ")
    if regions is not None and region not in regions:
        raise SigV4Error("scope", "Credential should be scoped to a valid region. ")
    signed = match["signed"].split(";")
    if "host" not in signed:
        raise SigV4Error("signature", "The host header must be signed")
    expected = _signature(
        method,
        url,
        path,
        {h: headers.get(h, "") for h in signed},
        body,
        amz_date,
        (access_key_id, secret),
        region,
        scope_service,
    )
    if not hmac.compare_digest(expected, match["signature"]):
        raise SigV4Error("signature", SIGNATURE_MISMATCH)
    if assumed is not None:
        if assumed.caller.is_iam_user:
            role_name, session_name = "", assumed.caller.arn.rsplit("/", 1)[1]
        else:
            _, role_name, session_name = assumed.caller.arn.split("/", 2)
        return SignedCaller(
            access_key_id=access_key_id,
            username=session_name,
            account_id=assumed.caller.account,
            role_name=role_name,
            region=region,
            service=scope_service,
            row={},
            assumed=assumed.caller,
        )
    assert row is not None
    return SignedCaller(
        access_key_id=access_key_id,
        username=row["username"],
        account_id=row["account_id"],
        role_name=row["role_name"],
        region=region,
        service=scope_service,
        row=dict(row),
    )


def _amz(epoch: float) -> str:
    import time

    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(epoch))


def _check_signing_time(amz_date: str, now: float) -> None:
    """A ``signature`` error when ``amz_date`` is more than 15 minutes from ``now`` (emulator clock)."""
    import calendar
    import time

    try:
        signed = calendar.timegm(time.strptime(amz_date, "%Y%m%dT%H%M%SZ"))
    except ValueError:
        raise SigV4Error("incomplete", "X-Amz-Date must be in the form YYYYMMDDTHHMMSSZ") from None
    if signed < now - SIGNATURE_WINDOW_S:
        raise SigV4Error(
            "signature",
            f"Signature expired: {amz_date} is now earlier than {_amz(now - SIGNATURE_WINDOW_S)}"
            f" ({_amz(now)} - 15 min.)",
        )
    if signed > now + SIGNATURE_WINDOW_S:
        raise SigV4Error(
            "signature",
            f"Signature not yet current: {amz_date} is still later than {_amz(now + SIGNATURE_WINDOW_S)}"
            f" ({_amz(now)} + 15 min.)",
        )


def _signature(
    method: str,
    url: str,
    path: str,
    signed_headers: Mapping[str, str],
    body: bytes,
    amz_date: str,
    keys: tuple[str, str],
    region: str,
    service: str,
) -> str:
    """botocore's SigV4 over exactly the headers the client listed in SignedHeaders."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    request = AWSRequest(method=method, url=url, data=body, headers=dict(signed_headers))
    request.context["timestamp"] = amz_date
    signer = SigV4Auth(Credentials(*keys), service, region)
    canonical = signer.canonical_request(request)
    return str(signer.signature(signer.string_to_sign(request, canonical), request))
