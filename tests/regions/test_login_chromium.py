"""``idc login`` on a session in two Regions, with real Chromium as the user's browser.

The library's sign-in (what ``idc login --profile dev`` runs) opens one page per Region in the same
browser, as a user's browser would: the primary asks for the password; the additional Region's page
offers to continue through the identity provider (the user session is replicated), so the password is
typed once. Both Regions' tokens then sit in ``~/.aws/sso/cache`` under their own ``[sso-session]``
key, and the AWS CLI signs in with each.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from idc.storage.token_cache import token_cache_key
from regions.two_regions import ACCOUNT, ADDITIONAL, PRIMARY, TwoRegions

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]


class ChromiumUser:
    """A BrowserOpener: one Chromium context (one cookie jar) walks each page idc opens, as demo."""

    def __init__(self, context: Any) -> None:
        self.context = context
        self.opened: list[str] = []
        self.passwords_typed = 0
        self.continued: list[str] = []  # the pages that offered the identity provider's session
        self.final_text: list[str] = []

    def __call__(self, url: str) -> bool:
        self.opened.append(url)
        page = self.context.new_page()
        page.goto(url)
        for _ in range(8):
            if page.url.startswith("http://127.0.0.1:") and "/oauth/callback" in page.url:
                break  # idc's loopback listener answered: this Region is done
            if page.get_by_label("Password").count():
                page.get_by_label("Username").fill("demo")
                page.get_by_label("Password").fill("demo")
                self.passwords_typed += 1
                page.get_by_role("button", name="Sign in").click()
            elif page.get_by_role("button", name="Continue as demo").count():
                self.continued.append(url)
                page.get_by_role("button", name="Continue as demo").click()
            elif page.get_by_role("button", name="Allow").count():
                page.get_by_role("button", name="Allow").click()
            else:
                break
            page.wait_for_load_state()
        self.final_text.append(page.inner_text("body"))
        page.close()
        return True


def test_idc_login_approves_both_regions_in_chromium_with_one_password(
    two_regions: TwoRegions, chromium: Any
) -> None:
    from idc.aws.clients import BotocoreClientFactory
    from idc.config import load_config
    from idc.signin.region_login import login_everywhere
    from idc.storage.locations import Locations

    two = two_regions
    context = chromium.new_context(locale="en-US")
    context.set_default_timeout(15_000)
    user = ChromiumUser(context)
    terminal = io.StringIO()
    try:
        locations = Locations.from_environ()
        target = load_config(locations).sign_in_subject("dev")
        login_everywhere(
            target, locations=locations, client_factory=BotocoreClientFactory(), opener=user, out=terminal
        )
        names = {cookie["name"] for cookie in context.cookies()}
    finally:
        context.close()

    assert terminal.getvalue().count("Successfully logged into Start URL") == 2
    assert len(user.opened) == 2  # one page per Region, the primary first
    assert user.opened[0].startswith(two.primary.base_url)
    assert user.opened[1].startswith(two.additional.base_url)
    assert user.passwords_typed == 1
    assert len(user.continued) == 1 and user.continued[0].startswith(two.additional.base_url)
    assert all("close this window" in text for text in user.final_text)
    assert {f"idc_session_{PRIMARY}", f"idc_session_{ADDITIONAL}", "idc_idp"} <= names
    assert two.primary.calls("CreateToken") == 1 and two.additional.calls("CreateToken") == 1

    cache = two.home.home / ".aws" / "sso" / "cache"
    for session, region in (("corp", two.primary), (f"corp-{ADDITIONAL}", two.additional)):
        token = json.loads((cache / f"{token_cache_key(session, '')}.json").read_text())
        assert (token["region"], token["startUrl"]) == (region.name, region.start_url)
        assert token["refreshToken"]

    # Where the AWS CLI looks: it signs in to each Region with that Region's token, no idc involved.
    aws = str(Path(sys.executable).with_name("aws"))
    for profile, region in (("dev", two.primary), ("dev-eu", two.additional)):
        result = subprocess.run(
            [aws, "sts", "get-caller-identity", "--profile", profile, "--output", "json"],
            env={**two.env, **region.cli_env},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout)["Account"] == ACCOUNT
        assert region.calls("GetRoleCredentials") == 1
