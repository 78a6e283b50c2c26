"""``idc serve`` and ``idc exec --server``: real idc processes, real SDK clients of the endpoint.

The emulator hands out role credentials of 905 seconds: 5 seconds after each fetch they are inside
the 15-minute window in which idc and botocore refresh, so refreshes happen within a test's time.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from credential_helpers import IDC, set_token_expiry, sign_in, signed_in_on

from idc.emulator.directory import default_directory, directory_to_dict

pytestmark = pytest.mark.timeout(180)

LIFETIME = 905
STALE_AFTER = LIFETIME - 15 * 60 + 1


@pytest.fixture
def emulator(emulator_factory):
    """The default directory, with role credentials of :data:`LIFETIME` seconds."""
    directory = directory_to_dict(default_directory())
    directory["permission_sets"][0]["session_duration"] = LIFETIME
    return emulator_factory(directory)


class Served:
    def __init__(self, process: subprocess.Popen[str], exports: dict[str, str]) -> None:
        self.process = process
        self.url = exports["AWS_CONTAINER_CREDENTIALS_FULL_URI"]
        self.token = exports["AWS_CONTAINER_AUTHORIZATION_TOKEN"]
        self.env = exports


def start_serving(env: dict[str, str], *options: str) -> Served:
    """``idc serve --profile dev OPTIONS`` once it has printed its export lines."""
    process = subprocess.Popen(
        [*IDC, "serve", "--profile", "dev", *options],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "# profile dev"
    export = process.stdout.readline().strip()
    assert export.startswith("export ")
    exports = dict(item.split("=", 1) for item in export.removeprefix("export ").split())
    return Served(process, exports)


def stop_serving(served: Served) -> str:
    """Stop the server; what it wrote to stderr."""
    served.process.terminate()
    _, err = served.process.communicate(timeout=10)
    return err


@pytest.fixture
def served(signed_in):
    running = start_serving(signed_in.env)
    yield running
    stop_serving(running)


def get(url: str, headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as refused:
        return refused.code, json.loads(refused.read())


def sdk_credentials(served: Served) -> Any:
    """What botocore's own ContainerProvider gets from the endpoint (the SDK's code, not ours)."""
    from botocore.credentials import ContainerProvider

    provider = ContainerProvider(environ=served.env)
    credentials = provider.load()
    assert credentials is not None
    return credentials.get_frozen_credentials()


def caller_arn(emulator, credentials: Any) -> str:
    import boto3

    client = boto3.session.Session().client(
        "sts",
        region_name="eu-west-1",
        endpoint_url=emulator.base_url,
        aws_access_key_id=credentials.access_key,
        aws_secret_access_key=credentials.secret_key,
        aws_session_token=credentials.token,
    )
    return str(client.get_caller_identity()["Arn"])


def test_serve_refuses_requests_without_the_token_or_with_a_foreign_host(served: Served) -> None:
    assert len(served.token) >= 43  # 256 bits, base64url
    for headers in ({}, {"Authorization": "wrong"}, {"Authorization": served.token[:-1]}):
        status, body = get(served.url, headers)
        assert status == 403
        assert body["message"] == body["Message"] == "invalid Authorization token"
    rebound = {"Authorization": served.token, "Host": "attacker.example:80"}
    assert get(served.url, rebound)[0] == 403
    status, body = get(served.url, {"Authorization": served.token})
    assert status == 200
    assert set(body) == {"AccessKeyId", "SecretAccessKey", "Token", "Expiration"}
    assert get(served.url.replace("/dev", "/other"), {"Authorization": served.token})[0] == 404


def test_fifty_concurrent_sdk_clients_make_one_fetch(served: Served, emulator) -> None:
    time.sleep(STALE_AFTER)  # the primed credentials are now inside the refresh window
    before = emulator.stats().get("GetRoleCredentials", 0)
    results: list[Any] = []
    errors: list[BaseException] = []
    start = threading.Barrier(50)

    def client() -> None:
        try:
            start.wait()
            results.append(sdk_credentials(served))
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=client) for _ in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert len(results) == 50
    assert len({c.access_key for c in results}) == 1
    assert emulator.stats().get("GetRoleCredentials", 0) - before == 1
    assert ":assumed-role/AWSReservedSSO_AdministratorAccess_" in caller_arn(emulator, results[0])


def test_ended_session_names_login_then_recovers_after_login(served: Served, emulator, signed_in) -> None:
    from botocore.exceptions import CredentialRetrievalError

    emulator.end_sessions()
    time.sleep(STALE_AFTER)
    with pytest.raises(CredentialRetrievalError) as failure:
        sdk_credentials(served)
    assert "idc login --profile dev" in str(failure.value)
    sign_in(emulator, signed_in)  # what `idc login --profile dev` does, without restarting the server
    credentials = sdk_credentials(served)
    assert caller_arn(emulator, credentials).endswith("/demo")
    assert served.process.poll() is None


@pytest.fixture
def tls_signed_in(emulator_factory, aws_home, monkeypatch):
    """Signed in to an emulator that serves HTTPS from its own CA, as behind a TLS-inspecting proxy.

    This process trusts the CA (AWS_CA_BUNDLE for the sign-in's botocore, SSL_CERT_FILE for the page
    approver); ``aws_home.env``, the environment of the idc processes, does not."""
    directory = directory_to_dict(default_directory())
    directory["permission_sets"][0]["session_duration"] = LIFETIME
    emulator = emulator_factory(directory, tls=True)
    monkeypatch.setenv("AWS_CA_BUNDLE", emulator.ca_file)
    monkeypatch.setenv("SSL_CERT_FILE", emulator.ca_file)
    signed_in_on(emulator, aws_home, monkeypatch)
    return emulator


def test_serve_ca_bundle_is_the_trust_of_every_refresh(tls_signed_in, aws_home) -> None:
    """``idc serve --ca-bundle`` refreshes the token and the role credentials through the CA; without
    it the SDK's error names the certificate problem and --ca-bundle."""
    from botocore.exceptions import CredentialRetrievalError

    emulator = tls_signed_in
    assert "AWS_CA_BUNDLE" not in aws_home.env

    untrusted = start_serving(aws_home.env)
    try:
        with pytest.raises(CredentialRetrievalError) as failure:
            sdk_credentials(untrusted)
    finally:
        err = stop_serving(untrusted)
    message = str(failure.value)  # botocore shows the endpoint's answer verbatim
    assert f"The TLS certificate of {emulator.base_url}/" in message
    assert "is not trusted (certificate verification failed). Pass --ca-bundle PATH" in message
    warnings = [line for line in err.splitlines() if line.startswith("idc: warning: profile dev:")]
    assert len(warnings) == 1 and "is not trusted" in warnings[0], err
    assert emulator.stats() == {}  # the handshake failed: no call reached Identity Center

    trusted = start_serving(aws_home.env, "--ca-bundle", emulator.ca_file)
    try:
        first = sdk_credentials(trusted)
        assert emulator.stats() == {"GetRoleCredentials": 1}
        # The token enters its refresh window and the credentials go stale: the next answer needs
        # CreateToken and GetRoleCredentials, both through the CA.
        set_token_expiry(aws_home, timedelta(minutes=5))
        time.sleep(STALE_AFTER)
        second = sdk_credentials(trusted)
    finally:
        err = stop_serving(trusted)
    assert second.access_key != first.access_key
    assert emulator.stats() == {"GetRoleCredentials": 2, "CreateToken": 1}
    assert "warning" not in err and err.startswith("Serving role credentials on 127.0.0.1:"), err
    assert ":assumed-role/AWSReservedSSO_AdministratorAccess_" in caller_arn(emulator, second)


