"""The sso-oidc API (RegisterClient, StartDeviceAuthorization, CreateToken) through botocore.

:class:`OidcClient` wraps botocore's ``sso-oidc`` client and turns its modeled exceptions into what the
flows act on: :class:`PollOutcome` for the two "keep polling" answers of RFC 8628 section 3.5
(``authorization_pending``, ``slow_down``), :class:`InvalidClient` when the server no longer knows the
registration (the caller re-registers once), and :mod:`idc.errors` exceptions for everything else.
Messages name the operation and the error code, never a request or response body (they hold secrets).

Two answers are about the instance, not the user: an error whose ``reason`` is a KMS one (botocore's
sso-oidc model: ``AccessDeniedExceptionReason``, ``InvalidRequestExceptionReason``) means the
instance's customer managed key cannot be used, which only an administrator can fix
(:func:`kms_error`); and ``SlowDownException`` from RegisterClient asks the client to wait, so
RegisterClient is repeated after growing pauses (:data:`REGISTER_SLOW_DOWN_DELAYS`).
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
import random
import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from idc.aws.clients import ClientFactory
from idc.aws.tls import unreachable
from idc.errors import ConfigError, LoginFailed, ServiceError
from idc.storage.timestamps import format_timestamp

log = logging.getLogger(__name__)

DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
AUTH_CODE_GRANT_TYPES = ("authorization_code", "refresh_token")
DEFAULT_PKCE_SCOPE = "sso:account:access"

REGISTER_SLOW_DOWN_DELAYS = (1.0, 2.0, 4.0, 8.0)
"""Pauses (seconds, plus up to 50% jitter) before repeating a RegisterClient answered SlowDownException."""

KMS_REASONS: dict[str, str] = {
    "KMS_AccessDeniedException": "Identity Center is denied the use of it (its key policy)",
    "KMS_NotFoundException": "it cannot be found (deleted, or in another account or Region)",
    "KMS_InvalidKeyUsageException": "it is not a symmetric encryption key",
    "KMS_InvalidStateException": "it is not in a usable state (pending deletion or import)",
    "KMS_DisabledException": "it is disabled",
}
"""The ``reason`` values of sso-oidc's model (botocore ``data/sso-oidc/2019-06-10/service-2.json``)."""

EXPIRED_DEVICE_CODE_MESSAGE = (
    "The pending authorization to retrieve an SSO token has expired. "
    "The login flow to retrieve an SSO token must be restarted."
)


class PollOutcome(enum.Enum):
    """CreateToken answers that mean "not yet" in the device flow (RFC 8628 section 3.5)."""

    PENDING = "authorization_pending"
    SLOW_DOWN = "slow_down"


class InvalidClient(ServiceError):
    """The server does not know (or no longer accepts) the client registration: register again."""


class StartUrlRejected(ConfigError):
    """StartDeviceAuthorization refused the start URL: a typo in it, or the wrong SSO region.

    The caller adds the hint: it knows which command changes the start URL of what it signs in.
    """


@dataclass(frozen=True)
class RegisteredClient:
    """A RegisterClient result, as kept in the registration cache."""

    client_id: str
    client_secret: str
    expires_at: dt.datetime
    scopes: tuple[str, ...] = ()
    grant_types: tuple[str, ...] = ()

    def __repr__(self) -> str:  # never show the secret
        expires = format_timestamp(self.expires_at)
        return f"RegisteredClient(client_id={self.client_id!r}, expires_at={expires})"

    @property
    def for_auth_code(self) -> bool:
        """botocore's test: a registration made for the authorization code grant lists that grant."""
        return "authorization_code" in self.grant_types


@dataclass(frozen=True)
class DeviceAuthorization:
    """A StartDeviceAuthorization result (RFC 8628 section 3.2)."""

    device_code: str
    user_code: str
    verification_uri: str
    verification_uri_complete: str
    expires_in: int
    interval: int | None

    def __repr__(self) -> str:
        return f"DeviceAuthorization(user_code={self.user_code!r}, expires_in={self.expires_in})"


