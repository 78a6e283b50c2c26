"""PKCE sign-in against the local Identity Center (RFC 7636, RFC 8252; catalogue items 17-19)."""

from __future__ import annotations

import hashlib
import json
import socket
import threading
import urllib.request
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest

from idc.aws.oidc import OidcClient
from idc.errors import LoginFailed
from idc.signin.login import login
from idc.signin.pkce_flow import authorize_url, code_challenge, new_code_verifier

from .conftest import SESSION, SignInWorld, make_world

PKCE_TEXT = (
    "Attempting to open your default browser. If the browser does not open, open the following URL.\n"
    "If you are unable to open the URL on this device, run this command again with the "
    "'--use-device-code' option.\n\n"
)


def _pkce_login(world: SignInWorld, opener: object, **kwargs: object) -> object:
    return login(
        world.target(),
        locations=world.locations,
        client_factory=world.factory,
        opener=opener,  # type: ignore[arg-type]
        out=world.out,
        **kwargs,  # type: ignore[arg-type]
    )


def _get(url: str) -> int:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=5) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code


def _listening_addresses(port: int) -> list[str]:
    """Local addresses of listening TCP sockets on ``port`` (from /proc/net/tcp and tcp6)."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            local, state = line.split()[1], line.split()[3]
            address, port_hex = local.split(":")
            if state == "0A" and int(port_hex, 16) == port:
                found.append(address)
    return found


def test_rfc7636_appendix_b_vector() -> None:
    assert (
        code_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")
        == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    )


def test_verifier_shape() -> None:
    verifiers = {new_code_verifier() for _ in range(50)}
    assert len(verifiers) == 50
    allowed = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
    assert all(len(v) == 64 and set(v) <= allowed for v in verifiers)


def test_authorize_url_is_the_aws_cli_one() -> None:
    url = authorize_url(
        "https://oidc.us-east-1.amazonaws.com",
        client_id="cid",
        redirect_uri="http://127.0.0.1:4321/oauth/callback",
        state="s-1",
        challenge="abc_-",
        scopes=["sso:account:access", "codewhisperer:completions"],
    )
    assert url == (
        "https://oidc.us-east-1.amazonaws.com/authorize?response_type=code&client_id=cid"
        "&redirect_uri=http%3A%2F%2F127.0.0.1%3A4321%2Foauth%2Fcallback&state=s-1&code_challenge_method=S256"
        "&scopes=sso%3Aaccount%3Aaccess%20codewhisperer%3Acompletions&code_challenge=abc_-"
    )


def test_pkce_end_to_end(world: SignInWorld) -> None:
    seen: dict[str, object] = {}
    approver = world.approver()

    def opener(url: str) -> bool:
        query = dict(parse_qsl(urlsplit(url).query))
        port = urlsplit(query["redirect_uri"]).port
        assert port is not None
        # The listener is bound before the browser is asked to open, on 127.0.0.1 only.
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            pass
        seen["listening"] = _listening_addresses(port)
        seen["url"] = url
        return approver(url)

    token = _pkce_login(world, opener)
    approver.wait()

    assert seen["listening"] == ["0100007F"]  # 127.0.0.1, nothing else
    url = str(seen["url"])
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}" == world.emulator.base_url  # the resolved sso-oidc endpoint
    assert parts.path == "/authorize"
    names = [name for name, _ in parse_qsl(parts.query)]
    assert names == [
        "response_type",
        "client_id",
        "redirect_uri",
        "state",
        "code_challenge_method",
        "scopes",
        "code_challenge",
    ]
    query = dict(parse_qsl(parts.query))
    assert query["response_type"] == "code" and query["code_challenge_method"] == "S256"
    assert query["scopes"] == "sso:account:access"
    assert len(query["code_challenge"]) == 43 and "=" not in query["code_challenge"]
    assert len(query["state"]) == 36  # uuid4
    assert "code_verifier" not in query

    text = world.out.getvalue()
    assert text.startswith(PKCE_TEXT + url + "\n")
    assert text.endswith(f"Successfully logged into Start URL: {world.emulator.start_url}\n")

    # The registration as the AWS CLI sends it (what reached the server).
    row = world.emulator.engine.store.one(
        "SELECT name, scopes, grant_types, redirect_uris FROM clients WHERE client_id = ?",
        (query["client_id"],),
    )
    assert row["name"] == f"botocore-client-{SESSION}"
    assert json.loads(row["scopes"]) == ["sso:account:access"]
    assert json.loads(row["grant_types"]) == ["authorization_code", "refresh_token"]
    assert json.loads(row["redirect_uris"]) == ["http://127.0.0.1/oauth/callback"]

    cached = world.tokens()[hashlib.sha1(SESSION.encode()).hexdigest() + ".json"]
    assert cached["accessToken"] == token.access_token  # type: ignore[attr-defined]
    assert "refreshToken" in cached
    registration = next(iter(world.registrations().values()))
    assert registration["grantTypes"] == ["authorization_code", "refresh_token"]
    assert registration["scopes"] == ["sso:account:access"]

    calls = world.emulator.stats()
    assert calls["RegisterClient"] == 1 and calls["CreateToken"] == 1
    assert calls.get("StartDeviceAuthorization", 0) == 0


def test_device_registration_is_not_used_for_pkce(world: SignInWorld) -> None:
    """Both grants share botocore's cache key; each replaces a registration made for the other."""
    for use_device_code in (True, False, False):
        approver = world.approver()
        _pkce_login(world, approver, use_device_code=use_device_code, sleep=world.sleep)
        approver.wait()
    assert world.emulator.stats()["RegisterClient"] == 2
    assert len(world.registrations()) == 1


