"""STS GetCallerIdentity and AssumeRole (awsquery, ``POST /``), for role credentials the portal issued and
the sessions AssumeRole issued (:mod:`idc.emulator.sts`).

The request's SigV4 signature is recomputed with botocore's own :class:`botocore.auth.SigV4Auth` over the
headers the client signed, so anything botocore signs verifies here byte for byte. Errors are the real
service's: an unknown key or session token is InvalidClientTokenId (403), expired credentials ExpiredToken
(400), a wrong signature SignatureDoesNotMatch (403), and so is a request signed more than 15 minutes
from the service clock ("Signature expired: ..." / "Signature not yet current: ...", as STS says it),
which only the ``clock_skew`` fault moves (:mod:`idc.emulator.sigv4`).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import parse_qs

from idc.emulator import sigv4
from idc.emulator.service_errors import (
    ExpiredTokenSts,
    IncompleteSignature,
    InvalidClientTokenId,
    MissingAuthenticationToken,
    SignatureDoesNotMatch,
    StsException,
    StsInvalidAction,
)

if TYPE_CHECKING:
    from idc.emulator.center import Center
    from idc.emulator.sts.sessions import Caller

STS_NAMESPACE = "https://sts.amazonaws.com/doc/2011-06-15/"
SIGNATURE_WINDOW_S = sigv4.SIGNATURE_WINDOW_S


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
        """The signer (portal role credentials or an assumed-role session) and its access key id: the
        shared verifier (:mod:`idc.emulator.sigv4`), its failures named as STS names them."""
        from idc.emulator.sts.sessions import sso_caller

        try:
            signed = sigv4.verify(self._center, method, url, path, headers, body, accept_assumed=True)
        except sigv4.SigV4Error as failure:
            raise _STS_ERRORS[failure.kind](failure.message) from None
        if signed.assumed is not None:
            return signed.assumed, signed.access_key_id
        arn, user_id = role_session_arn(signed.account_id, signed.role_name, signed.username)
        return sso_caller(
            self._center, arn, user_id, signed.account_id, signed.role_name
        ), signed.access_key_id


_STS_ERRORS: dict[str, type[StsException]] = {
    "missing": MissingAuthenticationToken,
    "incomplete": IncompleteSignature,
    "invalid_token": InvalidClientTokenId,
    "expired": ExpiredTokenSts,
    "signature": SignatureDoesNotMatch,
    "scope": SignatureDoesNotMatch,
}


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