@dataclass(frozen=True)
class TokenGrant:
    """A CreateToken result."""

    access_token: str
    expires_in: int
    refresh_token: str | None

    def __repr__(self) -> str:
        refresh = "yes" if self.refresh_token else "no"
        return f"TokenGrant(expires_in={self.expires_in}, refresh_token={refresh})"


def client_name(session_name: str | None, now: dt.datetime) -> str:
    """botocore's clientName: ``botocore-client-<session>``, or the epoch seconds for legacy profiles."""
    suffix = session_name if session_name is not None else str(int(now.timestamp()))
    return f"botocore-client-{suffix}"


class OidcClient:
    """The three sso-oidc operations for one region, over a botocore client from ``client_factory``."""

    def __init__(
        self, client_factory: ClientFactory, region: str, *, sleep: Callable[[float], None] = time.sleep
    ) -> None:
        self._client_factory = client_factory
        self.region = region
        self._client: Any = None
        self._sleep = sleep

    @property
    def botocore_client(self) -> Any:
        if self._client is None:
            self._client = self._client_factory("sso-oidc", self.region)
        return self._client

    # -- RegisterClient -------------------------------------------------------------------------
    def register_client(
        self,
        name: str,
        *,
        scopes: Sequence[str] = (),
        grant_types: Sequence[str] = (),
        redirect_uris: Sequence[str] = (),
        issuer_url: str | None = None,
    ) -> RegisteredClient:
        """RegisterClient, with the fields the AWS CLI sends (only those given).

        With ``issuer_url`` (the authorization code grant's registration, which carries the start URL),
        an InvalidRequestException is the start URL refused, said as StartDeviceAuthorization's is.
        """
        kwargs: dict[str, Any] = {"clientName": name, "clientType": "public"}
        if scopes:
            kwargs["scopes"] = list(scopes)
        if grant_types:
            kwargs["grantTypes"] = list(grant_types)
        if redirect_uris:
            kwargs["redirectUris"] = list(redirect_uris)
        if issuer_url:
            kwargs["issuerUrl"] = issuer_url
        refused = (
            StartUrlRejected(
                f"IAM Identity Center in {self.region} does not know the start URL {issuer_url} "
                "(RegisterClient: InvalidRequestException)."
            )
            if issuer_url
            else None
        )
        for delay in (*REGISTER_SLOW_DOWN_DELAYS, None):
            try:
                response = self._call(
                    "RegisterClient", self.botocore_client.register_client, kwargs, invalid_request=refused
                )
                break
            except _SlowDown:
                if delay is None:
                    from idc.errors import Throttled

                    waited = sum(REGISTER_SLOW_DOWN_DELAYS)
                    raise Throttled(
                        f"IAM Identity Center in {self.region} kept answering RegisterClient with "
                        f"SlowDownException for over {waited:.0f} s.",
                        hint="Wait a minute, then run `idc login` again.",
                    ) from None
                pause = delay * (1 + random.random() / 2)  # jitter, not a secret
                log.debug("RegisterClient: SlowDownException; waiting %.1f s", pause)
                self._sleep(pause)
        expires = dt.datetime.fromtimestamp(int(response["clientSecretExpiresAt"]), dt.timezone.utc)
        log.debug("registered client %s (expires %s)", response["clientId"], format_timestamp(expires))
        return RegisteredClient(
            client_id=response["clientId"],
            client_secret=response["clientSecret"],
            expires_at=expires,
            scopes=tuple(scopes),
            grant_types=tuple(grant_types),
        )

    # -- StartDeviceAuthorization ---------------------------------------------------------------
    def start_device_authorization(self, client: RegisteredClient, start_url: str) -> DeviceAuthorization:
        """StartDeviceAuthorization (RFC 8628 section 3.1).

        Identity Center answers InvalidRequestException for a start URL it does not know ("Invalid
        start url"): that is the user's start URL or region, said as such (:class:`StartUrlRejected`).
        """
        response = self._call(
            "StartDeviceAuthorization",
            self.botocore_client.start_device_authorization,
            {"clientId": client.client_id, "clientSecret": client.client_secret, "startUrl": start_url},
            invalid_request=StartUrlRejected(
                f"IAM Identity Center in {self.region} does not know the start URL {start_url} "
                "(StartDeviceAuthorization: InvalidRequestException)."
            ),
        )
        interval = response.get("interval")
        return DeviceAuthorization(
            device_code=response["deviceCode"],
            user_code=response["userCode"],
            verification_uri=response["verificationUri"],
            verification_uri_complete=response.get("verificationUriComplete") or response["verificationUri"],
            expires_in=int(response["expiresIn"]),
            interval=int(interval) if interval else None,
        )

    # -- CreateToken ----------------------------------------------------------------------------
    def poll_device_token(self, client: RegisteredClient, device_code: str) -> TokenGrant | PollOutcome:
        """One CreateToken with the device_code grant (RFC 8628 section 3.4/3.5)."""
        try:
            response = self._call(
                "CreateToken",
                self.botocore_client.create_token,
                {
                    "grantType": DEVICE_CODE_GRANT,
                    "clientId": client.client_id,
                    "clientSecret": client.client_secret,
                    "deviceCode": device_code,
                },
                keep_polling=True,
            )
        except _KeepPolling as outcome:
            return outcome.outcome
        return _grant(response)

    def exchange_code(
        self, client: RegisteredClient, *, code: str, code_verifier: str, redirect_uri: str
    ) -> TokenGrant:
        """CreateToken with the authorization_code grant and the PKCE verifier (RFC 7636 section 4.5)."""
        response = self._call(
            "CreateToken",
            self.botocore_client.create_token,
            {
                "grantType": "authorization_code",
                "clientId": client.client_id,
                "clientSecret": client.client_secret,
                "redirectUri": redirect_uri,
                "codeVerifier": code_verifier,
                "code": code,
            },
        )
        return _grant(response)

    def registration_known(self, client: RegisteredClient) -> bool:
        """Whether the server still knows ``client``, asked without any user: a CreateToken with an
        authorization code that was never issued answers InvalidGrantException for a known client and
        InvalidClientException for one the server forgot (client authentication comes first).

        The authorization code flow needs this before the browser opens: an authorize request with an
        unknown client_id shows an error page and never redirects (RFC 6749 section 4.1.2.1), so the
        loopback listener would wait for nothing.
        """
        try:
            self.exchange_code(
                client,
                code=f"idc-registration-check-{secrets.token_hex(8)}",
                code_verifier=secrets.token_urlsafe(32),
                redirect_uri="http://127.0.0.1/oauth/callback",
            )
        except InvalidClient:
            return False
        except LoginFailed:  # invalid_grant: the client authenticated, the (made-up) code did not
            return True
        return True  # pragma: no cover - no server issues a token for a code it never made

    # -- the authorize endpoint (not in the API model) ------------------------------------------
    def authorize_base_url(self) -> str:
        """``scheme://host`` of the resolved sso-oidc endpoint, as the AWS CLI finds it.

        The authorize endpoint is not modeled, so resolve the endpoint botocore would call (endpoint
        rules, AWS_ENDPOINT_URL_SSO_OIDC, services sections) by short-circuiting a RegisterClient in
        ``before-call``: nothing is sent.
        """
        found: dict[str, str] = {}
        marker = f"idc-endpoint-probe-{secrets.token_hex(8)}"

        def capture(params: dict[str, Any], **_: Any) -> Any:
            from botocore.awsrequest import AWSResponse

            body = params.get("body") or b""
            if marker.encode() not in (body if isinstance(body, bytes) else str(body).encode()):
                return None  # another thread's real RegisterClient on this shared client: let it go
            parts = urlsplit(params["url"])
            found["base"] = f"{parts.scheme}://{parts.netloc}"
            return AWSResponse(params["url"], 200, {}, None), {}

        events = self.botocore_client.meta.events
        event = "before-call.sso-oidc.RegisterClient"
        events.register_first(event, capture, unique_id=marker)
        try:
            self.botocore_client.register_client(clientName=marker, clientType="public")
        finally:
            events.unregister(event, unique_id=marker)
        return found["base"]

    # -- error mapping --------------------------------------------------------------------------
    def _call(
        self,
        operation: str,
        method: Callable[..., dict[str, Any]],
        kwargs: dict[str, Any],
        *,
        keep_polling: bool = False,
        invalid_request: Exception | None = None,
    ) -> dict[str, Any]:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            log.debug("sso-oidc %s (%s)", operation, self.region)
            return method(**kwargs)
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code")
            if invalid_request is not None and code == "InvalidRequestException":
                raise invalid_request from None
            raise _map_client_error(operation, error, keep_polling=keep_polling) from None
        except BotoCoreError as error:
            # Connection errors, timeouts, bad endpoint: botocore's message names the URL, not secrets.
            raise unreachable(
                error,
                f"Could not reach IAM Identity Center in {self.region} for {operation}: "
                f"{type(error).__name__}.",
                hint="Check the network (and AWS_ENDPOINT_URL_SSO_OIDC if set), then run `idc login` again.",
            ) from None


