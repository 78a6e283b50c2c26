"""The local Identity Center as a test sees it: start it on a free port, hand out the environment a client
needs, sign users in without a browser, and steer it (end sessions, expire tokens, inject faults).

Everything goes through the emulator's HTTP surface (the sso-oidc and portal APIs, the sign-in pages, the
``/_admin`` API with its token), so the same object drives an emulator in this process or in another.
The built-in directory: ``demo``/``demo`` (account 123456789012, AdministratorAccess) and the Identity
Center administrator ``admin``/``admin`` (management account 111111111111, AdministratorAccess). Users
created through identitystore sign in with their UserName as password.
"""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

if TYPE_CHECKING:
    from idc.emulator.page_approver import PageApprover
    from idc.emulator.server import EmulatorServer

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
ADMIN_USER = "admin"
MANAGEMENT_ACCOUNT = "111111111111"
ADMIN_ROLE = "AdministratorAccess"


class LocalIdentityCenter:
    """A running local Identity Center: ``base_url``, ``start_url``, ``region``, ``env``."""

    def __init__(self, server: EmulatorServer) -> None:
        self.server = server
        self.base_url = server.base_url
        self.start_url = server.start_url
        self.region = server.region
        self._admin_token = server.admin_token

    @classmethod
    def start(
        cls, directory: dict[str, Any] | Path | str | None = None, *, state: Path | str | None = None
    ) -> LocalIdentityCenter:
        """Start one on 127.0.0.1, on a free port, in this process (a thread)."""
        from idc.emulator.server import EmulatorServer

        return cls(EmulatorServer(directory=directory, state=state).start())

    def stop(self) -> None:
        self.server.stop()

    @property
    def env(self) -> dict[str, str]:
        """The variables that point every AWS SDK and the AWS CLI at this Identity Center."""
        names = ("SSO_OIDC", "SSO", "STS", "SIGNIN", "SSO_ADMIN", "IDENTITYSTORE")
        return {f"AWS_ENDPOINT_URL_{name}": self.base_url for name in names}

    # --- sign-in ------------------------------------------------------------------------------------
    def approver(
        self,
        username: str = "demo",
        password: str | None = None,
        *,
        allow: bool = True,
        user_code: str | None = None,
    ) -> PageApprover:
        """A browser stand-in: call it with the URL your code would open (the device flow's
        ``verificationUriComplete`` or the PKCE authorize URL) and it signs in as ``username`` and
        approves (or denies) in a thread; ``.wait()`` for it to finish. A device flow's page asks to
        confirm the code the application shows, as AWS's does: pass it as ``user_code`` (when the code is
        in the URL, ``?user_code=``, it is read from there)."""
        from idc.emulator.page_approver import PageApprover

        return PageApprover(
            username, password if password is not None else username, allow=allow, user_code=user_code
        )

    def approve(
        self,
        url: str,
        username: str = "demo",
        password: str | None = None,
        *,
        allow: bool = True,
        user_code: str | None = None,
    ) -> str:
        """Walk the pages at ``url`` as ``username`` now; returns where the walk ended (a PKCE callback
        URL with the code, or the device flow's done page)."""
        return self.approver(username, password, allow=allow, user_code=user_code).walk(url)

    def access_token(self, username: str = "demo", password: str | None = None) -> str:
        """An sso-oidc access token for ``username`` through a device flow approved on the pages."""
        client = self._post("/client/register", {"clientName": "idc-testing", "clientType": "public"})
        secret = {"clientId": client["clientId"], "clientSecret": client["clientSecret"]}
        start = self._post("/device_authorization", {**secret, "startUrl": self.start_url})
        self.approve(start["verificationUriComplete"], username, password, user_code=start["userCode"])
        token = self._post("/token", {**secret, "grantType": DEVICE_GRANT, "deviceCode": start["deviceCode"]})
        return str(token["accessToken"])

    def role_credentials(
        self, username: str, account_id: str, role_name: str, password: str | None = None
    ) -> dict[str, str]:
        """Role credentials (GetRoleCredentials) for ``username`` in an account, as boto3 keyword
        arguments: ``aws_access_key_id``, ``aws_secret_access_key``, ``aws_session_token``,
        ``region_name``."""
        token = self.access_token(username, password)
        query = urlencode({"role_name": role_name, "account_id": account_id})
        answer = self._call(f"/federation/credentials?{query}", None, {"x-amz-sso_bearer_token": token})
        credentials = answer["roleCredentials"]
        return {
            "aws_access_key_id": credentials["accessKeyId"],
            "aws_secret_access_key": credentials["secretAccessKey"],
            "aws_session_token": credentials["sessionToken"],
            "region_name": self.region,
        }

    def admin_credentials(self) -> dict[str, str]:
        """The built-in administrator's credentials (management account, AdministratorAccess): enough for
        every sso-admin and identitystore call."""
        return self.role_credentials(ADMIN_USER, MANAGEMENT_ACCOUNT, ADMIN_ROLE)

    # --- steering -----------------------------------------------------------------------------------
    def end_sessions(self, user: str | None = None) -> int:
        """End every sign-in session (or ``user``'s): their tokens stop working."""
        return int(self.admin("end-sessions", {"user": user} if user else {})["ended"])

    def expire(self, user: str | None = None, what: str = "tokens") -> dict[str, Any]:
        """Expire access tokens (``what="tokens"``), role credentials (``"credentials"``) or both
        (``"all"``)."""
        return self.admin("expire", {"what": what, **({"user": user} if user else {})})

    def fault(self, **spec: Any) -> dict[str, Any]:
        """Inject a fault, e.g. ``fault(operation="CreateToken", error="slow_down", count=1)`` or
        ``fault(operation="GetRoleCredentials", status=429, retry_after=1)``."""
        return self.admin("fault", spec)

    def clear_faults(self) -> None:
        self.admin("clear-faults")

    def advance_clock(self, seconds: float) -> None:
        self.admin("advance-clock", {"seconds": seconds})

    def stats(self) -> dict[str, int]:
        calls: dict[str, int] = self.admin("stats")["calls"]
        return calls

    def admin(self, action: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        """POST ``/_admin/<action>`` with the admin token."""
        return self._call(f"/_admin/{action}", body or {}, {"Authorization": f"Bearer {self._admin_token}"})

    def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        return self._call(path, body, {})

    def _call(self, path: str, body: dict[str, Any] | None, headers: dict[str, str]) -> dict[str, Any]:
        """GET (``body`` None) or POST JSON to this Identity Center; the decoded JSON answer."""
        if not self.base_url.startswith(("http://", "https://")):
            raise ValueError(f"not an http(s) URL: {self.base_url}")
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(  # noqa: S310 - the scheme is checked above
            f"{self.base_url}{path}",
            data=data,
            headers={**headers, **({"Content-Type": "application/json"} if data is not None else {})},
            method="POST" if data is not None else "GET",
        )
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - checked above
            result: dict[str, Any] = json.loads(response.read())
            return result
