"""The errors sso-admin and identitystore answer with (awsJson1_1: body ``{"__type", "Message"}`` and the
``x-amzn-ErrorType`` header, which botocore's JSON parser reads).

The modeled ones are those botocore's ``sso-admin`` and ``identitystore`` service models list; the signing
ones are the names every JSON service of AWS gives a request its SigV4 check refuses
(``UnrecognizedClientException``, ``InvalidSignatureException``, ``ExpiredTokenException``, ...).
"""

from __future__ import annotations

from typing import Any, ClassVar

from idc.emulator.service_errors import ServiceException


class JsonError(ServiceException):
    shape: ClassVar[str] = "InternalServerException"
    status: ClassVar[int] = 400

    def __init__(self, message: str, *, retry_after: int | None = None, **fields: Any) -> None:
        super().__init__(message, retry_after=retry_after)
        self.fields = fields

    def body(self) -> dict[str, Any]:
        return {"__type": self.shape, "Message": self.message, **self.fields}


class ValidationException(JsonError):
    shape = "ValidationException"


class ResourceNotFoundException(JsonError):
    shape = "ResourceNotFoundException"


class ConflictException(JsonError):
    shape = "ConflictException"


class AccessDeniedException(JsonError):
    shape = "AccessDeniedException"


class ServiceQuotaExceededException(JsonError):
    shape = "ServiceQuotaExceededException"


class ThrottlingException(JsonError):
    shape = "ThrottlingException"


class InternalServerException(JsonError):
    shape, status = "InternalServerException", 500


class UnknownOperationException(JsonError):
    shape = "UnknownOperationException"


class SerializationException(JsonError):
    shape = "SerializationException"


class UnrecognizedClientException(JsonError):
    shape = "UnrecognizedClientException"


class InvalidSignatureException(JsonError):
    shape = "InvalidSignatureException"


class ExpiredTokenException(JsonError):
    shape = "ExpiredTokenException"


class MissingAuthenticationTokenException(JsonError):
    shape, status = "MissingAuthenticationTokenException", 403


class IncompleteSignatureException(JsonError):
    shape = "IncompleteSignatureException"


#: SigV4 failure kind (:class:`idc.emulator.sigv4.SigV4Error`) -> the JSON services' error.
SIGNING_ERRORS: dict[str, type[JsonError]] = {
    "missing": MissingAuthenticationTokenException,
    "incomplete": IncompleteSignatureException,
    "invalid_token": UnrecognizedClientException,
    "expired": ExpiredTokenException,
    "signature": InvalidSignatureException,
    "scope": InvalidSignatureException,
}
