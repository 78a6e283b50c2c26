"""The pages' HTTP contract, checked with a plain HTTP client: cookies, CSRF, redirects, rate limits."""

from __future__ import annotations

import re
import urllib.parse
from typing import Any

import boto3
import httpx
import pytest

CSRF = re.compile(r'name="csrf_token" value="([^"]*)"')


def csrf_token(html: str) -> str:
    match = CSRF.search(html)
    assert match is not None, "the page has no CSRF token"
    return match.group(1)


def sign_in(http: httpx.Client, *, next_path: str = "/start", password: str = "demo") -> httpx.Response:
    page = http.get("/login", params={"next": next_path})
    return http.post(
        "/login",
        data={
            "csrf_token": csrf_token(page.text),
            "next": next_path,
            "username": "demo",
            "password": password,
        },
    )


@pytest.fixture
def http(emulator: Any) -> Any:
    with httpx.Client(base_url=emulator.base_url, follow_redirects=False, timeout=10) as client:
        yield client


def device_code(emulator: Any) -> dict[str, Any]:
    oidc = boto3.session.Session().client(
        "sso-oidc", region_name=emulator.region, endpoint_url=emulator.base_url
    )
    client = oidc.register_client(clientName="forms-test", clientType="public")
    auth: dict[str, Any] = oidc.start_device_authorization(
        clientId=client["clientId"], clientSecret=client["clientSecret"], startUrl=emulator.start_url
    )
    return auth


def test_session_cookie_is_httponly_samesite_lax_path_root(http: httpx.Client) -> None:
    response = sign_in(http)
    assert response.status_code == 303 and response.headers["location"] == "/start"
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith("idc_session="))
    attributes = {a.strip().lower() for a in cookie.split(";")[1:]}
    assert {"httponly", "samesite=lax", "path=/"} <= attributes
    assert http.get("/start").status_code == 200


def test_the_base_url_leads_to_the_portal_and_sts_still_owns_post(http: httpx.Client) -> None:
    response = http.get("/")
    assert response.status_code == 303 and response.headers["location"] == "/start"
    sts = http.post("/", data={"Action": "GetCallerIdentity", "Version": "2011-06-15"})
    assert sts.status_code in (400, 403) and "<ErrorResponse" in sts.text


def test_pages_need_a_signed_in_session(http: httpx.Client) -> None:
    for path in ("/start", "/device?user_code=ABCD-EFGH", "/device/consent?user_code=ABCD-EFGH"):
        response = http.get(path)
        assert response.status_code == 303
        assert response.headers["location"] == "/login?" + urllib.parse.urlencode({"next": path})


@pytest.mark.parametrize(
    "token", ["", "0" * 64, "missing"], ids=["empty-token", "wrong-token", "missing-token"]
)
def test_post_without_the_session_csrf_token_is_rejected(
    emulator: Any, http: httpx.Client, token: str
) -> None:
    auth = device_code(emulator)
    sign_in(http)
    form = {"user_code": auth["userCode"], "decision": "allow"}
    if token != "missing":
        form["csrf_token"] = token
    response = http.post("/device/consent", data=form)
    assert response.status_code == 403
    assert "did not come from this site" in response.text
    # Nothing was decided: the request is still pending.
    assert "Allow" in http.get("/device/consent", params={"user_code": auth["userCode"]}).text


def test_oversize_and_non_form_bodies_are_refused(http: httpx.Client) -> None:
    token = csrf_token(http.get("/login").text)
    big = http.post("/login", data={"csrf_token": token, "username": "demo", "password": "x" * 20_000})
    assert big.status_code == 413
    as_json = http.post("/login", json={"csrf_token": token, "username": "demo", "password": "demo"})
    assert as_json.status_code == 403
    assert "idc_session" not in as_json.headers.get("set-cookie", "")


def test_another_browsers_token_is_rejected(emulator: Any, http: httpx.Client) -> None:
    auth = device_code(emulator)
    with httpx.Client(base_url=emulator.base_url, follow_redirects=False) as other:
        sign_in(other)
        foreign = csrf_token(other.get("/device", params={"user_code": auth["userCode"]}).text)
    sign_in(http)
    response = http.post(
        "/device/consent", data={"user_code": auth["userCode"], "decision": "allow", "csrf_token": foreign}
    )
    assert response.status_code == 403