def test_a_registration_the_server_forgot_is_replaced_before_the_browser_opens(
    aws_home: object, emulator: object, emulator_factory: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The authorize page of a server that no longer knows the client shows "unknown client" and never
    redirects (RFC 6749 section 4.1.2.1), so the loopback listener would wait its whole timeout: the
    cached registration is checked first and replaced once (item 4)."""
    first = make_world(aws_home, emulator, monkeypatch)
    approver = first.approver()
    _pkce_login(first, approver)
    approver.wait()
    restarted = make_world(aws_home, emulator_factory(), monkeypatch)  # a new server: new state
    approver = restarted.approver()
    _pkce_login(restarted, approver, timeout=20)
    approver.wait()
    assert len(approver.opened) == 1
    calls = restarted.emulator.stats()
    assert calls["RegisterClient"] == 1 and calls["CreateToken"] == 2  # the check, then the exchange
    assert len(restarted.tokens()) == 1 and len(restarted.registrations()) == 1


def test_deny_aborts_without_token_exchange(world: SignInWorld) -> None:
    approver = world.approver(allow=False)
    with pytest.raises(LoginFailed, match="denied"):
        _pkce_login(world, approver)
    approver.wait()
    assert world.emulator.stats().get("CreateToken", 0) == 0
    assert world.tokens() == {}


def test_a_redirect_with_another_state_is_discarded_and_never_exchanged(world: SignInWorld) -> None:
    approver = world.approver()

    def tampering_opener(url: str) -> bool:
        parts = urlsplit(url)
        query = parts.query.replace("state=", "state=x")
        return approver(parts._replace(query=query).geturl())

    # The approval's redirect carries another state: discarded, so the sign-in waits until its timeout.
    with pytest.raises(LoginFailed, match="within 3 seconds"):
        _pkce_login(world, tampering_opener, timeout=3)
    approver.wait()
    assert world.emulator.stats().get("CreateToken", 0) == 0
    assert world.tokens() == {}


def test_a_forged_denial_does_not_end_the_sign_in(world: SignInWorld) -> None:
    """``?error=access_denied&state=wrong`` from any page or process on the machine (RFC 6749 section
    10.12): discarded; the user's real approval, which follows, signs in."""
    approver = world.approver()

    def opener(url: str) -> bool:
        redirect = dict(parse_qsl(urlsplit(url).query))["redirect_uri"]
        assert _get(f"{redirect}?error=access_denied&state=wrong") == 400
        assert _get(f"{redirect}?error=access_denied") == 400
        return approver(url)

    _pkce_login(world, opener)
    approver.wait()
    assert len(world.tokens()) == 1
    assert world.emulator.stats().get("CreateToken") == 1


def test_stray_requests_leave_the_flow_waiting(world: SignInWorld) -> None:
    approver = world.approver()

    def opener(url: str) -> bool:
        redirect = dict(parse_qsl(urlsplit(url).query))["redirect_uri"]
        base = redirect.rsplit("/oauth/callback", 1)[0]
        assert _get(f"{base}/favicon.ico") == 404
        assert _get(f"{base}/") == 404
        return approver(url)

    _pkce_login(world, opener)
    approver.wait()
    assert len(world.tokens()) == 1


def test_abandoned_login_times_out(world: SignInWorld) -> None:
    with pytest.raises(LoginFailed, match=r"within 0\.5 seconds") as raised:
        _pkce_login(world, lambda url: True, timeout=0.5)
    assert "idc login" in str(raised.value)
    assert world.emulator.stats().get("CreateToken", 0) == 0


def test_browser_that_fails_to_start_still_prints_the_url(world: SignInWorld) -> None:
    approver = world.approver()
    urls: list[str] = []

    def failing_opener(url: str) -> bool:
        urls.append(url)
        # The user opens the printed URL by hand a moment later.
        threading.Timer(0.2, approver, args=(url,)).start()
        return False

    _pkce_login(world, failing_opener)
    approver.wait()
    text = world.out.getvalue()
    assert urls[0] in text
    assert "The browser could not be opened" in text and "--use-device-code" in text


def test_no_browser_prints_the_url_and_waits(world: SignInWorld) -> None:
    """--no-browser: nothing is opened; the printed URL, opened elsewhere on this machine, completes it."""
    approver = world.approver()
    out = world.out

    class Watching:
        def write(self, text: str) -> int:
            out.write(text)
            for line in text.splitlines():
                if line.startswith("http") and "/authorize?" in line:
                    approver(line)
            return len(text)

        def flush(self) -> None:
            pass

    login(
        world.target(),
        locations=world.locations,
        client_factory=world.factory,
        opener=None,
        no_browser=True,
        out=Watching(),  # type: ignore[arg-type]
        environ={"BROWSER": "true"},  # a browser works here (this test may run in a container)
    )
    approver.wait()
    assert out.getvalue().startswith(
        "Browser will not be automatically opened.\nPlease visit the following URL:"
    )
    assert len(world.tokens()) == 1


def test_endpoint_probe_sends_nothing_and_spares_real_calls(world: SignInWorld) -> None:
    """The authorize base URL comes from botocore's endpoint resolution with the request cut short;
    real RegisterClient calls on the same (shared) botocore client, meanwhile, still go out."""
    oidc = OidcClient(world.factory, world.emulator.region)
    assert oidc.authorize_base_url() == world.emulator.base_url
    assert world.emulator.stats().get("RegisterClient", 0) == 0

    bases: list[str] = []
    clients: list[str] = []

    def probe() -> None:
        bases.append(oidc.authorize_base_url())

    def register() -> None:
        clients.append(oidc.register_client("botocore-client-x").client_id)

    threads = [threading.Thread(target=f) for _ in range(6) for f in (probe, register)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert bases == [world.emulator.base_url] * 6
    assert len(set(clients)) == 6
    assert world.emulator.stats()["RegisterClient"] == 6
