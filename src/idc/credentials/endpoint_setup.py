"""The credentials endpoint as ``idc serve`` and ``idc exec --server`` set it up: the full sessions of
the profiles, or narrowed ones (:mod:`idc.credentials.narrowed`, renewed from memory only when little is
left), with an optional audit log (:mod:`idc.credentials.audit_log`)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from idc.credentials.audit_log import AuditLog
    from idc.credentials.narrowed import Narrowing
    from idc.credentials.server import CredentialsServer


def endpoint_for(
    profiles: Iterable[str],
    *,
    verify: bool | str | None = None,
    narrowing: Narrowing | None = None,
    audit_log: str | None = None,
    token: str | None = None,
    host: str = "127.0.0.1",
    port: int = 0,
) -> tuple[CredentialsServer, AuditLog | None]:
    """The endpoint (not started) and its audit log (the caller closes it after stopping the endpoint).

    Raises ConfigError when ``host``:``port`` cannot be bound (exit 3, as for ``idc emulator``) or the
    audit log cannot be opened.
    """
    from idc.credentials.audit_log import AuditLog
    from idc.credentials.server import CredentialsServer
    from idc.errors import ConfigError

    audit = AuditLog(audit_log) if audit_log is not None else None
    fetch = None
    renew_below = None
    if narrowing is not None:
        from idc.credentials.narrowed import narrowed_fetch

        fetch = narrowed_fetch(narrowing, verify=verify)
        renew_below = narrowing.renew_below
    try:
        endpoint = CredentialsServer(
            profiles,
            token=token,
            host=host,
            port=port,
            fetch=fetch,
            verify=verify,
            renew_below=renew_below,
            audit=audit,
        )
    except ConfigError:
        if audit is not None:
            audit.close()
        raise
    return endpoint, audit


def check_served_profiles(profiles: Iterable[str]) -> None:
    """ConfigError (exit 3, "did you mean" for a typo) unless every profile hands out role credentials:
    an SSO role profile, or a role chain botocore would accept."""
    from idc.config import load_config
    from idc.credentials.chain import is_role_profile, resolve_chain
    from idc.storage.locations import Locations

    config = load_config(Locations.from_environ())
    for name in profiles:
        if is_role_profile(config.profiles.get(name, {})):
            resolve_chain(config, name)
        else:
            config.resolve_sso(name)


def mfa_notes(profiles: Iterable[str]) -> list[str]:
    """One line per served profile whose chain asks for an MFA code: what the endpoint does when its
    session ends (it cannot ask, as botocore refuses to refresh such credentials)."""
    from idc.config import load_config
    from idc.credentials.chain import is_role_profile, resolve_chain
    from idc.errors import IdcError
    from idc.storage.locations import Locations

    notes = []
    try:
        config = load_config(Locations.from_environ())
        for name in profiles:
            if not is_role_profile(config.profiles.get(name, {})):
                continue
            serials = resolve_chain(config, name).mfa_serials
            if serials:
                notes.append(
                    f"idc: note: profile {name} needs an MFA code ({serials[0]}) for each new session: when "
                    "this one ends the endpoint answers an error until `idc credentials --profile "
                    f"{name}` is run in a terminal."
                )
    except IdcError:
        return notes  # the profile's own problem shows when it is served
    return notes
