"""Real boto3 clients pointed at a running emulator, for the emulator's own tests."""

from __future__ import annotations

import base64
import hashlib
import secrets
import string
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import boto3
from botocore import UNSIGNED
from botocore.config import Config

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"


@dataclass
class Clients:
    emulator: Any
    oidc: Any
    sso: Any

    def sts(self, credentials: dict[str, str]) -> Any:
        return _session().client(
            "sts",
            region_name=self.emulator.region,
            endpoint_url=self.emulator.base_url,
            aws_access_key_id=credentials["accessKeyId"],
            aws_secret_access_key=credentials["secretAccessKey"],
            aws_session_token=credentials["sessionToken"],
            config=Config(retries={"total_max_attempts": 1}),
        )

    def register(self, *, scopes: list[str] | None = None, **extra: Any) -> dict[str, Any]:
        if scopes is not None:
            extra["scopes"] = scopes
        return dict(self.oidc.register_client(clientName="idc-tests", clientType="public", **extra))

    def register_raw(self, **fields: Any) -> dict[str, Any]:
        return dict(self.oidc.register_client(**fields))

    def device_login(
        self, username: str = "demo", password: str = "demo", *, scopes: list[str] | None = None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """A complete device flow, approved through the engine's page-facing calls; (client, token)."""
        client = self.register(scopes=["sso:account:access"] if scopes is None else scopes)
        start = self.oidc.start_device_authorization(
            clientId=client["clientId"], clientSecret=client["clientSecret"], startUrl=self.emulator.start_url
        )
        self.approve(start["userCode"], username, password)
        token = self.oidc.create_token(
            clientId=client["clientId"],
            clientSecret=client["clientSecret"],
            grantType=DEVICE_GRANT,
            deviceCode=start["deviceCode"],
        )
        return client, dict(token)

    def approve(
        self, user_code: str, username: str = "demo", password: str = "demo", allow: bool = True
    ) -> str:
        """Sign in and decide through the engine's page-facing calls; the session id."""
        engine = self.emulator.engine
        user = engine.authenticate(username, password)
        assert user is not None
        session_id: str = engine.create_user_session(user)
        engine.decide_device_authorization(user_code, session_id, allow)
        return session_id


_SESSION: list[Any] = []


def _session() -> Any:
    """One boto3 session for all tests: it loads each service model once (a new one costs ~0.2 s)."""
    if not _SESSION:
        _SESSION.append(boto3.session.Session())
    return _SESSION[0]


def make_clients(emulator: Any) -> Clients:
    session = _session()
    config = Config(signature_version=UNSIGNED, retries={"total_max_attempts": 1})
    return Clients(
        emulator=emulator,
        oidc=session.client(
            "sso-oidc", region_name=emulator.region, endpoint_url=emulator.base_url, config=config
        ),
        sso=session.client("sso", region_name=emulator.region, endpoint_url=emulator.base_url, config=config),
    )


def pkce_pair() -> tuple[str, str]:
    """(verifier, S256 challenge) the way botocore's PKCE flow makes them: 64 chars of [A-Za-z0-9-._~]."""
    alphabet = string.ascii_letters + string.digits + "-._~"
    verifier = "".join(secrets.choice(alphabet) for _ in range(64))
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def register_pkce_client(aws: Clients, session_name: str = "my-sso") -> dict[str, Any]:
    """RegisterClient exactly as AWS CLI v2 does for an sso-session profile (authorization code grant)."""
    return aws.register_raw(
        clientName=f"botocore-client-{session_name}",
        clientType="public",
        grantTypes=["authorization_code", "refresh_token"],
        redirectUris=["http://127.0.0.1/oauth/callback"],
        issuerUrl=aws.emulator.start_url,
        scopes=["sso:account:access"],
    )


def authorize_url(aws: Clients, cid: str, port: int, challenge: str, state: str, **override: str) -> str:
    """The AWS CLI's /authorize URL (base = scheme://host of the sso-oidc endpoint)."""
    params = {
        "response_type": "code",
        "client_id": cid,
        "redirect_uri": f"http://127.0.0.1:{port}/oauth/callback",
        "state": state,
        "code_challenge_method": "S256",
        "scopes": "sso:account:access",
        "code_challenge": challenge,
    }
    params.update(override)
    return f"{aws.emulator.base_url}/authorize?{urlencode(params)}"
