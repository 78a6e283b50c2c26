"""Credentials narrowed for what runs them: an AssumeRole session with a session policy and a duration.

``idc credentials``, ``exec``, ``exec --server`` and ``serve`` take ``--policy FILE|JSON``, ``--policy-arn
ARN`` (repeatable) and ``--duration SECONDS``. The answer is then a session of the profile's role assumed
with ``Policy``/``PolicyArns`` (the session may do only what both the role and the policies allow: IAM
User Guide, "Session policies") and ``DurationSeconds``, signed with the credentials of the profile's
source (the next hop of its chain, or its SSO profile's role credentials).

A narrowed session never goes into ``~/.aws/cli/cache``: the AWS CLI would hand it out as the profile's
own, and the profile's full session must never be handed out in its place. The endpoint keeps it in
memory per (profile, policies, duration) (:class:`idc.credentials.server.ProfileSource` with
:attr:`Narrowing.renew_below`) and assumes again only when little of it is left: an SDK child refreshes
from 15 minutes before expiry (botocore's advisory window), so a 15-minute session makes it ask on almost
every call, and those calls are answered from memory.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from idc.errors import ConfigError, shell_word

if TYPE_CHECKING:
    from idc.config.loader import AwsConfig
    from idc.credentials.chain import MfaPrompt
    from idc.credentials.hotpath import CachedCredentials
    from idc.credentials.server import Fetch
    from idc.storage.locations import Locations
    from idc.storage.role_cache import RoleCredentials

_POLICY_ARN = re.compile(r"^arn:aws[a-z-]*:iam::(aws|\d{12}):policy/[\w+=,.@/-]{1,1000}$")
MIN_DURATION_S = 900
MAX_DURATION_S = 43200


class Narrowing:
    """What narrows a session: the inline policy (compact JSON), managed policy ARNs and a duration."""

    __slots__ = ("duration", "policy", "policy_arns")

    def __init__(self, policy: str | None, policy_arns: tuple[str, ...], duration: int | None) -> None:
        self.policy = policy
        self.policy_arns = policy_arns
        self.duration = duration

    @property
    def key(self) -> tuple[str | None, tuple[str, ...], int | None]:
        return (self.policy, self.policy_arns, self.duration)

    def renew_below(self, lifetime_s: float) -> float:
        """Assume again when less than this is left of a session that lasted ``lifetime_s``: a quarter
        of it, at least a minute, and never botocore's 15 minutes (a 15-minute session would be renewed
        on every request)."""
        return max(60.0, min(lifetime_s / 4, 15 * 60 - 1))

    def arguments(self) -> dict[str, object]:
        """AssumeRole's ``Policy``, ``PolicyArns`` and ``DurationSeconds``, those that are set."""
        args: dict[str, object] = {}
        if self.policy is not None:
            args["Policy"] = self.policy
        if self.policy_arns:
            args["PolicyArns"] = [{"arn": arn} for arn in self.policy_arns]
        if self.duration is not None:
            args["DurationSeconds"] = self.duration
        return args


def parse_narrowing(policy: str | None, policy_arns: Sequence[str], duration: int | None) -> Narrowing | None:
    """The narrowing the options ask for, or None; ConfigError (one line) for a bad policy or ARN."""
    if policy is None and not policy_arns and duration is None:
        return None
    text = None
    if policy is not None:
        source = "--policy"
        raw = policy
        if not policy.lstrip().startswith("{"):
            source = f"the policy file {policy}"
            try:
                with open(os.path.expanduser(policy), encoding="utf-8") as handle:
                    raw = handle.read()
            except OSError as error:
                raise ConfigError(
                    f"cannot read the policy file {policy}: {error.strerror or error}",
                    hint="Pass a JSON policy document, inline or as a file.",
                ) from None
        try:
            document = json.loads(raw)
        except json.JSONDecodeError as error:
            raise ConfigError(
                f"{source} is not valid JSON ({error.msg}, line {error.lineno})",
                hint="Pass an IAM policy document (Version, Statement).",
            ) from None
        if not isinstance(document, dict) or "Statement" not in document:
            raise ConfigError(f"{source} is not an IAM policy document (no Statement)")
        text = json.dumps(document, separators=(",", ":"))
    for arn in policy_arns:
        if not _POLICY_ARN.match(arn):
            raise ConfigError(
                f"--policy-arn {arn} is not a managed policy ARN",
                hint="Use arn:aws:iam::aws:policy/NAME or arn:aws:iam::ACCOUNT:policy/NAME.",
            )
    if duration is not None and not MIN_DURATION_S <= duration <= MAX_DURATION_S:
        raise ConfigError(f"--duration {duration} is not from {MIN_DURATION_S} to {MAX_DURATION_S} seconds")
    return Narrowing(text, tuple(policy_arns), duration)


