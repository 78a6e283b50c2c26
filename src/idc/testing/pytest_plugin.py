"""idc's pytest plugin: the local Identity Center as fixtures, for any project that signs users in to AWS.

Installed with idc (entry point ``pytest11``), so it loads into every pytest run where idc is installed:
this module imports nothing but pytest, and the emulator loads only when a test asks for a fixture.
Switch it off with ``pytest -p no:idc``.

Fixtures (all named ``idc_...``):

- ``idc_directory``: the directory to start with (None: the built-in one); override it in your conftest.
- ``idc_center``: a local Identity Center on a free port for the test
  (:class:`idc.testing.kit.LocalIdentityCenter`).
- ``idc_env``: the ``AWS_ENDPOINT_URL_*`` variables a client under test needs.
- ``idc_admin_credentials``: the administrator's role credentials, as boto3 keyword arguments.
- ``idc_approve``: ``idc_approve(url, user="demo")`` signs in as ``user`` and approves a device code or
  PKCE sign-in now; ``idc_approve.opener(user)`` is a browser stand-in to hand to code that opens URLs.
- ``idc_end_sessions``, ``idc_expire_tokens``, ``idc_inject_fault``: steer the Identity Center.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from idc.emulator.page_approver import PageApprover
    from idc.testing.kit import LocalIdentityCenter


class Approve:
    """``idc_approve(url, user="demo", password=None, allow=True, user_code=None)``;
    ``idc_approve.opener(user)``. The device flow's page asks to confirm the code: pass ``user_code``."""

    def __init__(self, center: LocalIdentityCenter) -> None:
        self._center = center

    def __call__(
        self,
        url: str,
        user: str = "demo",
        password: str | None = None,
        *,
        allow: bool = True,
        user_code: str | None = None,
    ) -> str:
        return self._center.approve(url, user, password, allow=allow, user_code=user_code)

    def opener(
        self,
        user: str = "demo",
        password: str | None = None,
        *,
        allow: bool = True,
        user_code: str | None = None,
    ) -> PageApprover:
        return self._center.approver(user, password, allow=allow, user_code=user_code)


@pytest.fixture
def idc_directory() -> Any:
    """The directory ``idc_center`` starts with: None (built-in), a dict or a path. Override to change."""
    return None


@pytest.fixture
def idc_center(idc_directory: Any) -> Iterator[LocalIdentityCenter]:
    """A local Identity Center on 127.0.0.1 and a free port, stopped after the test."""
    from idc.testing.kit import LocalIdentityCenter

    center = LocalIdentityCenter.start(idc_directory)
    try:
        yield center
    finally:
        center.stop()


@pytest.fixture
def idc_env(idc_center: LocalIdentityCenter) -> dict[str, str]:
    """``AWS_ENDPOINT_URL_SSO_OIDC``, ``_SSO``, ``_STS``, ``_SIGNIN``, ``_SSO_ADMIN``, ``_IDENTITYSTORE``."""
    return idc_center.env


@pytest.fixture
def idc_admin_credentials(idc_center: LocalIdentityCenter) -> dict[str, str]:
    """Administrator credentials (no browser): ``boto3.client("sso-admin", **idc_admin_credentials)``.

    The built-in directory's administrator (``admin``, management account 111111111111); with your own
    ``idc_directory`` use ``idc_center.role_credentials(user, account, permission_set)``."""
    return idc_center.admin_credentials()


@pytest.fixture
def idc_approve(idc_center: LocalIdentityCenter) -> Approve:
    """Approve a sign-in (device code or PKCE) as a given user, walking the sign-in pages."""
    return Approve(idc_center)


@pytest.fixture
def idc_end_sessions(idc_center: LocalIdentityCenter) -> Callable[..., int]:
    """``idc_end_sessions(user=None)``: end sign-in sessions; their tokens stop working."""
    return idc_center.end_sessions


@pytest.fixture
def idc_expire_tokens(idc_center: LocalIdentityCenter) -> Callable[..., dict[str, Any]]:
    """``idc_expire_tokens(user=None, what="tokens"|"credentials"|"all")``: expire them now."""
    return idc_center.expire


@pytest.fixture
def idc_inject_fault(idc_center: LocalIdentityCenter) -> Callable[..., dict[str, Any]]:
    """``idc_inject_fault(operation=..., status=... | error=..., count=..., latency_ms=...)``."""
    return idc_center.fault
