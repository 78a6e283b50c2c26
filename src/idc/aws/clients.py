"""botocore clients for the services idc calls: sso-oidc, sso (the portal) and sts.

Every call to AWS goes through botocore, which honours the endpoint variables
(``AWS_ENDPOINT_URL_SSO_OIDC``, ``AWS_ENDPOINT_URL_SSO``, ``AWS_ENDPOINT_URL_STS``, ``AWS_ENDPOINT_URL``,
``[services]`` sections), proxies and CA bundles (``verify``: see :mod:`idc.aws.tls`). An
``[sso-session]`` may name a ``services`` section too (botocore reads that key on profiles only): idc
then sends that session's Region's sso-oidc and portal calls to its ``endpoint_url``s
(:func:`sso_session_endpoint`), so each Region of a session can have its own endpoint. Library code
takes a :class:`ClientFactory` so tests
and callers choose the transport; :func:`default_client_factory` is the real one. botocore is imported
here lazily: nothing on the credential hot path imports this module.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from typing import Any

from idc.aws.tls import Verify

log = logging.getLogger(__name__)

# (service name, region) -> botocore client
ClientFactory = Callable[[str, str], Any]

_UNSIGNED_SERVICES = frozenset({"sso", "sso-oidc"})


class BotocoreClientFactory:
    """Creates (and reuses) botocore clients; one botocore session per factory.

    ``max_attempts`` is botocore's total attempts for connection errors and 5xx. Throttling (429) is
    handled by idc's own retry policy, which honours Retry-After; so by default botocore tries once
    and leaves 429s to the caller.
    """

    def __init__(
        self,
        *,
        max_attempts: int = 1,
        connect_timeout: float = 10,
        read_timeout: float = 10,
        max_pool_connections: int = 20,
        user_agent_extra: str = "idc",
        profile: str | None = None,
        verify: Verify = None,
    ) -> None:
        self._max_attempts = max_attempts
        self._connect_timeout = connect_timeout
        self._read_timeout = read_timeout
        self._max_pool_connections = max_pool_connections
        self._user_agent_extra = user_agent_extra
        self._profile = profile  # the profile being served: a stray AWS_PROFILE must not break us
        self.verify = verify  # --ca-bundle / --no-verify-ssl; None: AWS_CA_BUNDLE, ca_bundle, botocore's
        self._session: Any = None
        self._clients: dict[tuple[str, str], Any] = {}
        self._lock = threading.Lock()
        self._quick: BotocoreClientFactory | None = None

    def quick(self) -> BotocoreClientFactory:
        """A factory like this one whose clients give up fast: one attempt, the short timeouts of
        :mod:`idc.aws.outage` (for calls that can go to another Region when this one does not answer)."""
        from idc.aws.outage import FAILOVER_CONNECT_TIMEOUT, FAILOVER_READ_TIMEOUT

        with self._lock:
            if self._quick is None:
                self._quick = BotocoreClientFactory(
                    max_attempts=1,
                    connect_timeout=min(self._connect_timeout, FAILOVER_CONNECT_TIMEOUT),
                    read_timeout=min(self._read_timeout, FAILOVER_READ_TIMEOUT),
                    max_pool_connections=self._max_pool_connections,
                    user_agent_extra=self._user_agent_extra,
                    profile=self._profile,
                    verify=self.verify,
                )
            return self._quick

    def __call__(self, service: str, region: str) -> Any:
        key = (service, region)
        with self._lock:
            client = self._clients.get(key)
            if client is None:
                client = self._create(service, region)
                self._clients[key] = client
            return client

    def trust(self) -> bool | str:
        """The certificates these clients trust, for requests made outside botocore (start URLs):
        ``verify``, else botocore's ``ca_bundle`` (AWS_CA_BUNDLE, then the profile's), else True."""
        if self.verify is not None:
            return self.verify
        with self._lock:
            bundle = self._botocore_session().get_config_variable("ca_bundle")
        return str(bundle) if bundle else True

    def _botocore_session(self) -> Any:
        import botocore.session

        if self._session is None:
            self._session = botocore.session.get_session()
            if self._profile is not None:
                self._session.set_config_variable("profile", self._profile)
        return self._session

    def _create(self, service: str, region: str) -> Any:
        from botocore import UNSIGNED
        from botocore.config import Config

        self._botocore_session()
        config = Config(
            retries={"total_max_attempts": self._max_attempts, "mode": "standard"},
            connect_timeout=self._connect_timeout,
            read_timeout=self._read_timeout,
            max_pool_connections=self._max_pool_connections,
            user_agent_extra=self._user_agent_extra,
        )
        endpoint_url = None
        if service in _UNSIGNED_SERVICES:
            config = config.merge(Config(signature_version=UNSIGNED))
            endpoint_url = sso_session_endpoint(self._session, service, region)
        return log_calls(
            self._session.create_client(
                service, region_name=region, config=config, verify=self.verify, endpoint_url=endpoint_url
            )
        )


def sso_session_endpoint(session: Any, service: str, region: str) -> str | None:
    """The ``endpoint_url`` for ``service`` (``sso-oidc`` or ``sso``) in ``region`` that an
    ``[sso-session]`` of that Region names through its ``services`` key, or None.

    The ``AWS_ENDPOINT_URL_<SERVICE>`` and ``AWS_ENDPOINT_URL`` variables still win (botocore's order,
    ``configprovider.EndpointConfigProvider``), and ``ignore_configured_endpoint_urls`` turns this off
    as it turns off the others. It wins over a profile's own ``services`` section, which botocore
    would apply to every Region alike: the session's is the one for its Region.
    """
    snake = service.replace("-", "_")
    if os.environ.get(f"AWS_ENDPOINT_URL_{snake.upper()}") or os.environ.get("AWS_ENDPOINT_URL"):
        return None
    if str(session.get_config_variable("ignore_configured_endpoint_urls")).lower() == "true":
        return None
    full = session.full_config
    sections = full.get("services") or {}
    for values in (full.get("sso_sessions") or {}).values():
        if values.get("sso_region") != region or not isinstance(values.get("services"), str):
            continue
        block = (sections.get(values["services"]) or {}).get(snake)
        if isinstance(block, dict) and isinstance(block.get("endpoint_url"), str):
            return str(block["endpoint_url"])
    return None


def log_calls(client: Any) -> Any:
    """Log each API call of ``client`` for ``--debug``: operation, endpoint, HTTP status, duration.

    Only names and numbers: parameters and bodies carry tokens and secrets, so they are never logged.
    """
    import time

    service = client.meta.service_model.service_name
    endpoint = client.meta.endpoint_url

    def before(model: Any, context: dict[str, Any], **_: Any) -> None:
        context["idc_started"] = time.monotonic()
        log.debug("%s %s -> %s (%s)", service, model.name, endpoint, client.meta.region_name)

    def after(model: Any, http_response: Any, context: dict[str, Any], **_: Any) -> None:
        elapsed = time.monotonic() - context.get("idc_started", time.monotonic())
        status = getattr(http_response, "status_code", "?")
        log.debug("%s %s: HTTP %s in %.0f ms", service, model.name, status, elapsed * 1000)

    client.meta.events.register("before-call", before)
    client.meta.events.register("after-call", after)
    return client


def trust_of(factory: ClientFactory) -> bool | str:
    """What ``factory``'s clients trust (True, botocore's default, for factories that do not say)."""
    return factory.trust() if isinstance(factory, BotocoreClientFactory) else True


_default: BotocoreClientFactory | None = None


def default_client_factory() -> BotocoreClientFactory:
    """The process-wide factory used when a caller does not inject one."""
    global _default
    if _default is None:
        _default = BotocoreClientFactory()
    return _default