def test_exec_server_ca_bundle_reaches_the_server_fetches(tls_signed_in, aws_home, tmp_path: Path) -> None:
    """``idc exec --server --ca-bundle``: the endpoint's own fetches, after the first, use the CA too."""
    script = tmp_path / "late_sdk.py"
    script.write_text(
        "import sys, time\n"
        "from botocore.credentials import ContainerProvider\n"
        "time.sleep(float(sys.argv[1]))  # idc's first credentials are then due for refresh\n"
        "print(ContainerProvider().load().get_frozen_credentials().access_key)\n"
    )
    child = [sys.executable, str(script), str(STALE_AFTER)]
    done = subprocess.run(
        [*IDC, "exec", "--profile", "dev", "--server", "--ca-bundle", tls_signed_in.ca_file, "--", *child],
        env=aws_home.env,
        capture_output=True,
        text=True,
        timeout=90,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("ASIA")
    assert tls_signed_in.stats() == {"GetRoleCredentials": 2}


CHILD = """
import json, sys, threading, time
import boto3
from botocore.exceptions import ClientError

sessions = [boto3.session.Session() for _ in range(3)]
clients = [session.client("sts") for session in sessions]
first = sessions[0].get_credentials().get_frozen_credentials()
print("ready", flush=True)
calls, errors, keys = [], [], set()
deadline = time.time() + float(sys.argv[1])

def loop(session, client):
    while time.time() < deadline:
        try:
            calls.append(client.get_caller_identity()["Arn"])
            keys.add(session.get_credentials().access_key)
        except Exception as error:
            errors.append(repr(error))
        time.sleep(0.5)

threads = [threading.Thread(target=loop, args=pair) for pair in zip(sessions, clients)]
for t in threads: t.start()
for t in threads: t.join()
stale = boto3.session.Session().client(
    "sts", aws_access_key_id=first.access_key, aws_secret_access_key=first.secret_key,
    aws_session_token=first.token)
try:
    stale.get_caller_identity()
    first_expired = False
except ClientError as error:
    first_expired = error.response["Error"]["Code"] == "ExpiredToken"
print(json.dumps({"calls": len(calls), "errors": errors, "keys": len(keys | {first.access_key}),
                  "first_expired": first_expired, "env": sorted(k for k in __import__("os").environ
                  if k.startswith("AWS_"))}), flush=True)
sys.exit(7)
"""


def test_exec_server_child_outlives_its_first_credentials(signed_in, emulator, tmp_path: Path) -> None:
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    env = dict(
        signed_in.env, AWS_ACCESS_KEY_ID="AKIASTATIC", AWS_SECRET_ACCESS_KEY="static", AWS_PROFILE="dev"
    )
    process = subprocess.Popen(
        [*IDC, "exec", "--profile", "dev", "--server", "--", sys.executable, str(script), "22"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "ready"
    # The first credentials now expire (for STS) 15 s after they were issued; idc and botocore see
    # them refresh-worthy after 5 s, so the child must switch before they die. (The emulator's clock
    # stays put: its Date header would show the skew, and idc would rightly count expiries from it.)
    emulator.admin("expire", {"what": "credentials", "in_seconds": 15})
    out, err = process.communicate(timeout=120)
    assert process.returncode == 7, err
    report = json.loads(out)
    assert report["errors"] == []
    assert report["calls"] >= 3 * 15
    assert report["first_expired"] is True  # STS refuses the first credentials: the child outlived them
    # Every generation lives 905 s, so each is refresh-worthy 5 s after it is issued: a new key about
    # every 5 s of the child's run (2 exactly only while the emulator's clock was skewed ahead).
    assert report["keys"] >= 2
    # One fetch per credentials generation for the three clients (without sharing: one per client).
    # idc fetches before the child starts; on a loaded machine a child slower than 5 s to start asks
    # when those are already due for refresh, and its first key is the second fetch.
    fetches = emulator.stats().get("GetRoleCredentials")
    assert report["keys"] <= fetches <= report["keys"] + 1
    assert "AWS_ACCESS_KEY_ID" not in report["env"] and "AWS_PROFILE" not in report["env"]
    assert {"AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_AUTHORIZATION_TOKEN"} <= set(report["env"])


def test_a_cached_answer_never_imports_botocore(aws_home) -> None:
    """The endpoint answers a role-cache hit with the standard library only (a miss imports botocore)."""
    from credential_helpers import write_config, write_role_cache

    write_config(aws_home.config_file, "https://d-0000000000.awsapps.com/start", "eu-west-1")
    write_role_cache(aws_home.cli_cache, expires_in=timedelta(hours=1))
    probe = (
        "import json, sys, urllib.request\n"
        "from idc.credentials.server import CredentialsServer\n"
        "server = CredentialsServer(['dev']).start()\n"
        "request = urllib.request.Request(server.url_for('dev'), headers={'Authorization': server.token})\n"
        "body = json.loads(urllib.request.urlopen(request).read())\n"
        "print(json.dumps([body['AccessKeyId'], sorted({m.split('.')[0] for m in sys.modules})]))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], env=aws_home.env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    key, roots = json.loads(done.stdout)
    assert key == "ASIACACHED"
    assert {"botocore", "boto3", "click"} & set(roots) == set()


WAIT_FOR_TERM = (
    "import signal, sys, time\n"
    "signal.signal(signal.SIGTERM, lambda *a: sys.exit(42))\n"
    "print('ready', flush=True)\n"
    "time.sleep(60)\n"
)


@pytest.mark.parametrize(
    ("script", "signal_to_idc", "status"),
    [
        (WAIT_FOR_TERM, signal.SIGTERM, 42),
        ("import os, signal; print('ready', flush=True); os.kill(os.getpid(), signal.SIGKILL)", None, 137),
        ("print('ready', flush=True); raise SystemExit(3)", None, 3),
    ],
    ids=["sigterm-reaches-child", "killed-child-is-128+9", "child-exit-code"],
)
def test_exec_server_signals_and_exit_status(
    signed_in, script: str, signal_to_idc: int | None, status: int
) -> None:
    process = subprocess.Popen(
        [*IDC, "exec", "--profile", "dev", "--server", "--", sys.executable, "-c", script],
        env=signed_in.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "ready"
    if signal_to_idc is not None:
        process.send_signal(signal_to_idc)
    process.communicate(timeout=30)
    assert process.returncode == status


# -- the AWS SDK for JavaScript v3 ------------------------------------------------------------------

NODE_CALLER = """
const { STSClient, GetCallerIdentityCommand } = require("@aws-sdk/client-sts");
const client = new STSClient({ region: "eu-west-1", endpoint: process.env.AWS_ENDPOINT_URL_STS });
client.send(new GetCallerIdentityCommand({})).then(
  (answer) => { console.log(JSON.stringify({ arn: answer.Arn })); },
  (error) => { console.log(JSON.stringify({ error: String(error && error.message) })); },
);
"""


@pytest.fixture(scope="module")
def node_sdk(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory with @aws-sdk/client-sts installed from the npm registry (skipped when unreachable)."""
    import shutil

    npm = shutil.which("npm")
    if npm is None or shutil.which("node") is None:
        pytest.skip("node and npm are not installed")
    directory = tmp_path_factory.mktemp("node-sdk")
    done = subprocess.run(
        [npm, "install", "--no-audit", "--no-fund", "--silent", "@aws-sdk/client-sts@3"],
        cwd=directory,
        capture_output=True,
        text=True,
        timeout=240,
    )
    if done.returncode != 0:
        pytest.skip(f"npm could not install @aws-sdk/client-sts: {done.stderr.strip()[-200:]}")
    (directory / "caller.js").write_text(NODE_CALLER)
    return directory


def node_caller(node_sdk: Path, env: dict[str, str]) -> dict[str, str]:
    done = subprocess.run(
        ["node", "caller.js"], cwd=node_sdk, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    answer: dict[str, str] = json.loads(done.stdout.strip().splitlines()[-1])
    return answer


@pytest.mark.slow
def test_javascript_sdk_uses_the_endpoint_and_recovers_after_login(
    node_sdk: Path, served: Served, emulator, signed_in
) -> None:
    """JS v3 gets credentials from the endpoint, fails without the token or after the session ended,
    and works again after a login without a restart. It cannot name the login command: its fromHttp
    turns a 4xx into ``String(error)`` (``Server responded with status: 401``), dropping the body's
    Code and Message, and the default chain then reports "Could not load credentials from any providers"."""
    env = {**signed_in.env, **served.env}
    assert node_caller(node_sdk, env)["arn"].endswith("/demo")
    wrong = node_caller(node_sdk, {**env, "AWS_CONTAINER_AUTHORIZATION_TOKEN": "wrong"})
    assert "Could not load credentials" in wrong["error"]
    emulator.end_sessions()
    time.sleep(STALE_AFTER)
    ended = node_caller(node_sdk, env)
    assert "Could not load credentials" in ended["error"]
    sign_in(emulator, signed_in)
    assert node_caller(node_sdk, env)["arn"].endswith("/demo")


@pytest.mark.parametrize(("program", "status"), [("no-such-program-idc", 127), ("/etc/hostname", 126)])
def test_exec_server_command_that_cannot_start(signed_in, program: str, status: int) -> None:
    done = subprocess.run(
        [*IDC, "exec", "--profile", "dev", "--server", "--", program],
        env=signed_in.env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == status
    assert program in done.stderr


# -- starting: profiles, token, address ----------------------------------------------------------------


def cached_home(aws_home) -> None:
    """Profile ``dev`` and valid role credentials in its cache: the endpoint answers without a network."""
    from credential_helpers import write_config, write_role_cache

    write_config(aws_home.config_file, "https://d-0000000000.awsapps.com/start", "eu-west-1")
    write_role_cache(aws_home.cli_cache, expires_in=timedelta(hours=1))


def test_serve_refuses_a_profile_typo_at_start(aws_home) -> None:
    """A typo used to be a warning, then a server answering 400 for as long as it ran."""
    cached_home(aws_home)
    done = subprocess.run(
        [*IDC, "serve", "--profile", "dve"], env=aws_home.env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 3, done.stderr
    assert done.stdout == ""
    assert done.stderr == (
        "idc: The config profile (dve) could not be found. "
        "Did you mean dev? Otherwise run `idc configure sso --profile dve` to create it.\n"
    )


def test_serve_warning_for_a_wildcard_host_names_the_port_it_listens_on(aws_home) -> None:
    cached_home(aws_home)
    served = start_serving(aws_home.env, "--host", "0.0.0.0")
    err = stop_serving(served)
    port = served.url.split(":")[2].split("/")[0]
    assert served.url.startswith("http://127.0.0.1:")
    assert err.splitlines()[0] == (
        f"idc: warning: serving credentials on 0.0.0.0:{port}: anyone who can reach port {port} and has "
        "the token gets these roles' credentials."
    )


@pytest.mark.parametrize(("length", "status"), [(31, 2), (32, None)], ids=["31-refused", "32-accepted"])
def test_serve_token_from_the_environment_has_at_least_32_characters(
    aws_home, length: int, status: int | None
) -> None:
    cached_home(aws_home)
    env = dict(aws_home.env, IDC_CREDENTIALS_TOKEN="t" * length)
    if status is not None:
        done = subprocess.run(
            [*IDC, "serve", "--profile", "dev"], env=env, capture_output=True, text=True, timeout=60
        )
        assert done.returncode == status
        assert "IDC_CREDENTIALS_TOKEN must be at least 32 characters" in done.stderr
        assert done.stdout == ""
        return
    served = start_serving(env)
    try:
        assert served.token == "t" * length
        assert get(served.url, {"Authorization": served.token})[1]["AccessKeyId"] == "ASIACACHED"
    finally:
        stop_serving(served)


def ipv6_loopback() -> bool:
    import socket

    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
    except OSError:
        return False
    return True


@pytest.mark.skipif(not ipv6_loopback(), reason="no IPv6 loopback on this machine")
@pytest.mark.parametrize("host", ["::1", "[::1]"])
def test_serve_on_ipv6_loopback_reaches_botocore(aws_home, host: str) -> None:
    """botocore's ContainerProvider accepts ``http://[::1]:PORT/...`` as loopback (its
    ``_validate_allowed_url``) and gets the credentials through it."""
    cached_home(aws_home)
    served = start_serving(aws_home.env, "--host", host)
    try:
        assert served.url.startswith("http://[::1]:")
        assert sdk_credentials(served).access_key == "ASIACACHED"
    finally:
        err = stop_serving(served)
    assert err.startswith("Serving role credentials on [::1]:"), err


# -- a burst of clients without retries ------------------------------------------------------------------

BURST = 500


def raw_get(host: str, port: int, request: bytes, start: threading.Barrier) -> bytes:
    """One GET on its own TCP connection, as a client without retries sends it; the answer's bytes.

    The 20 s timeout stands for a client's patience (botocore's container fetcher waits 2 s), and keeps
    a server that never answers from hanging the test; it is not a speed target."""
    import socket

    start.wait()
    with socket.create_connection((host, port), timeout=20) as connection:
        connection.sendall(request)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    return answer


def test_a_burst_of_500_connections_is_answered_in_full(aws_home) -> None:
    """Python's listen backlog of 5 dropped most of a burst's connections: clients without retries
    waited out TCP's retransmissions, and many got no answer within 30 s."""
    from urllib.parse import urlsplit

    cached_home(aws_home)
    served = start_serving(aws_home.env)
    parts = urlsplit(served.url)
    host, port = parts.hostname or "", parts.port or 80
    request = (
        f"GET {parts.path} HTTP/1.1\r\nHost: {host}:{port}\r\nAuthorization: {served.token}\r\n"
        "Connection: close\r\n\r\n"
    ).encode()
    answers: list[bytes] = []
    failures: list[str] = []
    start = threading.Barrier(BURST)

    def client() -> None:
        try:
            answers.append(raw_get(host, port, request, start))
        except OSError as error:
            failures.append(repr(error))

    threads = [threading.Thread(target=client) for _ in range(BURST)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    finally:
        stop_serving(served)
    assert failures == []
    assert len(answers) == BURST
    assert all(answer.startswith(b"HTTP/1.1 200 ") for answer in answers)
    assert all(b'"AccessKeyId": "ASIACACHED"' in answer for answer in answers)


# -- sharing: one failure for many clients, one cache for many processes ----------------------------------


def test_fifty_clients_after_an_ended_session_make_one_call(served: Served, emulator) -> None:
    """The endpoint's promise (``SHARED_FAILURE_S``): fifty clients asking at once after the session
    ended make one attempt, and all get the error naming `idc login` (raw requests: botocore retries)."""
    emulator.end_sessions()
    time.sleep(STALE_AFTER)  # the credentials in memory and in the cache are due for refresh
    emulator.admin("stats", {"reset": True})
    answers: list[tuple[int, dict[str, Any]]] = []
    start = threading.Barrier(50)

    def client() -> None:
        start.wait()
        answers.append(get(served.url, {"Authorization": served.token}))

    threads = [threading.Thread(target=client) for _ in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(answers) == 50
    assert {status for status, _ in answers} == {401}
    assert all("idc login --profile dev" in body["message"] for _, body in answers)
    # One attempt for all fifty: GetRoleCredentials refused, and the refresh (CreateToken) that
    # confirms the session ended. Without sharing the failure, each client makes its own.
    assert emulator.stats() == {"GetRoleCredentials": 1, "CreateToken": 1}


def test_a_refresh_in_another_shell_reaches_the_running_endpoint(served: Served, emulator, signed_in) -> None:
    """Credentials revoked early (the emulator's ``expire``) are refused by STS at once; the endpoint
    used to keep handing them out from memory until they were due for refresh (45 minutes on AWS)."""
    from botocore.exceptions import ClientError
    from credential_helpers import run_idc

    revoked = sdk_credentials(served)
    emulator.admin("expire", {"what": "credentials"})
    with pytest.raises(ClientError, match="ExpiredToken"):
        caller_arn(emulator, revoked)
    refreshed = run_idc(["credentials", "--profile", "dev", "--refresh"], signed_in.env)
    assert refreshed.returncode == 0, refreshed.stderr
    new_key = json.loads(refreshed.stdout)["AccessKeyId"]
    assert new_key != revoked.access_key
    answer = sdk_credentials(served)
    assert answer.access_key == new_key
    assert caller_arn(emulator, answer).endswith("/demo")
    assert emulator.stats().get("GetRoleCredentials") == 2  # the endpoint read the cache; no call of its own