def test_sign_in_form_is_csrf_protected(http: httpx.Client) -> None:
    response = http.post("/login", data={"username": "demo", "password": "demo", "next": "/start"})
    assert response.status_code == 403
    assert "idc_session" not in response.headers.get("set-cookie", "")


def test_state_changes_are_post_only(emulator: Any, http: httpx.Client) -> None:
    auth = device_code(emulator)
    sign_in(http)
    page = http.get("/device/consent", params={"user_code": auth["userCode"], "decision": "allow"})
    assert page.status_code == 200 and "Allow" in page.text  # a GET only shows the consent page
    assert http.get("/signout").status_code == 405


@pytest.mark.parametrize(
    "next_path", ["//evil.example/x", "https://evil.example/", "/\\evil.example", "javascript:alert(1)"]
)
def test_sign_in_never_redirects_off_site(http: httpx.Client, next_path: str) -> None:
    response = sign_in(http, next_path=next_path)
    assert response.status_code == 303 and response.headers["location"] == "/start"


def test_wrong_passwords_slow_the_user_down_and_never_lock_them_out(
    emulator: Any, http: httpx.Client
) -> None:
    """After three wrong passwords in a row, each further attempt for the user (from any browser) waits
    a delay that doubles up to a minute: a guesser gets a few guesses a minute, the user is never locked
    out (the address and the old five-failure lockout are gone)."""
    waits = []
    for _ in range(10):
        http.cookies.clear()  # a new browser each time: the per-browser limit is not what this tests
        response = sign_in(http, password="wrong")
        if response.status_code == 429:
            assert "Too many failed sign-in attempts. Try again in" in response.text
            waits.append(int(response.headers["retry-after"]))
            emulator.advance_clock(waits[-1])
            http.cookies.clear()
            response = sign_in(http, password="wrong")
        assert response.status_code == 401 and "username or password is incorrect" in response.text
    assert [wait for wait in waits if wait >= 4] == [4, 8, 16, 32, 60]  # 1 s and 2 s may pass on their own
    http.cookies.clear()
    early = sign_in(http)  # the right password waits for the delay too, never longer than a minute
    assert early.status_code == 429 and 0 < int(early.headers["retry-after"]) <= 60
    emulator.advance_clock(60)
    assert sign_in(http).status_code == 303


def _sign_in_as(http: httpx.Client, username: str, password: str) -> httpx.Response:
    page = http.get("/login")
    form = {"csrf_token": csrf_token(page.text), "next": "/start", "username": username, "password": password}
    return http.post("/login", data=form)


def test_guessing_across_user_names_is_limited_in_that_browser_only(
    emulator: Any, http: httpx.Client
) -> None:
    """20 failed sign-ins with random names (all from 127.0.0.1) stop that browser, nobody else."""
    statuses = [_sign_in_as(http, f"guess{attempt}", "x").status_code for attempt in range(20)]
    assert statuses == [401] * 10 + [429] * 10
    blocked = _sign_in_as(http, "demo", "demo")
    assert blocked.status_code == 429 and int(blocked.headers["retry-after"]) > 0
    with httpx.Client(base_url=emulator.base_url, follow_redirects=False, timeout=10) as other:
        assert _sign_in_as(other, "demo", "demo").status_code == 303  # another browser, same address
    emulator.advance_clock(301)
    assert _sign_in_as(http, "demo", "demo").status_code == 303


TWO_USERS = {
    "users": [
        {"username": "demo", "password": "demo", "display_name": "Demo User"},
        {"username": "bob", "password": "bob", "display_name": "Bob"},
    ],
    "accounts": [{"id": "123456789012", "name": "sandbox", "email": "sandbox@example.com"}],
    "permission_sets": [{"name": "AdministratorAccess", "session_duration": 3600}],
    "assignments": [{"account": "*", "permission_set": "AdministratorAccess", "user": "bob"}],
}


