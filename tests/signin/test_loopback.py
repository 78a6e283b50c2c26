"""The loopback redirect listener: RFC 8252 section 7.3, catalogue items 17-19."""

from __future__ import annotations

import http.client
import socket
import threading
import time
import urllib.error
import urllib.request

import pytest

from idc.errors import LoginFailed
from idc.signin.loopback import CALLBACK_PATH, CallbackListener

STATE = "6f1c4a52-6c0e-4d0b-9a4e-2f8a1d9b7c31"


def _get(url: str) -> tuple[int, str]:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def _non_loopback_address() -> str | None:
    """An address of this machine that is not 127.0.0.0/8, if it has one."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("192.0.2.1", 9))  # TEST-NET-1: nothing is sent for a UDP connect
            address = str(probe.getsockname()[0])
    except OSError:
        return None
    return None if address.startswith("127.") else address


def test_binds_loopback_ephemeral_port_at_construction() -> None:
    with CallbackListener(STATE) as listener:
        assert listener.host == "127.0.0.1"
        assert listener.port > 0
        assert listener.redirect_uri == f"http://127.0.0.1:{listener.port}{CALLBACK_PATH}"
        # Listening already: a connection succeeds before anyone called wait().
        with socket.create_connection(("127.0.0.1", listener.port), timeout=2):
            pass


def test_not_reachable_on_other_interfaces() -> None:
    address = _non_loopback_address()
    if address is None:
        pytest.skip("this machine has no non-loopback IPv4 address to try")
    with CallbackListener(STATE) as listener, pytest.raises(OSError):
        socket.create_connection((address, listener.port), timeout=2).close()


def test_code_with_matching_state_is_returned_and_page_says_close() -> None:
    with CallbackListener(STATE) as listener:
        status, body = _get(f"{listener.redirect_uri}?code=the-code&state={STATE}")
        assert status == 200
        assert "close this window" in body
        assert listener.wait(5) == "the-code"


def test_stray_requests_are_ignored_and_the_flow_keeps_waiting() -> None:
    with CallbackListener(STATE) as listener:
        base = f"http://127.0.0.1:{listener.port}"
        assert _get(f"{base}/favicon.ico")[0] == 404
        assert _get(f"{base}/")[0] == 404
        assert listener.stray_requests == 2
        with pytest.raises(LoginFailed, match=r"within 0\.3 seconds"):
            listener.wait(0.3)  # still waiting: no verdict from the strays
        _get(f"{listener.redirect_uri}?code=c1&state={STATE}")
        assert listener.wait(5) == "c1"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        pytest.param(f"state={STATE}", "no authorization code", id="missing-code"),
        pytest.param(f"error=access_denied&state={STATE}", "denied", id="access-denied"),
        pytest.param(f"error=server_error&state={STATE}", "server_error", id="other-error"),
        pytest.param(f"error=<script>&state={STATE}", "unknown_error", id="hostile-error-value"),
    ],
)
def test_bad_callbacks_with_this_state_abort(query: str, message: str) -> None:
    with CallbackListener(STATE) as listener:
        status, body = _get(f"{listener.redirect_uri}?{query}")
        assert status == 400
        assert "<script>" not in body
        with pytest.raises(LoginFailed, match=message):
            listener.wait(5)


@pytest.mark.parametrize(
    "query",
    [
        pytest.param("error=access_denied&state=wrong", id="denied-with-wrong-state"),
        pytest.param("error=access_denied", id="denied-without-state"),
        pytest.param("code=c&state=wrong", id="code-with-wrong-state"),
        pytest.param("code=c", id="code-without-state"),
        pytest.param(f"code=c&state={STATE}x", id="state-with-a-suffix"),
        pytest.param(f"code=c&state={STATE[:-1]}", id="state-prefix"),
    ],
)
def test_a_callback_with_another_state_is_discarded_and_the_sign_in_goes_on(query: str) -> None:
    """RFC 6749 section 10.12: only the redirect carrying this sign-in's state may end it; a stray or
    forged one (``?error=access_denied&state=wrong``) is not the user's answer."""
    with CallbackListener(STATE) as listener:
        status, body = _get(f"{listener.redirect_uri}?{query}")
        assert status == 400
        assert "still waiting" in body
        assert listener.stray_requests == 1
        with pytest.raises(LoginFailed, match=r"within 0\.3 seconds"):
            listener.wait(0.3)  # no verdict: still waiting
        assert _get(f"{listener.redirect_uri}?code=the-code&state={STATE}")[0] == 200
        assert listener.wait(5) == "the-code"


def test_first_verdict_is_final() -> None:
    with CallbackListener(STATE) as listener:
        _get(f"{listener.redirect_uri}?error=access_denied&state={STATE}")
        _get(f"{listener.redirect_uri}?code=c&state={STATE}")
        with pytest.raises(LoginFailed, match="denied"):
            listener.wait(5)


def test_idle_connection_does_not_block_the_callback() -> None:
    with CallbackListener(STATE, request_timeout=0.5) as listener:
        idle = socket.create_connection(("127.0.0.1", listener.port), timeout=5)
        try:
            # A browser's speculative pre-connect that never sends a request.
            started = time.monotonic()
            assert _get(f"{listener.redirect_uri}?code=c&state={STATE}")[0] == 200
            assert listener.wait(5) == "c"
            assert time.monotonic() - started < 5
            # ... and it is closed by the listener once its read timeout passes.
            idle.settimeout(5)
            assert idle.recv(1) == b""
        finally:
            idle.close()


def test_abandoned_login_ends_at_the_overall_timeout() -> None:
    with CallbackListener(STATE) as listener:
        started = time.monotonic()
        with pytest.raises(LoginFailed, match="abandoned") as raised:
            listener.wait(0.5)
        assert 0.45 < time.monotonic() - started < 3
        assert "idc login" in str(raised.value)


def test_listener_closes_its_port() -> None:
    listener = CallbackListener(STATE)
    port = listener.port
    listener.close()
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()


def test_post_is_refused_and_does_not_end_the_flow() -> None:
    with CallbackListener(STATE) as listener:
        connection = http.client.HTTPConnection("127.0.0.1", listener.port, timeout=5)
        connection.request("POST", f"{CALLBACK_PATH}?code=c&state={STATE}")
        assert connection.getresponse().status == 405
        connection.close()
        done = threading.Event()

        def late() -> None:
            _get(f"{listener.redirect_uri}?code=c2&state={STATE}")
            done.set()

        threading.Thread(target=late).start()
        assert listener.wait(5) == "c2"
        assert done.wait(5)
