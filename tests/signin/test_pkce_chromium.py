"""PKCE with a real browser: Chromium walks the pages and lands on idc's loopback listener.

A real browser does what scripted clients do not: it asks the listener for /favicon.ico, may open
speculative connections, and renders the "close this window" page. The sign-in must complete anyway.
"""

from __future__ import annotations

import threading

import pytest

from idc.signin.login import login
from toolchain import CHROMIUM, CHROMIUM_ARGS

from .conftest import SignInWorld


class ChromiumUser:
    """A BrowserOpener: Chromium (Playwright, its own thread) signs in as demo/demo and clicks Allow."""

    def __init__(self) -> None:
        self.final_text = ""
        self.final_url = ""
        self.error: BaseException | None = None
        self._thread: threading.Thread | None = None

    def __call__(self, url: str) -> bool:
        self._thread = threading.Thread(target=self._walk, args=(url,), daemon=True)
        self._thread.start()
        return True

    def _walk(self, url: str) -> None:
        try:
            from playwright.sync_api import sync_playwright

            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                try:
                    page = browser.new_page()
                    page.goto(url)
                    for _ in range(6):
                        if page.get_by_label("Username").count():
                            page.get_by_label("Username").fill("demo")
                            page.get_by_label("Password").fill("demo")
                            page.get_by_role("button", name="Sign in").click()
                        elif page.get_by_role("button", name="Allow").count():
                            page.get_by_role("button", name="Allow").click()
                        else:
                            break
                        page.wait_for_load_state()
                    self.final_url = page.url
                    self.final_text = page.inner_text("body")
                finally:
                    browser.close()
        except BaseException as error:
            self.error = error

    def wait(self, timeout: float = 60) -> None:
        assert self._thread is not None
        self._thread.join(timeout)
        if self.error is not None:
            raise self.error


@pytest.mark.browser
def test_pkce_with_chromium(world: SignInWorld) -> None:
    user = ChromiumUser()
    token = login(
        world.target(), locations=world.locations, client_factory=world.factory, opener=user, out=world.out
    )
    user.wait()
    assert token.refresh_token
    assert user.final_url.startswith("http://127.0.0.1:") and "/oauth/callback?" in user.final_url
    assert "close this window" in user.final_text
    assert world.emulator.stats()["CreateToken"] == 1
    assert len(world.tokens()) == 1
