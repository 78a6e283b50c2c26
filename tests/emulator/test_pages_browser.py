"""Real Chromium (Debian's, through Playwright) through every page of a running emulator.

Screenshots of each step land in the test's tmp_path (``<step>.png``).
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from page_flows import CallbackListener, pkce_request, poll_token, start_device
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


@pytest.fixture
def browser(chromium: Any) -> Any:
    """The session's one Chromium (the root conftest): Playwright's sync API allows one per thread."""
    return chromium


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1000, "height": 720}, locale="en-US")
    context.set_default_timeout(10_000)
    tab = context.new_page()
    yield tab
    context.close()


class Steps:
    """Checks every page is plain and accessible, and keeps a screenshot of it."""

    def __init__(self, page: Any, directory: Path) -> None:
        self.page = page
        self.directory = directory

    def shows(self, name: str, heading: str) -> None:
        expect(self.page.get_by_role("heading", level=1)).to_have_text(heading)
        assert self.page.locator("html").get_attribute("lang") == "en"
        assert self.page.locator("h1").count() == 1
        assert self.page.locator("script").count() == 0
        self.page.screenshot(path=str(self.directory / f"{name}.png"), full_page=True)


@pytest.fixture
def steps(page: Any, tmp_path: Path) -> Steps:
    return Steps(page, tmp_path)


def sign_in(page: Any, steps: Steps, password: str = "demo") -> None:
    steps.shows("signin", "Sign in")
    page.get_by_label("Username").fill("demo")
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


@pytest.mark.parametrize("style", ["request-uri", "classic"])
def test_device_flow_sign_in_confirm_allow(
    emulator_factory: Any, page: Any, steps: Steps, style: str
) -> None:
    emulator = emulator_factory(device_url_style=style)
    oidc, client, auth = start_device(emulator, "Browser test app", ["sso:account:access"])
    page.goto(auth["verificationUriComplete"])
    sign_in(page, steps, password="not-it")
    expect(page.get_by_role("alert")).to_contain_text("username or password is incorrect")
    steps.shows("signin-error", "Sign in")
    page.get_by_label("Password").fill("demo")
    page.get_by_role("button", name="Sign in").click()

    steps.shows(f"device-{style}", "Authorization requested")
    if style == "classic":  # the code from the URL, prefilled in the field
        expect(page.get_by_label("Code")).to_have_value(auth["userCode"])
    else:  # AWS's pages now: the URL has no code; the page shows it to compare with the terminal
        assert auth["userCode"] not in page.url
        expect(page.locator("main .code")).to_have_text(auth["userCode"])
        expect(page.get_by_label("Code")).to_have_count(0)
    page.get_by_role("button", name="Confirm and continue").click()

    steps.shows("consent", "Allow Browser test app to access your data?")
    expect(page.locator("main")).to_contain_text("sso:account:access")
    expect(page.locator("main")).to_contain_text(auth["userCode"])
    page.get_by_role("button", name="Allow").click()

    steps.shows("approved", "Request approved")
    expect(page.get_by_role("status")).to_contain_text("You may close this window")
    token = poll_token(emulator, oidc, client, auth)
    assert token["accessToken"] and token["tokenType"] == "Bearer"


def test_device_flow_typed_code_then_deny(emulator: Any, page: Any, steps: Steps) -> None:
    oidc, client, auth = start_device(emulator, "Deny me", ["sso:account:access"])
    page.goto(auth["verificationUri"])
    sign_in(page, steps)
    steps.shows("device-empty", "Authorization requested")
    expect(page.get_by_label("Code")).to_have_value("")
    page.get_by_label("Code").fill(auth["userCode"].replace("-", "").lower())
    page.get_by_role("button", name="Confirm and continue").click()
    steps.shows("consent-deny", "Allow Deny me to access your data?")
    page.get_by_role("button", name="Deny").click()
    steps.shows("denied", "Request denied")
    with pytest.raises(oidc.exceptions.AccessDeniedException):
        poll_token(emulator, oidc, client, auth)


def test_pkce_sign_in_allow_redirects_to_the_loopback_listener(
    emulator: Any, page: Any, steps: Steps, listener: CallbackListener
) -> None:
    oidc, client, url, verifier, state = pkce_request(emulator, listener, "browser")
    page.goto(url)
    sign_in(page, steps)
    steps.shows("pkce-consent", "Allow botocore-client-browser to access your data?")
    page.get_by_role("button", name="Allow").click()
    page.wait_for_url(listener.redirect_uri + "?*")
    expect(page.get_by_role("heading", level=1)).to_have_text("Signed in")
    assert len(listener.received) == 1
    callback = listener.received[0]
    assert callback["state"] == state and callback["code"]
    token = oidc.create_token(
        clientId=client["clientId"],
        clientSecret=client["clientSecret"],
        grantType="authorization_code",
        redirectUri=listener.redirect_uri,
        codeVerifier=verifier,
        code=callback["code"],
    )
    assert token["accessToken"]


def test_pkce_deny_redirects_with_access_denied(
    emulator: Any, page: Any, steps: Steps, listener: CallbackListener
) -> None:
    _oidc, _client, url, _verifier, state = pkce_request(emulator, listener, "browser")
    page.goto(url)
    sign_in(page, steps)
    page.get_by_role("button", name="Deny").click()
    page.wait_for_url(listener.redirect_uri + "?*")
    assert len(listener.received) == 1
    assert listener.received[0]["error"] == "access_denied"
    assert listener.received[0]["state"] == state
    assert "code" not in listener.received[0]


def test_portal_lists_accounts_roles_and_command_line_access(emulator: Any, page: Any, steps: Steps) -> None:
    start_path = urllib.parse.urlsplit(emulator.start_url).path
    page.goto(emulator.base_url + start_path)
    sign_in(page, steps)
    steps.shows("portal", "AWS access portal")
    accounts = page.get_by_role("region", name="AWS accounts (1)")
    expect(accounts).to_contain_text("sandbox")
    expect(accounts).to_contain_text("123456789012")
    expect(accounts.get_by_role("list", name="Roles in sandbox")).to_have_text("AdministratorAccess")
    panel = page.get_by_role("region", name="Command line or programmatic access")
    expect(panel.get_by_label("SSO start URL")).to_have_text(emulator.start_url)
    expect(panel.get_by_label("SSO Region")).to_have_text(emulator.region)

    # Keyboard users see where they are.
    page.keyboard.press("Tab")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("", "none")

    page.get_by_role("button", name="Sign out").click()
    steps.shows("signed-out", "Sign in")
    page.goto(emulator.base_url + start_path)
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")


def test_forms_without_the_csrf_token_are_rejected_and_wrong_codes_are_limited(
    emulator: Any, page: Any, steps: Steps
) -> None:
    _oidc, _client, auth = start_device(emulator, "Browser test app", ["sso:account:access"])
    page.goto(auth["verificationUriComplete"])
    sign_in(page, steps)
    steps.shows("device-again", "Authorization requested")
    page.locator("main input[name=csrf_token]").evaluate("e => e.remove()")
    page.get_by_role("button", name="Confirm and continue").click()
    steps.shows("csrf-rejected", "Request not accepted")

    page.goto(auth["verificationUri"])
    for attempt in range(20):
        page.get_by_label("Code").fill(f"BAD{attempt:05d}")
        page.get_by_role("button", name="Confirm and continue").click()
        if page.get_by_role("heading", level=1).inner_text() == "Too many attempts":
            break
        expect(page.get_by_role("alert")).to_contain_text("not valid or has expired")
    steps.shows("too-many-codes", "Too many attempts")
    assert attempt >= 3  # a few honest typos are allowed before the lockout


def _focused(page: Any) -> str:
    return str(page.evaluate("document.activeElement && document.activeElement.id"))


def test_sign_in_names_the_demo_user_and_a_wrong_password_focuses_the_password(
    emulator: Any, page: Any, steps: Steps
) -> None:
    page.goto(emulator.base_url + "/login")
    steps.shows("signin-demo", "Sign in")
    expect(page.locator("#demo-user")).to_have_text(
        "This emulator runs its built-in directory: sign in as demo, password demo."
    )
    assert _focused(page) == "username"
    sign_in(page, steps, password="wrong")
    steps.shows("signin-wrong-password", "Sign in")
    expect(page.get_by_role("alert")).to_contain_text("username or password is incorrect")
    expect(page.get_by_label("Username")).to_have_value("demo")
    assert _focused(page) == "password"  # the username was right: type the password again


def test_device_page_without_a_code_asks_for_it(emulator: Any, page: Any, steps: Steps) -> None:
    _oidc, _client, auth = start_device(emulator, "Browser test app", ["sso:account:access"])
    page.goto(auth["verificationUri"])
    sign_in(page, steps)
    steps.shows("device-no-code", "Authorization requested")
    main = page.locator("main")
    expect(main).not_to_contain_text("the code below")
    expect(main).to_contain_text("Type the code it shows you")
    assert _focused(page) == "user_code"

    # The classic link (--device-url-style classic) prefills the box: then "the code below" is true.
    page.goto(auth["verificationUri"] + "?" + urllib.parse.urlencode({"user_code": auth["userCode"]}))
    steps.shows("device-with-code", "Authorization requested")
    expect(main).to_contain_text("Check that the code below is the one it shows you")
    expect(page.get_by_label("Code")).to_have_value(auth["userCode"])


def test_portal_filters_hundreds_of_accounts_without_javascript(
    emulator_factory: Any, page: Any, steps: Steps
) -> None:
    from accounts.listing_support import directory

    emulator = emulator_factory(directory(300, 2))
    page.goto(emulator.base_url + urllib.parse.urlsplit(emulator.start_url).path)
    steps.shows("signin-loaded-directory", "Sign in")
    assert page.locator("#demo-user").count() == 0  # a loaded directory's passwords are its own
    sign_in(page, steps)
    steps.shows("portal-300", "AWS access portal")
    expect(page.get_by_role("region", name="AWS accounts (300)")).to_be_visible()

    search = page.get_by_role("search", name="Filter accounts")
    search.get_by_label("Filter by account name, ID, email or role").fill("ACCT-0042")
    search.get_by_role("button", name="Filter").click()
    steps.shows("portal-filtered", "AWS access portal")
    assert urllib.parse.urlsplit(page.url).query == "q=ACCT-0042"
    accounts = page.get_by_role("region", name="AWS accounts (1 of 300)")
    expect(accounts.locator(".account-name")).to_have_text(["acct-0042"])
    expect(page.get_by_label("Filter by account name, ID, email or role")).to_have_value("ACCT-0042")

    page.goto(page.url.split("?")[0] + "?q=100000000299")  # by account id
    expect(page.locator(".account-name")).to_have_text(["acct-0299"])
    page.goto(page.url.split("?")[0] + "?q=nothing-like-this")
    expect(page.get_by_role("region", name="AWS accounts (0 of 300)")).to_contain_text(
        "No account matches “nothing-like-this”."
    )
    page.get_by_role("link", name="Show all").click()
    expect(page.get_by_role("region", name="AWS accounts (300)")).to_be_visible()
