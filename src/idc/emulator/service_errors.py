"""The errors the local Identity Center answers with, shaped as the real services shape them.

Each class is one modeled exception: the HTTP status, the ``x-amzn-ErrorType`` shape name botocore reads,
and (for sso-oidc) the OAuth ``error`` code of RFC 6749 section 5.2 / RFC 8628 section 3.5. The engine
raises them; the web adapter (:mod:`idc.emulator.app`) turns them into responses. Messages never hold
secrets.

::

    ServiceException
    ├── OidcException           sso-oidc: body {"error", "error_description"}
    │   ├── AuthorizationPending, SlowDown, ExpiredToken, AccessDenied, InvalidGrant,
    │   ├── InvalidClient (401), InvalidRequest, InvalidScope, UnauthorizedClient,
    │   └── UnsupportedGrantType, InvalidClientMetadata, InvalidRedirectUri, OidcInternalServer (500)
    ├── PortalException         sso portal: body {"message"}
    │   └── PortalInvalidRequest, Unauthorized (401), TooManyRequests (429), ResourceNotFound (404),
    │       Forbidden (403), PortalInternalServer (500)
    └── StsException            sts (awsquery): XML ErrorResponse
        └── InvalidClientTokenId (403), ExpiredTokenSts (400), SignatureDoesNotMatch (403),
            IncompleteSignature (400), MissingAuthenticationToken (403), StsInvalidAction (400),
            StsThrottling (400), StsInternalFailure (500), StsAccessDenied (403), StsValidationError,
            MalformedPolicyDocument, PackedPolicyTooLarge (400)
"""

from __future__ import annotations

from typing import Any, ClassVar


class ServiceException(Exception):
    """An error answer of an emulated AWS operation."""

    shape: ClassVar[str] = "InternalServerException"
    status: ClassVar[int] = 500

    def __init__(self, message: str, *, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after

    def body(self) -> dict[str, Any]:
        return {"message": self.message}


# --- sso-oidc -------------------------------------------------------------------------------------


class OidcException(ServiceException):
    error: ClassVar[str] = "server_error"

    def __init__(self, message: str, *, retry_after: int | None = None, reason: str | None = None) -> None:
        super().__init__(message, retry_after=retry_after)
        self.reason = reason  # the model's ``reason`` member (AccessDeniedException, InvalidRequestException)

    def body(self) -> dict[str, Any]:
        body = {"error": self.error, "error_description": self.message}
        if self.reason is not None:
            body["reason"] = self.reason
        return body


class AuthorizationPending(OidcException):
    shape, status, error = "AuthorizationPendingException", 400, "authorization_pending"


class SlowDown(OidcException):
    shape, status, error = "SlowDownException", 400, "slow_down"


class ExpiredToken(OidcException):
    shape, status, error = "ExpiredTokenException", 400, "expired_token"


class AccessDenied(OidcException):
    shape, status, error = "AccessDeniedException", 400, "access_denied"


class InvalidGrant(OidcException):
    shape, status, error = "InvalidGrantException", 400, "invalid_grant"


class InvalidClient(OidcException):
    shape, status, error = "InvalidClientException", 401, "invalid_client"


class InvalidRequest(OidcException):
    shape, status, error = "InvalidRequestException", 400, "invalid_request"


class InvalidScope(OidcException):
    shape, status, error = "InvalidScopeException", 400, "invalid_scope"


class UnauthorizedClient(OidcException):
    shape, status, error = "UnauthorizedClientException", 400, "unauthorized_client"


class UnsupportedGrantType(OidcException):
    shape, status, error = "UnsupportedGrantTypeException", 400, "unsupported_grant_type"


class InvalidClientMetadata(OidcException):
    shape, status, error = "InvalidClientMetadataException", 400, "invalid_client_metadata"


class InvalidRedirectUri(OidcException):
    shape, status, error = "InvalidRedirectUriException", 400, "invalid_redirect_uri"


class OidcInternalServer(OidcException):
    shape, status, error = "InternalServerException", 500, "server_error"


#: OAuth ``error`` code -> exception class, for fault injection (``error="invalid_grant"``).
OIDC_ERRORS: dict[str, type[OidcException]] = {
    cls.error: cls
    for cls in (
        AuthorizationPending,
        SlowDown,
        ExpiredToken,
        AccessDenied,
        InvalidGrant,
        InvalidClient,
        InvalidRequest,
        InvalidScope,
        UnauthorizedClient,
        UnsupportedGrantType,
        InvalidClientMetadata,
        InvalidRedirectUri,
        OidcInternalServer,
    )
}


# --- sso portal -----------------------------------------------------------------------------------


class PortalException(ServiceException):
    pass


class PortalInvalidRequest(PortalException):
    shape, status = "InvalidRequestException", 400


class Unauthorized(PortalException):
    shape, status = "UnauthorizedException", 401


class TooManyRequests(PortalException):
    shape, status = "TooManyRequestsException", 429


class ResourceNotFound(PortalException):
    shape, status = "ResourceNotFoundException", 404


class Forbidden(PortalException):
    """Not in the API model, but what the real portal answers for a role the user may not assume."""

    shape, status = "ForbiddenException", 403


class PortalInternalServer(PortalException):
    shape, status = "InternalServerException", 500


# --- sts ------------------------------------------------------------------------------------------


class StsException(ServiceException):
    fault: ClassVar[str] = "Sender"


class InvalidClientTokenId(StsException):
    shape, status = "InvalidClientTokenId", 403


class ExpiredTokenSts(StsException):
    shape, status = "ExpiredToken", 400


class SignatureDoesNotMatch(StsException):
    shape, status = "SignatureDoesNotMatch", 403


class IncompleteSignature(StsException):
    shape, status = "IncompleteSignature", 400


class MissingAuthenticationToken(StsException):
    shape, status = "MissingAuthenticationToken", 403


class StsInvalidAction(StsException):
    shape, status = "InvalidAction", 400


class StsThrottling(StsException):
    shape, status = "Throttling", 400


class StsInternalFailure(StsException):
    shape, status, fault = "InternalFailure", 500, "Receiver"


class StsAccessDenied(StsException):
    shape, status = "AccessDenied", 403


class StsValidationError(StsException):
    shape, status = "ValidationError", 400


class MalformedPolicyDocument(StsException):
    shape, status = "MalformedPolicyDocument", 400


class PackedPolicyTooLarge(StsException):
    shape, status = "PackedPolicyTooLarge", 400


class PageError(Exception):
    """A page-facing call cannot go on (session ended, code expired...); the page shows ``message``."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class TooManyAttempts(PageError):
    """Too many wrong user codes were tried (RFC 8628 section 5.1); the page says so and waits."""


class AuthorizeError(PageError):
    """The ``/authorize`` request cannot go on (RFC 6749 section 4.1.2.1).

    ``redirect`` is the loopback URL carrying ``error=...&state=...`` when the client and redirect URI were
    valid, else None: the page must then show the message instead of redirecting (never redirect to an
    unverified URI).
    """

    def __init__(self, message: str, redirect: str | None = None) -> None:
        super().__init__(message)
        self.redirect = redirect
