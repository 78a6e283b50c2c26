"""Role chains: a profile with ``role_arn`` and ``source_profile`` (or ``credential_source``), as botocore
resolves it (``AssumeRoleProvider._get_role_config``, ``_validate_source_profile``,
``_resolve_credentials_from_profile`` in ``botocore/credentials.py``).

:func:`resolve_chain` walks the ``source_profile`` links down to what signs the first AssumeRole: an SSO
profile (its role credentials, :mod:`idc.credentials.role_credentials`), static keys, or a
``credential_source`` (``Environment``, ``Ec2InstanceMetadata``, ``EcsContainer``), refusing what botocore
refuses with its wording, in one line: both or neither of ``source_profile`` / ``credential_source``, a
source profile that does not exist or has no credentials, a loop (a profile naming itself is allowed
only when it has static keys). A hop whose source is role credentials (an SSO role or another assumed
role) is role chaining, which IAM limits to one hour: a ``duration_seconds`` over 3600 there is refused
before any call, with a line that says so.

:func:`chained_credentials` answers from the AWS CLI's cache (:mod:`idc.credentials.assume_role_cache`,
shared both ways with ``aws --profile P``), else assumes the role under a lock per cache key, so that
fifty cold processes make one AssumeRole; every hop's session is cached, as botocore caches them.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import sys
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TextIO

from idc.credentials.assume_role_cache import (
    assume_role_arguments,
    assume_role_cache_key,
    duration_of,
    load_assumed,
    save_assumed,
)
from idc.credentials.hotpath import adopt_role_lock
from idc.errors import ConfigError, ServiceError, shell_word
from idc.storage.role_cache import EXPIRY_WINDOW, RoleCredentials

if TYPE_CHECKING:
    from idc.config.loader import AwsConfig
    from idc.storage.locations import Locations

log = logging.getLogger(__name__)

CHAINING_LIMIT_S = 3600
CREDENTIAL_SOURCES = ("Environment", "Ec2InstanceMetadata", "EcsContainer")
_STATIC = ("aws_access_key_id", "aws_secret_access_key")
_SSO_KEYS = ("sso_account_id", "sso_role_name", "sso_session", "sso_start_url")
LOCK_TIMEOUT = 120.0

MfaPrompt = Callable[[str], str]


class HopRefused(ServiceError):
    """STS refused one AssumeRole of a chain (``code``: STS's error code)."""

    def __init__(self, code: str, message: str, *, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.code = code


class Hop:
    """One AssumeRole of a chain: the profile that asks for it and its settings (text values only)."""

    __slots__ = ("key", "profile", "values")

    def __init__(self, profile: str, values: dict[str, str]) -> None:
        self.profile = profile
        self.values = values
        self.key = assume_role_cache_key(values)

    @property
    def role_arn(self) -> str:
        return self.values["role_arn"]


class Chain:
    """``hops`` from the profile asked for (first) down to the one nearest the source."""

    __slots__ = ("base_kind", "base_profile", "credential_source", "hops", "profile", "region")

    def __init__(
        self,
        profile: str,
        hops: list[Hop],
        base_kind: str,
        base_profile: str | None,
        credential_source: str | None,
        region: str | None,
    ) -> None:
        self.profile = profile
        self.hops = hops
        self.base_kind = base_kind  # "sso" | "static" | "source"
        self.base_profile = base_profile
        self.credential_source = credential_source
        self.region = region

    @property
    def mfa_serials(self) -> list[str]:
        return [hop.values["mfa_serial"] for hop in self.hops if "mfa_serial" in hop.values]


def _text(values: Mapping[str, object]) -> dict[str, str]:
    return {k: v for k, v in values.items() if isinstance(v, str)}


def is_role_profile(values: Mapping[str, object]) -> bool:
    """botocore ``_has_assume_role_config_vars``: ``role_arn`` and no ``web_identity_token_file``."""
    return "role_arn" in values and "web_identity_token_file" not in values


def _fix(profile: str) -> str:
    return (
        f"Fix profile {profile} in the AWS config file, or rewrite it with "
        f"`idc configure role --profile {shell_word(profile)} ...`."
    )


def resolve_chain(config: AwsConfig, name: str) -> Chain:
    """The chain behind role profile ``name``; ConfigError (botocore's wording, one line) when broken."""
    visited = [name]
    hops: list[Hop] = []
    current = name
    while True:
        values = _text(config.profiles.get(current, {}))
        source = values.get("source_profile")
        credential_source = values.get("credential_source")
        if source is not None and credential_source is not None:
            raise ConfigError(
                f'The profile "{current}" contains both source_profile and credential_source.',
                hint=_fix(current),
            )
        if source is None and credential_source is None:
            raise ConfigError(
                f'The profile "{current}" has role_arn but neither source_profile nor credential_source '
                "(partial credentials found in assume-role).",
                hint=_fix(current),
            )
        hop = Hop(current, values)
        hops.append(hop)
        if credential_source is not None:
            if credential_source not in CREDENTIAL_SOURCES:
                raise ConfigError(
                    f'The credential source "{credential_source}" referenced in profile "{current}" '
                    "is not valid.",
                    hint=f"Use one of {', '.join(CREDENTIAL_SOURCES)}.",
                )
            return _finish(config, name, hops, "source", None, credential_source)
        assert source is not None
        if source not in config.profiles:
            raise ConfigError(
                f'The source_profile "{source}" referenced in the profile "{current}" does not exist.',
                hint=_fix(current),
            )
        source_values = _text(config.profiles[source])
        static = any(key in source_values for key in _STATIC)
        if source in visited and (source != current or not static):
            raise ConfigError(
                "Infinite loop in credential configuration detected. Attempting to load from profile "
                f"{source} which has already been visited. Visited profiles: {visited}",
                hint=_fix(current),
            )
        visited.append(source)
        if static:
            return _finish(config, name, hops, "static", source, None)
        if is_role_profile(source_values):
            current = source
            continue
        if any(key in source_values for key in _SSO_KEYS):
            return _finish(config, name, hops, "sso", source, None)
        raise ConfigError(f'The source profile "{source}" must have credentials.', hint=_fix(source))


def _finish(
    config: AwsConfig,
    name: str,
    hops: list[Hop],
    base_kind: str,
    base_profile: str | None,
    credential_source: str | None,
) -> Chain:
    region = hops[0].values.get("region")
    if region is None and base_kind == "sso" and base_profile is not None:
        region = _text(config.profiles[base_profile]).get("region")
    chain = Chain(name, hops, base_kind, base_profile, credential_source, region)
    for i, hop in enumerate(hops):
        duration = duration_of(hop.values.get("duration_seconds"))
        role_source = i + 1 < len(hops) or base_kind == "sso"
        if role_source and duration is not None and duration > CHAINING_LIMIT_S:
            source = hops[i + 1].profile if i + 1 < len(hops) else base_profile
            raise ConfigError(
                f"duration_seconds = {duration} in profile {hop.profile} is over the 1 hour limit of role "
                f"chaining: its source ({source}) holds role credentials, and STS refuses more than 3600 "
                "there.",
                hint=f"Set duration_seconds to 3600 or less in profile {hop.profile}.",
            )
    return chain


class ChainTarget:
    """What the commands need to know about a chained profile besides its credentials (the fields an
    :class:`~idc.config.SsoProfile` offers them: name, Region, and the SSO start URL and Region at the
    chain's base when it is an SSO profile)."""

    __slots__ = ("chain", "profile_name", "region", "sso_region", "start_url")

    def __init__(self, chain: Chain, config: AwsConfig) -> None:
        self.chain = chain
        self.profile_name = chain.profile
        self.region = chain.region
        self.start_url = ""
        self.sso_region = chain.region or "us-east-1"
        if chain.base_kind == "sso" and chain.base_profile is not None:
            sso = config.resolve_sso(chain.base_profile)
            self.start_url, self.sso_region = sso.start_url, sso.sso_region

    def forget(self, locations: Locations) -> bool:
        """Drop the cached session of the profile's own hop (STS refused it)."""
        from idc.credentials.assume_role_cache import delete_assumed

        return delete_assumed(os.fspath(locations.cli_cache_dir), self.chain.hops[0].key)


def chained_credentials(
    chain: Chain,
    *,
    config: AwsConfig,
    locations: Locations,
    verify: bool | str | None = None,
    auto_login: bool = False,
    refresh: bool = False,
    out: TextIO | None = None,
    mfa_prompt: MfaPrompt | None = None,
) -> RoleCredentials:
    """The session of the chain's first hop with at least 15 minutes left: cache, else AssumeRole."""
    return hop_credentials(
        chain,
        0,
        config=config,
        locations=locations,
        verify=verify,
        auto_login=auto_login,
        refresh=refresh,
        out=out or sys.stderr,
        mfa_prompt=mfa_prompt,
    )


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def hop_credentials(
    chain: Chain,
    index: int,
    *,
    config: AwsConfig,
    locations: Locations,
    verify: bool | str | None,
    auto_login: bool,
    refresh: bool,
    out: TextIO,
    mfa_prompt: MfaPrompt | None,
    renew: bool = False,
) -> RoleCredentials:
    """Hop ``index``'s session: the cache, else AssumeRole under the hop's lock (``renew``: a new one
    even when the cached one looks fresh; ``refresh`` does the same for the first hop only)."""
    from idc.storage.locking import ProcessLock, lock_path_for

    hop = chain.hops[index]
    cache_dir = os.fspath(locations.cli_cache_dir)
    renew = renew or (refresh and index == 0)
    cached = None if renew else load_assumed(cache_dir, hop.key)
    if cached is not None and cached.is_fresh(_now(), EXPIRY_WINDOW):
        log.debug("profile %s: assumed-role session from the cache (%s.json)", hop.profile, hop.key)
        return cached
    lock_path = lock_path_for(locations, "role", hop.key)
    lock = adopt_role_lock(lock_path) or ProcessLock(
        lock_path, timeout=LOCK_TIMEOUT, description=f"the session of role {hop.role_arn}"
    )
    if not lock.held:
        lock.acquire()
    try:
        cached = None if renew else load_assumed(cache_dir, hop.key)
        if cached is not None and cached.is_fresh(_now(), EXPIRY_WINDOW):
            log.debug("another process assumed %s while this one waited", hop.role_arn)
            return cached

        def source_of(renewed: bool) -> RoleCredentials:
            if index + 1 < len(chain.hops):
                return hop_credentials(
                    chain,
                    index + 1,
                    config=config,
                    locations=locations,
                    verify=verify,
                    auto_login=auto_login,
                    refresh=False,
                    out=out,
                    mfa_prompt=mfa_prompt,
                    renew=renewed,
                )
            return base_credentials(
                chain,
                config=config,
                locations=locations,
                verify=verify,
                auto_login=auto_login,
                out=out,
                renew=renewed,
            )

        try:
            entry = assume(chain, hop, source_of(False), verify=verify, mfa_prompt=mfa_prompt)
        except HopRefused as refused:
            from idc.aws.sts import DEAD_CREDENTIALS

            if refused.code not in DEAD_CREDENTIALS or (
                index + 1 == len(chain.hops) and chain.base_kind != "sso"
            ):
                raise
            # The cached source credentials are no good any more (revoked, ended early): once more with
            # new ones, as `idc credentials --refresh` would get them.
            log.debug(
                "STS refused the source credentials of %s (%s); renewing them", hop.profile, refused.code
            )
            entry = assume(chain, hop, source_of(True), verify=verify, mfa_prompt=mfa_prompt)
        credentials = RoleCredentials.from_cache_json(entry)
        assert credentials is not None
        try:
            save_assumed(cache_dir, hop.key, entry)
        except Exception as error:  # the session is good; only the cache cannot keep it
            out.write(f"idc: warning: the assumed-role session was not cached ({error}).\n")
        return credentials
    finally:
        lock.release()


def assume(
    chain: Chain,
    hop: Hop,
    source: RoleCredentials,
    *,
    verify: bool | str | None,
    mfa_prompt: MfaPrompt | None,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """AssumeRole for ``hop`` signed with ``source``: the AWS CLI's cache entry of the answer."""
    from idc.aws.sts import AssumeRoleRefused, assume_role

    arguments: dict[str, Any] = dict(assume_role_arguments(hop.values))
    arguments.setdefault("RoleSessionName", f"botocore-session-{int(time.time())}")
    if "SerialNumber" in arguments:
        arguments["TokenCode"] = ask_mfa_code(hop, mfa_prompt)
    arguments.update(extra or {})
    region = chain.region or "us-east-1"
    try:
        response = assume_role(source, region, arguments, profile=chain.profile, verify=verify)
    except AssumeRoleRefused as refused:
        raise HopRefused(
            refused.code,
            f"STS refused profile {hop.profile} the role {hop.role_arn}: {refused.code}: "
            f"{refused.sts_message}",
            hint="Check the role's trust policy (and external_id, mfa_serial, duration_seconds) "
            "with its owner.",
        ) from None
    arn = str(response.get("AssumedRoleUser", {}).get("Arn", ""))
    parts = arn.split(":")
    if len(parts) > 4 and parts[4]:
        response["Credentials"]["AccountId"] = parts[4]
    entry: dict[str, Any] = json.loads(json.dumps(response, default=_serialize_if_needed))
    return entry


def _serialize_if_needed(value: object) -> object:
    """botocore ``_serialize_if_needed``: a datetime as ``%Y-%m-%dT%H:%M:%S%Z`` (``...UTC``)."""
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S") + "UTC"
    raise TypeError(type(value).__name__)


def never_ask(prompt: str) -> str:
    """The MFA prompt of a credentials endpoint: it cannot ask (botocore's
    ``create_mfa_serial_refresher`` likewise refuses to refresh such credentials)."""
    raise AssertionError("never called: ask_mfa_code refuses first")  # pragma: no cover


def ask_mfa_code(hop: Hop, prompt: MfaPrompt | None) -> str:
    """The MFA code for ``hop``'s ``mfa_serial``: asked on the terminal as the AWS CLI asks."""
    serial = hop.values["mfa_serial"]
    if prompt is never_ask:
        raise ConfigError(
            f"profile {hop.profile}'s session has ended and a new one needs an MFA code for {serial} "
            "(mfa_serial), which a credentials endpoint cannot ask for.",
            hint=f"Run `idc credentials --profile {shell_word(hop.profile)}` in a terminal: "
            "the endpoint then uses the session it caches.",
        )
    if prompt is None:
        if not (sys.stdin.isatty() and sys.stderr.isatty()):
            raise ConfigError(
                f"profile {hop.profile} needs an MFA code for {serial} (mfa_serial) and there is no terminal "
                "to ask on.",
                hint=f"Run `idc credentials --profile {shell_word(hop.profile)}` in a terminal first: "
                "the session it gets is cached for the others.",
            )
        import getpass

        prompt = getpass.getpass
    return prompt(f"Enter MFA code for {serial}: ").strip()


def base_credentials(
    chain: Chain,
    *,
    config: AwsConfig,
    locations: Locations,
    verify: bool | str | None,
    auto_login: bool,
    out: TextIO,
    renew: bool = False,
) -> RoleCredentials:
    far = _now() + dt.timedelta(days=3650)
    if chain.base_kind == "sso":
        from idc.aws.clients import BotocoreClientFactory
        from idc.credentials.role_credentials import get_role_credentials

        assert chain.base_profile is not None
        sso = config.resolve_sso(chain.base_profile)
        return get_role_credentials(
            sso,
            locations=locations,
            client_factory=BotocoreClientFactory(profile=sso.profile_name, verify=verify),
            auto_login=auto_login,
            out=out,
            refresh=renew,
        )
    if chain.base_kind == "static":
        assert chain.base_profile is not None
        values = _text(config.profiles[chain.base_profile])
        missing = [key for key in _STATIC if key not in values]
        if missing:
            raise ConfigError(
                f"Partial credentials found in profile {chain.base_profile}, missing: {', '.join(missing)}",
                hint=f"Add {', '.join(missing)} to profile {chain.base_profile}.",
            )
        return RoleCredentials(
            values["aws_access_key_id"],
            values["aws_secret_access_key"],
            values.get("aws_session_token", ""),
            far,
        )
    return _from_credential_source(chain, far)


def _from_credential_source(chain: Chain, far: dt.datetime) -> RoleCredentials:
    source = chain.credential_source
    found: Any = None
    if source == "Environment":
        from botocore.credentials import EnvProvider

        found = EnvProvider().load()
    elif source == "EcsContainer":
        from botocore.credentials import ContainerProvider

        found = ContainerProvider().load()
    else:
        from botocore.credentials import InstanceMetadataProvider
        from botocore.utils import InstanceMetadataFetcher

        found = InstanceMetadataProvider(
            iam_role_fetcher=InstanceMetadataFetcher(timeout=2, num_attempts=1)
        ).load()
    if found is None:
        raise ConfigError(
            f"No credentials found in credential_source referenced in profile {chain.hops[-1].profile}",
            hint=f"Provide credentials through {source}, or use source_profile instead.",
        )
    frozen = found.get_frozen_credentials()
    return RoleCredentials(frozen.access_key, frozen.secret_key, frozen.token or "", far)
