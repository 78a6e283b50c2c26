"""The Regions of a sign-in session: its primary ``[sso-session]`` and the sessions it fails over to.

An Identity Center instance replicated to additional Regions has one access portal per Region, and
"CLI authorizations are not replicated across enabled Regions" (IAM Identity Center user guide,
"Workforce access through an additional Region"): the CLI is authorized in each Region on its own. So
each Region is a standard ``[sso-session]`` with its own ``sso_start_url`` (that Region's portal URL)
and ``sso_region``, which the AWS CLI can use alone and whose caches it keys as usual; the primary
names the others with idc's one key for this, which botocore ignores::

    [sso-session corp]
    sso_start_url = https://d-1234567890.awsapps.com/start
    sso_region = us-east-1
    idc_failover_sessions = corp-eu-west-1

    [sso-session corp-eu-west-1]
    sso_start_url = https://ssoins-1111111111111111.eu-west-1.portal.amazonaws.com
    sso_region = eu-west-1
"""

from __future__ import annotations

from idc.config.loader import AwsConfig
from idc.config.missing import SESSION_COMMAND
from idc.config.values import SsoSession

FAILOVER_KEY = "idc_failover_sessions"


def failover_session_names(values: object) -> tuple[str, ...]:
    """The names in an ``idc_failover_sessions`` value (comma or space separated), in order."""
    if not isinstance(values, str):
        return ()
    return tuple(name for name in values.replace(",", " ").split() if name)


def session_regions(config: AwsConfig, session_name: str) -> tuple[SsoSession, ...]:
    """The primary ``[sso-session]`` first, then each one it fails over to (validated: they exist,
    each is in another Region); ConfigError naming the key otherwise."""
    from idc.errors import ConfigError

    primary = config.sso_session(session_name)
    sessions = [primary]
    for name in failover_session_names(primary.values.get(FAILOVER_KEY)):
        if name not in config.sso_sessions:
            raise ConfigError(
                f'The {FAILOVER_KEY} of sso-session "{session_name}" names "{name}", which does not exist.',
                hint=f"Run `{SESSION_COMMAND} --sso-session {session_name} --failover-region R=PORTAL_URL`.",
            )
        additional = config.sso_session(name)
        if any(known.sso_region == additional.sso_region for known in sessions):
            raise ConfigError(
                f'The {FAILOVER_KEY} of sso-session "{session_name}" names "{name}" in '
                f"{additional.sso_region}, a Region the session already has.",
                hint=f"Name one sso-session per Region in {FAILOVER_KEY}.",
            )
        sessions.append(additional)
    return tuple(sessions)


def failover_targets(config: AwsConfig) -> dict[str, str]:
    """Each sso-session that another one fails over to -> the name of that primary session."""
    owners: dict[str, str] = {}
    for name, values in config.sso_sessions.items():
        for additional in failover_session_names(values.get(FAILOVER_KEY)):
            owners.setdefault(additional, name)
    return owners
