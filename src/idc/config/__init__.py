"""``~/.aws/config``: read it as botocore does (:mod:`idc.config.loader`), edit it byte-exactly
(:mod:`idc.config.editor`, imported on its own: the reader is on the credential hot path).

Standard library only; importing this package loads no ``re``, ``json``, ``dataclasses`` or ``pathlib``.
"""

from __future__ import annotations

from idc.config.loader import AwsConfig, load_config, parse_config_text, read_config_text, resolve_sso
from idc.config.validate import account_id_problem, region_problem, role_name_problem, start_url_problem
from idc.config.values import Profile, SsoProfile, SsoSession, parse_registration_scopes

__all__ = [
    "AwsConfig",
    "Profile",
    "SsoProfile",
    "SsoSession",
    "account_id_problem",
    "load_config",
    "parse_config_text",
    "parse_registration_scopes",
    "read_config_text",
    "region_problem",
    "resolve_sso",
    "role_name_problem",
    "start_url_problem",
]
