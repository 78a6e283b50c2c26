"""STS GetCallerIdentity and AssumeRole (awsquery, ``POST /``), for role credentials the portal issued and
the sessions AssumeRole issued (:mod:`idc.emulator.sts`).

The request's SigV4 signature is recomputed with botocore's own :class:`botocore.auth.SigV4Auth` over the
headers the client signed, so anything botocore signs verifies here byte for byte. Errors are the real
service's: an unknown key or session token is InvalidClientTokenId (403), expired credentials ExpiredToken
(400), a wrong signature SignatureDoesNotMatch (403), and so is a request signed more than 15 minutes
from the emulator's clock ("Signature expired: ..." / "Signature not yet current: ...", as STS says it).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import parse_qs

from idc.emulator.service_errors import (
    ExpiredTokenSts,
    IncompleteSignature,
    InvalidClientTokenId,
    MissingAuthenticationToken,
    SignatureDoesNotMatch,
    StsInvalidAction,
)
from idc.emulator.state_store import digest

if TYPE_CHECKING:
    from idc.emulator.center import Center
    from idc.emulator.sts.sessions import Caller

STS_NAMESPACE = "https://sts.amazonaws.com/doc/2011-06-15/"
SIGNATURE_WINDOW_S = 15 * 60
"""SigV4: a request's X-Amz-Date must be within 15 minutes of the service's clock."""
_AUTH = re.compile(
    r"^AWS4-HMAC-SHA256\s+Credential=(?P<credential>[^,\s]+),\s*SignedHeaders=(?P<signed>[^,\s]+),"
    r"\s*Signature=(?P<signature>[0-9a-f]{64})\s*$"
)


@dataclass(frozen=True)
class CallerIdentity:
    user_id: str
    account: str
    arn: str


def role_session_arn(account_id: str, permission_set: str, username: str) -> tuple[str, str]:
    """The SSO role session ARN and its UserId: ``AWSReservedSSO_<PermissionSet>_<16 hex>/<user>``.

    The 16 hex characters are stable per account and permission set, as the real provisioned role's are.
    """
    suffix = hashlib.sha256(f"{account_id}/{permission_set}".encode()).hexdigest()[:16]
    role = f"AWSReservedSSO_{permission_set}_{suffix}"
    role_id = "AROA" + hashlib.sha256(role.encode()).hexdigest()[:17].upper()
    return f"arn:aws:sts::{account_id}:assumed-role/{role}/{username}", f"{role_id}:{username}"


class StsService:
    def __init__(self, center: Center) -> None:
        from idc.emulator.sts.sessions import ensure_schema

        self._center = center
        ensure_schema(center)

    def handle(self, method: str, url: str, path: str, headers: Mapping[str, str], body: bytes) -> str:
        """Verify the SigV4 signature, then answer the awsquery action: the response XML.

        ``url`` is scheme://host/path?query as received; ``headers`` lower-cased names.
        """
        caller, access_key_id = self.verify_caller(method, url, path, headers, body)
        form = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
        action = (form.get("Action") or [""])[0]
        if action == "GetCallerIdentity":
            return caller_identity_xml(
                CallerIdentity(user_id=caller.user_id, account=caller.account, arn=caller.arn)
            )
        if action == "AssumeRole":
            from idc.emulator.sts.assume_role import assume_role

            return assume_role(self._center, caller, access_key_id, form)
        raise StsInvalidAction(f"Could not find operation {action[:64]} for version 2011-06-15")

    def verify(
        self, method: str, url: str, path: str, headers: Mapping[str, str], body: bytes
    ) -> CallerIdentity:
        caller, _ = self.verify_caller(method, url, path, headers, body)
        return CallerIdentity(user_id=caller.user_id, account=caller.account, arn=caller.arn)

    def verify_caller(
        self, method: str, url: str, path: str, headers: Mapping[str, str], body: bytes
    ) -> tuple[Caller, str]:
        """The signer of the request (portal role credentials or an assumed-role session) and its key."""
        from idc.emulator.sts.sessions import find_session, sso_caller

        authorization = headers.get("authorization")
        if not authorization:
            raise MissingAuthenticationToken("Request is missing Authentication Token")
        match = _AUTH.match(authorization)
        if match is None:
            raise IncompleteSignature("Authorization header requires Credential, SignedHeaders and Signature")
        parts = match["credential"].split("/")
        if len(parts) != 5 or parts[4] != "aws4_request":
            raise IncompleteSignature("Credential must be <key>/<date>/<region>/<service>/aws4_request")
        access_key_id, date, region, service, _ = parts
        amz_date = headers.get("x-amz-date", "")
        if not amz_date.startswith(date) or len(amz_date) != 16:
            raise IncompleteSignature("X-Amz-Date is missing or does not match the credential scope")
        _check_signing_time(amz_date, self._center.now())
        row = self._center.store.one(
            "SELECT secret_access_key, session_token_hash, username, account_id, role_name, expires_at"
            " FROM role_credentials WHERE access_key_id = ?",
            (access_key_id,),
        )
        assumed = None
        if row is not None:
            arn, user_id = role_session_arn(row["account_id"], row["role_name"], row["username"])
            caller = sso_caller(self._center, arn, user_id, row["account_id"], row["role_name"])
            secret, token_hash, expires_at = (
                row["secret_access_key"],
                row["session_token_hash"],
                row["expires_at"],
            )
        else:
            assumed = find_session(self._center, access_key_id)
            if assumed is not None:
                caller = assumed.caller
                secret, token_hash = assumed.secret_access_key, assumed.session_token_hash
                expires_at = assumed.expires_at
        token = headers.get("x-amz-security-token", "")
        if (row is None and assumed is None) or not hmac.compare_digest(token_hash, digest(token)):
            raise InvalidClientTokenId("The security token included in the request is invalid.")
        if expires_at <= self._center.now():
            raise ExpiredTokenSts("The security token included in the request is expired")
        signed = match["signed"].split(";")
        if "host" not in signed:
            raise SignatureDoesNotMatch("The host header must be signed")
        expected = _signature(
            method,
            url,
            path,
            {h: headers.get(h, "") for h in signed},
            body,
            amz_date,
            access_key_id,
            secret,
            region,
            service,
        )
        if not hmac.compare_digest(expected, match["signature"]):
            raise SignatureDoesNotMatch(
                "The request signature we calculated does not match the signature you provided. Check your"
                " AWS Secret Access Key and signing method. Consult the service documentation for details."
            )
        return caller, access_key_id


def _amz(epoch: float) -> str:
    import time

    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(epoch))


def _check_signing_time(amz_date: str, now: float) -> None:
    """SignatureDoesNotMatch when ``amz_date`` is more than 15 minutes from ``now`` (emulator clock)."""
    import calendar
    import time

    try:
        signed = calendar.timegm(time.strptime(amz_date, "%Y%m%dT%H%M%SZ"))
    except ValueError:
        raise IncompleteSignature("X-Amz-Date must be in the form YYYYMMDDTHHMMSSZ") from None
    if signed < now - SIGNATURE_WINDOW_S:
        raise SignatureDoesNotMatch(
            f"Signature expired: {amz_date} is now earlier than {_amz(now - SIGNATURE_WINDOW_S)}"
            f" ({_amz(now)} - 15 min.)"
        )
    if signed > now + SIGNATURE_WINDOW_S:
        raise SignatureDoesNotMatch(
            f"Signature not yet current: {amz_date} is still later than {_amz(now + SIGNATURE_WINDOW_S)}"
            f" ({_amz(now)} + 15 min.)"
        )


def _signature(
    method: str,
    url: str,
    path: str,
    signed_headers: Mapping[str, str],
    body: bytes,
    amz_date: str,
    access_key_id: str,
    secret_access_key: str,
    region: str,
    service: str,
) -> str:
    """botocore's SigV4 over exactly the headers the client listed in SignedHeaders."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    request = AWSRequest(method=method, url=url, data=body, headers=dict(signed_headers))
    request.context["timestamp"] = amz_date
    signer = SigV4Auth(Credentials(access_key_id, secret_access_key), service, region)
    canonical = signer.canonical_request(request)
    return str(signer.signature(signer.string_to_sign(request, canonical), request))


def caller_identity_xml(identity: CallerIdentity) -> str:
    from xml.sax.saxutils import escape

    return (
        f'<GetCallerIdentityResponse xmlns="{STS_NAMESPACE}">\n'
        "  <GetCallerIdentityResult>\n"
        f"    <Arn>{escape(identity.arn)}</Arn>\n"
        f"    <UserId>{escape(identity.user_id)}</UserId>\n"
        f"    <Account>{escape(identity.account)}</Account>\n"
        "  </GetCallerIdentityResult>\n"
        f"  <ResponseMetadata>\n    <RequestId>{uuid.uuid4()}</RequestId>\n  </ResponseMetadata>\n"
        "</GetCallerIdentityResponse>\n"
    )


def error_xml(fault: str, code: str, message: str) -> str:
    from xml.sax.saxutils import escape

    return (
        f'<ErrorResponse xmlns="{STS_NAMESPACE}">\n'
        f"  <Error>\n    <Type>{fault}</Type>\n    <Code>{escape(code)}</Code>\n"
        f"    <Message>{escape(message)}</Message>\n  </Error>\n"
        f"  <RequestId>{uuid.uuid4()}</RequestId>\n"
        "</ErrorResponse>\n"
    )