def test_one_users_wrong_codes_never_block_another_users_authorization(emulator_factory: Any) -> None:
    """50 wrong user codes by one user, over several sign-in sessions: that user is stopped (signing in
    again does not reset it), while an authorization pending for someone else stays usable."""
    emulator = emulator_factory(TWO_USERS)
    auth = device_code(emulator)  # bob's, pending before the guessing starts
    statuses = []
    for session in range(5):
        with httpx.Client(base_url=emulator.base_url, follow_redirects=False, timeout=10) as guesser:
            assert _sign_in_as(guesser, "demo", "demo").status_code == 303
            token = csrf_token(guesser.get("/device").text)
            for guess in range(10):
                data = {"user_code": f"WRNG-{session}{guess:03d}", "csrf_token": token}
                statuses.append(guesser.post("/device", data=data).status_code)
    assert statuses[:30] == [400] * 30 and set(statuses[30:]) == {429}
    with httpx.Client(base_url=emulator.base_url, follow_redirects=False, timeout=10) as bob:
        assert _sign_in_as(bob, "bob", "bob").status_code == 303
        page = bob.get("/device", params={"user_code": auth["userCode"]})
        answer = bob.post(
            "/device", data={"user_code": auth["userCode"], "csrf_token": csrf_token(page.text)}
        )
        assert answer.status_code == 303, answer.text


def test_an_ended_session_signs_the_browser_out(emulator: Any, http: httpx.Client) -> None:
    sign_in(http)
    assert http.get("/start").status_code == 200
    emulator.end_sessions("demo")
    response = http.get("/start")
    assert response.status_code == 303 and response.headers["location"].startswith("/login")


def test_sign_out_ends_the_session(http: httpx.Client) -> None:
    sign_in(http)
    portal = http.get("/start")
    cookie = http.cookies["idc_session"]
    response = http.post("/signout", data={"csrf_token": csrf_token(portal.text)})
    assert response.status_code == 303 and response.headers["location"] == "/login"
    http.cookies.set("idc_session", cookie)  # a copy kept elsewhere no longer works either
    assert http.get("/start").status_code == 303


def test_wrong_user_codes_count_against_the_guess_limit(emulator: Any, http: httpx.Client) -> None:
    auth = device_code(emulator)
    sign_in(http)
    token = csrf_token(http.get("/device").text)
    statuses = []
    for attempt in range(20):
        response = http.post("/device", data={"user_code": f"WRNG-{attempt:04d}", "csrf_token": token})
        statuses.append(response.status_code)
        if response.status_code == 429:
            assert "Too many wrong codes" in response.text
            break
    assert statuses[0] == 400 and statuses[-1] == 429, statuses
    # Past the limit, even the right code is refused (RFC 8628 section 5.1).
    response = http.post("/device", data={"user_code": auth["userCode"], "csrf_token": token})
    assert response.status_code == 429


def test_one_sessions_wrong_codes_do_not_lock_out_anyone_else(emulator: Any, http: httpx.Client) -> None:
    """The guess limit is per signed-in browser session, aged by the emulator's clock (item 8)."""
    sign_in(http)
    token = csrf_token(http.get("/device").text)
    statuses = [
        http.post("/device", data={"user_code": f"WRNG-{n:04d}", "csrf_token": token}).status_code
        for n in range(12)
    ]
    assert statuses[-1] == 429
    auth = device_code(emulator)
    with httpx.Client(base_url=emulator.base_url, follow_redirects=False, timeout=10) as other:
        sign_in(other)
        page = other.get("/device", params={"user_code": auth["userCode"]})  # the prefilled link
        answer = other.post(
            "/device", data={"user_code": auth["userCode"], "csrf_token": csrf_token(page.text)}
        )
        assert answer.status_code == 303, answer.text
    emulator.advance_clock(601)  # the guesses age out on the emulator's clock
    fresh = device_code(emulator)
    answer = http.post("/device", data={"user_code": fresh["userCode"], "csrf_token": token})
    assert answer.status_code == 303


def test_device_code_is_prefilled_normalised_and_single_use(emulator: Any, http: httpx.Client) -> None:
    auth = device_code(emulator)
    sign_in(http)
    typed = auth["userCode"].replace("-", "").lower()
    page = http.get("/device", params={"user_code": typed})
    assert f'value="{auth["userCode"]}"' in page.text
    token = csrf_token(page.text)
    confirmed = http.post("/device", data={"user_code": typed, "csrf_token": token})
    assert confirmed.status_code == 303
    consent = http.get(confirmed.headers["location"])
    assert "forms-test" in consent.text and "Allow" in consent.text and "Deny" in consent.text
    decided = http.post(
        "/device/consent", data={"user_code": auth["userCode"], "decision": "allow", "csrf_token": token}
    )
    assert decided.status_code == 200 and "Request approved" in decided.text
    again = http.post(
        "/device/consent", data={"user_code": auth["userCode"], "decision": "deny", "csrf_token": token}
    )
    assert again.status_code == 409 and "already approved" in again.text