def narrowed_credentials(
    profile: str,
    narrowing: Narrowing,
    *,
    config: AwsConfig,
    locations: Locations,
    verify: bool | str | None = None,
    auto_login: bool = False,
    mfa_prompt: MfaPrompt | None = None,
) -> tuple[RoleCredentials, str | None]:
    """A new narrowed session of ``profile``'s role (never cached on disk) and the profile's region."""
    import sys

    from idc.credentials.chain import (
        CHAINING_LIMIT_S,
        assume,
        base_credentials,
        hop_credentials,
        is_role_profile,
        resolve_chain,
    )
    from idc.storage.role_cache import RoleCredentials

    if not is_role_profile(config.profiles.get(profile, {})):
        raise _not_a_role(profile)
    chain = resolve_chain(config, profile)
    role_source = len(chain.hops) > 1 or chain.base_kind == "sso"
    if narrowing.duration is not None and narrowing.duration > CHAINING_LIMIT_S and role_source:
        raise ConfigError(
            f"--duration {narrowing.duration} is over the 1 hour limit of role chaining: profile {profile}'s "
            "source holds role credentials, and STS refuses more than 3600 there.",
            hint="Pass --duration 3600 or less.",
        )
    if len(chain.hops) > 1:
        source = hop_credentials(
            chain,
            1,
            config=config,
            locations=locations,
            verify=verify,
            auto_login=auto_login,
            refresh=False,
            out=sys.stderr,
            mfa_prompt=mfa_prompt,
        )
    else:
        source = base_credentials(
            chain, config=config, locations=locations, verify=verify, auto_login=auto_login, out=sys.stderr
        )
    entry = assume(
        chain, chain.hops[0], source, verify=verify, mfa_prompt=mfa_prompt, extra=narrowing.arguments()
    )
    credentials = RoleCredentials.from_cache_json(entry)
    assert credentials is not None
    return credentials, chain.region


def narrowed_target(profile: str | None) -> tuple[str, str | None]:
    """(name, region) of the role profile a narrowed endpoint serves; ConfigError when it is none."""
    from idc.config import load_config
    from idc.credentials.chain import is_role_profile, resolve_chain
    from idc.storage.locations import Locations

    config = load_config(Locations.from_environ())
    name = profile or config.default_profile_name()
    config.profile(name)  # "could not be found", as elsewhere
    if not is_role_profile(config.profiles.get(name, {})):
        raise _not_a_role(name)
    return name, resolve_chain(config, name).region


def _not_a_role(profile: str) -> ConfigError:
    return ConfigError(
        f"--policy, --policy-arn and --duration narrow a role session, and profile {profile} assumes no "
        "role (its credentials come from IAM Identity Center as they are)",
        hint=f"Add a profile with role_arn and source_profile = {shell_word(profile)} "
        "for the role to narrow.",
    )


def narrowed_fetch(narrowing: Narrowing, *, verify: bool | str | None = None) -> Fetch:
    """A :data:`idc.credentials.server.Fetch` that answers narrowed sessions (for ``serve``/``exec
    --server``; the endpoint keeps each in memory)."""

    def fetch(profile: str) -> CachedCredentials:
        from idc.config import load_config
        from idc.credentials.hotpath import CachedCredentials
        from idc.storage.locations import Locations

        locations = Locations.from_environ()
        config = load_config(locations)
        role, region = narrowed_credentials(
            profile, narrowing, config=config, locations=locations, verify=verify
        )
        return CachedCredentials(
            role.access_key_id, role.secret_access_key, role.session_token, role.expiration, region
        )

    return fetch
