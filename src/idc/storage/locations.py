"""Where the files shared with AWS CLI v2 and boto3 live.

botocore fixes the cache directories under ``~`` (it expands HOME), and reads the config file from
AWS_CONFIG_FILE (default ``~/.aws/config``). Standard library only: the hot path imports this.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Locations:
    """The files and directories idc reads and writes, resolved once from an environment."""

    config_file: Path
    credentials_file: Path
    sso_cache_dir: Path
    cli_cache_dir: Path
    idc_cache_dir: Path

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> Locations:
        env = os.environ if environ is None else environ
        home = Path(env.get("HOME") or os.path.expanduser("~"))

        def expand(value: str) -> Path:
            if value.startswith("~"):
                value = str(home) + value[1:]
            return Path(value)

        aws = home / ".aws"
        return cls(
            config_file=expand(env.get("AWS_CONFIG_FILE") or str(aws / "config")),
            credentials_file=expand(env.get("AWS_SHARED_CREDENTIALS_FILE") or str(aws / "credentials")),
            sso_cache_dir=aws / "sso" / "cache",
            cli_cache_dir=aws / "cli" / "cache",
            # idc's own state (locks, the account listing cache); never secrets shared with others.
            idc_cache_dir=aws / "idc",
        )