def test_invalid_authorize_requests_never_redirect_to_unvetted_uris(
    emulator: Any, http: httpx.Client
) -> None:
    oidc = boto3.session.Session().client(
        "sso-oidc", region_name=emulator.region, endpoint_url=emulator.base_url
    )
    client = oidc.register_client(
        clientName="botocore-client-forms",
        clientType="public",
        grantTypes=["authorization_code", "refresh_token"],
        redirectUris=["http://127.0.0.1/oauth/callback"],
        issuerUrl=emulator.start_url,
        scopes=["sso:account:access"],
    )
    good = {
        "response_type": "code",
        "client_id": client["clientId"],
        "redirect_uri": "http://127.0.0.1:45678/oauth/callback",
        "state": "s1",
        "code_challenge_method": "S256",
        "scopes": "sso:account:access",
        "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
    }
    for bad in (
        {"client_id": "unknown"},
        {"redirect_uri": "https://evil.example/oauth/callback"},
        {"redirect_uri": "http://127.0.0.1:45678/elsewhere"},
    ):
        response = http.get("/authorize", params={**good, **bad})
        assert response.status_code == 400, bad
        assert "location" not in response.headers
        assert "Invalid authorization request" in response.text
    # A vetted redirect URI gets the error instead (RFC 6749 section 4.1.2.1).
    response = http.get("/authorize", params={**good, "code_challenge_method": "plain"})
    assert response.status_code == 302
    location = urllib.parse.urlsplit(response.headers["location"])
    assert location.netloc == "127.0.0.1:45678"
    query = dict(urllib.parse.parse_qsl(location.query))
    assert query["error"] == "invalid_request" and query["state"] == "s1"
    # A valid request asks for sign-in first, and comes back to the same request.
    response = http.get("/authorize", params=good)
    assert response.status_code == 303 and response.headers["location"].startswith("/login?next=%2Fauthorize")


def test_portal_lists_exactly_the_signed_in_users_assignments(emulator_factory: Any) -> None:
    accounts = [{"id": f"{100000000000 + i}", "name": f"team-{i:03d}"} for i in range(300)]
    directory = {
        "start_url": "https://d-9999999999.awsapps.com/start",
        "region": "eu-west-1",
        "users": [
            {"username": "demo", "password": "demo"},
            {"username": "alice", "password": "wonderland"},
        ],
        "groups": [{"name": "readers", "members": ["demo", "alice"]}],
        "accounts": accounts,
        "permission_sets": [{"name": "AdministratorAccess"}, {"name": "ReadOnly"}],
        "assignments": [
            {"account": "*", "permission_set": "AdministratorAccess", "user": "demo"},
            {"account": ["100000000007", "100000000042"], "permission_set": "ReadOnly", "group": "readers"},
        ],
    }
    running = emulator_factory(directory)
    with httpx.Client(base_url=running.base_url, follow_redirects=False, timeout=10) as http:
        sign_in(http)
        portal = http.get("/start").text
        assert "AWS accounts (300)" in portal
        assert portal.count('class="account"') == 300
        assert portal.count(">AdministratorAccess<") == 300 and portal.count(">ReadOnly<") == 2
        assert "https://d-9999999999.awsapps.com/start" in portal and "eu-west-1" in portal
    with httpx.Client(base_url=running.base_url, follow_redirects=False, timeout=10) as http:
        page = http.get("/login")
        http.post(
            "/login",
            data={
                "csrf_token": csrf_token(page.text),
                "next": "/start",
                "username": "alice",
                "password": "wonderland",
            },
        )
        portal = http.get("/start").text
        assert "AWS accounts (2)" in portal and "Signed in as <strong>alice</strong>" in portal
        assert "team-007" in portal and "team-042" in portal and "team-008" not in portal
        assert "AdministratorAccess" not in portal
