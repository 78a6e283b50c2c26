"""Real Chromium signs in to two Regions with one password: the second Region's page signs the user in
through the identity provider because the user session was replicated, with its own cookie."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore import UNSIGNED
from botocore.config import Config
from playwright.sync_api import expect

from regions_fixture import ADDITIONAL, PRIMARY, RunningRegions

pytestmark = pytest.mark.browser
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"


@pytest.fixture
def page(chromium: Any) -> Iterator[Any]:
    context = chromium.new_context(viewport={"width": 1000, "height": 720}, locale="en-US")
    context.set_default_timeout(10_000)
    tab = context.new_page()
    yield tab
    context.close()


def _device(regions: RunningRegions, region: str) -> tuple[Any, dict[str, Any], dict[str, Any]]:
    oidc = boto3.session.Session().client(
        "sso-oidc",
        region_name=region,
        endpoint_url=regions[region].base_url,
        config=Config(signature_version=UNSIGNED),
    )
    client = oidc.register_client(clientName=f"idc {region}", clientType="public")
    auth = oidc.start_device_authorization(
        clientId=client["clientId"], clientSecret=client["clientSecret"], startUrl=regions[region].start_url
    )
    return oidc, client, auth


def _approve(page: Any, auth: dict[str, Any], tmp_path: Path, name: str) -> None:
    expect(page.locator("main .code")).to_have_text(auth["userCode"])
    page.get_by_role("button", name="Confirm and continue").click()
    page.get_by_role("button", name="Allow").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Request approved")
    page.screenshot(path=str(tmp_path / f"{name}.png"), full_page=True)


def _token(oidc: Any, client: dict[str, Any], auth: dict[str, Any]) -> dict[str, Any]:
    token: dict[str, Any] = oidc.create_token(
        clientId=client["clientId"],
        clientSecret=client["clientSecret"],
        grantType=DEVICE_GRANT,
        deviceCode=auth["deviceCode"],
    )
    return token


def test_one_password_for_both_regions_in_chromium(
    regions_emulator: RunningRegions, page: Any, tmp_path: Path
) -> None:
    us_oidc, us_client, us_auth = _device(regions_emulator, PRIMARY)
    page.goto(us_auth["verificationUriComplete"])
    page.get_by_label("Username").fill("demo")
    page.get_by_label("Password").fill("demo")
    page.get_by_role("button", name="Sign in").click()
    _approve(page, us_auth, tmp_path, PRIMARY)

    eu_oidc, eu_client, eu_auth = _device(regions_emulator, ADDITIONAL)
    page.goto(eu_auth["verificationUriComplete"])
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    expect(page.locator("#idp-note")).to_contain_text("through your identity provider")
    expect(page.get_by_label("Password")).to_have_count(0)
    page.screenshot(path=str(tmp_path / "continue.png"), full_page=True)
    page.get_by_role("button", name="Continue as demo").click()
    _approve(page, eu_auth, tmp_path, ADDITIONAL)

    assert _token(us_oidc, us_client, us_auth)["accessToken"]
    assert _token(eu_oidc, eu_client, eu_auth)["accessToken"]
    names = {cookie["name"] for cookie in page.context.cookies()}
    assert {f"idc_session_{PRIMARY}", f"idc_session_{ADDITIONAL}", "idc_idp"} <= names
