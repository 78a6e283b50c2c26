"""Real boto3 clients pointed at a running emulator, for the emulator's own tests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

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
        return boto3.session.Session().client(
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

    def device_login(
        self, username: str = "demo", password: str = "demo", *, scopes: list[str] | None = None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """A complete device flow, approved through the engine's page-facing calls; (client, token)."""
        client = self.register(scopes=["sso:account:access"] if scopes is None else scopes)
        start = self.oidc.start_device_authorization(
            clientId=client["clientId"], clientSecret=client["clientSecret"], startUrl=self.emulator.start_url
        )
        engine = self.emulator.engine
        user = engine.authenticate(username, password)
        assert user is not None
        session_id = engine.create_user_session(user)
        engine.decide_device_authorization(start["userCode"], session_id, True)
        token = self.oidc.create_token(
            clientId=client["clientId"],
            clientSecret=client["clientSecret"],
            grantType=DEVICE_GRANT,
            deviceCode=start["deviceCode"],
        )
        return client, dict(token)


def make_clients(emulator: Any) -> Clients:
    session = boto3.session.Session()
    config = Config(signature_version=UNSIGNED, retries={"total_max_attempts": 1})
    return Clients(
        emulator=emulator,
        oidc=session.client(
            "sso-oidc", region_name=emulator.region, endpoint_url=emulator.base_url, config=config
        ),
        sso=session.client("sso", region_name=emulator.region, endpoint_url=emulator.base_url, config=config),
    )