class _SlowDown(Exception):
    """SlowDownException outside the device flow's polling: wait, then repeat the call."""


def kms_error(error: Any, operation: str) -> ServiceError | None:
    """The error for an sso-oidc answer whose ``reason`` is a KMS one (botocore puts the modeled
    members of an error beside ``Error`` in ``error.response``), else None."""
    response = getattr(error, "response", None) or {}
    reason = str(response.get("reason") or "")
    if reason not in KMS_REASONS:
        return None
    code = str((response.get("Error") or {}).get("Code", ""))
    return ServiceError(
        f"IAM Identity Center cannot use its instance's KMS key ({operation}: {code}, {reason}): "
        f"{KMS_REASONS[reason]}.",
        hint="Only the Identity Center administrator can fix the key (signing in again will not help).",
    )


class _KeepPolling(Exception):
    def __init__(self, outcome: PollOutcome) -> None:
        super().__init__(outcome.value)
        self.outcome = outcome


def _map_client_error(operation: str, error: Any, *, keep_polling: bool) -> Exception:
    """Turn a botocore ClientError of sso-oidc into a flow event or an idc error (no secrets)."""
    code = str(error.response.get("Error", {}).get("Code", ""))
    status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    kms = kms_error(error, operation)
    if kms is not None:
        return kms
    if keep_polling and code == "AuthorizationPendingException":
        return _KeepPolling(PollOutcome.PENDING)
    if keep_polling and code == "SlowDownException":
        return _KeepPolling(PollOutcome.SLOW_DOWN)
    if code == "SlowDownException" and operation == "RegisterClient":
        return _SlowDown(operation)
    if code == "InvalidClientException":
        return InvalidClient(f"IAM Identity Center does not accept this client registration ({operation}).")
    if code == "ExpiredTokenException":
        return LoginFailed(EXPIRED_DEVICE_CODE_MESSAGE, hint="Run `idc login` again.")
    if code == "AccessDeniedException":
        return LoginFailed("The sign-in request was denied.", hint="Run `idc login` again to retry.")
    if code == "InvalidGrantException":
        message = f"IAM Identity Center refused the grant ({operation}: invalid_grant)."
        return LoginFailed(message, hint="Run `idc login` again.")
    if code in (
        "InvalidRequestException",
        "InvalidScopeException",
        "UnauthorizedClientException",
        "UnsupportedGrantTypeException",
        "InvalidClientMetadataException",
        "InvalidRedirectUriException",
        "InvalidRequestRegionException",
    ):
        return ServiceError(f"IAM Identity Center rejected {operation}: {code}.")
    if status == 429 or code in ("TooManyRequestsException", "ThrottlingException"):
        from idc.errors import Throttled

        message = f"IAM Identity Center is throttling {operation} (429)."
        return Throttled(message, hint="Wait a moment and retry.")
    return ServiceError(f"IAM Identity Center failed {operation}: {code or status}.")


def _grant(response: dict[str, Any]) -> TokenGrant:
    return TokenGrant(
        access_token=response["accessToken"],
        expires_in=int(response["expiresIn"]),
        refresh_token=response.get("refreshToken") or None,
    )
