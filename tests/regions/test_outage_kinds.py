"""Which answers are a Region not answering (fail over) and which are answers (never fail over).

botocore's own exception objects, as its clients raise them, and idc's errors wrapping them.
"""

from __future__ import annotations

import ssl

import pytest
from botocore.exceptions import (
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
    SSLError,
)

from idc.aws.outage import is_region_outage
from idc.errors import LoginRequired, ServiceError

URL = "https://portal.sso.us-east-1.amazonaws.com"


def client_error(status: int, code: str) -> ClientError:
    response = {"Error": {"Code": code, "Message": "m"}, "ResponseMetadata": {"HTTPStatusCode": status}}
    return ClientError(response, "GetRoleCredentials")


def wrapped(error: BaseException) -> ServiceError:
    """What idc's call sites raise: ``raise ServiceError(...) from None`` inside ``except``."""
    try:
        raise error
    except Exception:
        try:
            raise ServiceError("Could not reach IAM Identity Center.") from None
        except ServiceError as service_error:
            return service_error


@pytest.mark.parametrize(
    ("error", "outage"),
    [
        pytest.param(EndpointConnectionError(endpoint_url=URL), True, id="refused"),
        pytest.param(ConnectTimeoutError(endpoint_url=URL), True, id="never-accepted"),
        pytest.param(ReadTimeoutError(endpoint_url=URL), True, id="silent"),
        pytest.param(ConnectionClosedError(endpoint_url=URL), True, id="dropped"),
        pytest.param(client_error(500, "InternalServerException"), True, id="500"),
        pytest.param(client_error(503, "ServiceUnavailable"), True, id="503"),
        pytest.param(client_error(400, "ServiceUnavailableException"), True, id="service-unavailable-code"),
        pytest.param(client_error(401, "UnauthorizedException"), False, id="401-auth"),
        pytest.param(client_error(403, "ForbiddenException"), False, id="403-no-role"),
        pytest.param(client_error(400, "InvalidGrantException"), False, id="invalid-grant"),
        pytest.param(client_error(400, "AccessDeniedException"), False, id="access-denied"),
        pytest.param(client_error(429, "TooManyRequestsException"), False, id="429-throttled"),
        pytest.param(
            SSLError(endpoint_url=URL, error=ssl.SSLCertVerificationError("CERTIFICATE_VERIFY_FAILED")),
            False,
            id="untrusted-certificate",
        ),
        pytest.param(
            LoginRequired("The SSO session has expired.", fix="idc login"), False, id="login-required"
        ),
        pytest.param(ValueError("not a network error"), False, id="other"),
    ],
)
def test_what_counts_as_a_region_not_answering(error: BaseException, outage: bool) -> None:
    assert is_region_outage(error) is outage
    assert is_region_outage(wrapped(error)) is outage  # the same behind idc's own error
