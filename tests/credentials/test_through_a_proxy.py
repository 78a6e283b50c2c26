"""The local Identity Center behind a transparent proxy on another loopback port (issue 9, item 11):
a full device-code sign-in and ``idc credentials`` work through it, every call counted on the way."""

from __future__ import annotations

import json

from counting_proxy import CountingProxy
from credential_helpers import run_idc, sign_in, write_config


def test_device_login_and_credentials_through_a_counting_proxy(emulator, aws_home, monkeypatch) -> None:
    with CountingProxy(emulator.base_url) as proxy:
        assert proxy.url != emulator.base_url
        endpoints = {
            name: proxy.url
            for name in ("AWS_ENDPOINT_URL_SSO_OIDC", "AWS_ENDPOINT_URL_SSO", "AWS_ENDPOINT_URL_STS")
        }
        for name, value in endpoints.items():
            monkeypatch.setenv(name, value)
        aws_home.env.update(endpoints)
        write_config(aws_home.config_file, emulator.start_url, emulator.region)
        sign_in(emulator, aws_home, device_code=True)  # the approval pages are reached through it too
        result = run_idc(["credentials", "--profile", "dev"], aws_home.env, script=True)
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout)["AccessKeyId"]
        whoami = run_idc(["whoami", "--profile", "dev"], aws_home.env, script=True)
        assert whoami.returncode == 0, whoami.stderr
    counts = proxy.counts
    assert counts["POST /client/register"] == 1
    assert counts["POST /device_authorization"] == 1
    assert counts["POST /token"] >= 1  # polling until the approval
    assert counts["GET /device"] >= 1 and counts["POST /device/consent"] == 1
    assert counts["GET /federation/credentials"] == 1
    assert counts["POST /"] == 1  # STS GetCallerIdentity, signed for the proxy's host
    calls = emulator.stats()
    assert calls["GetRoleCredentials"] == counts["GET /federation/credentials"]
    assert calls["CreateToken"] == counts["POST /token"]
