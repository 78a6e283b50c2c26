"""The storage modules on the credential hot path load only cheap standard-library modules.

``json``, ``re``, ``enum``, ``hashlib``, ``pathlib``, ``dataclasses``, ``typing``, ``configparser`` and
``shlex`` each cost milliseconds at start-up (``python -X importtime``); the hot path must stay close
to a bare interpreter, so importing and using these modules on a cache hit must not pull them in.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

HEAVY = {
    "json",
    "re",
    "enum",
    "hashlib",
    "pathlib",
    "dataclasses",
    "typing",
    "configparser",
    "shlex",
    "tempfile",
    "inspect",
    "idc.errors",
    "botocore",
    "click",
    "rich",
}


def loaded_after(code: str) -> set[str]:
    probe = "\n".join(
        [
            "import sys",
            "before = set(sys.modules)",
            textwrap.dedent(code),
            "after = set(sys.modules) - before",
            'sys.stdout.write(",".join(sorted(after)))',
        ]
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return set(result.stdout.split(","))


def test_hot_path_storage_modules_import_nothing_heavy(tmp_path) -> None:  # type: ignore[no-untyped-def]
    config = tmp_path / "config"
    config.write_text(
        "[profile dev]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = Admin\n"
        "s3 =\n  addressing_style = path\n"
        "[sso-session corp]\nsso_start_url = https://d-0000000000.awsapps.com/start\n"
        "sso_region = us-east-1\n"
    )
    cache = tmp_path / "cache.json"
    cache.write_text(
        json.dumps(
            {
                "ProviderType": "sso",
                "Credentials": {
                    "AccessKeyId": "A",
                    "SecretAccessKey": "S",
                    "SessionToken": "T",
                    "Expiration": "2030-01-01T00:00:00Z",
                },
            }
        )
    )
    loaded = loaded_after(
        f"""
        from idc import config
        from idc.storage import fileio
        from idc.storage import role_cache
        from idc.config import AwsConfig, parse_config_text
        sso = AwsConfig(parse_config_text(open({str(config)!r}).read(), source="x")).resolve_sso("dev")
        key = role_cache.role_cache_key(sso.account_id, sso.role_name, sso.session_name, sso.start_url)
        creds = role_cache.RoleCredentials.from_cache_json(fileio.read_json({str(cache)!r}))
        assert creds is not None and creds.access_key_id == "A" and len(key) == 40
        """
    )
    assert {"idc.storage.fileio", "idc.storage.role_cache", "idc.config.loader"} <= loaded
    assert loaded & HEAVY == set()


def test_locking_imports_nothing_heavy() -> None:
    assert loaded_after("import idc.storage.locking") & HEAVY == set()
