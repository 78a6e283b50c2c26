"""One wording, in every command, for a profile or an sso-session that the config does not have.

botocore's words (``The config profile (X) could not be found``, ``The specified sso-session does not
exist: "X"``), then what to do: the name it is most likely a typo of (:func:`idc.errors.closest_match`,
as for Regions), else the command that creates it and the names the config has.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping

    from idc.errors import ConfigError

CONFIGURE_COMMAND = "idc configure sso"
SESSION_COMMAND = "idc configure sso-session"


def profile_not_found(name: str, profiles: Mapping[str, object], *, implicit: bool = False) -> ConfigError:
    """``implicit``: no profile was named (no --profile, no AWS_PROFILE), ``default`` was looked for."""
    from idc.errors import ConfigError, closest_match, shell_word

    message = f"The config profile ({name}) could not be found"
    close = closest_match(name, profiles)
    if close is not None:
        return ConfigError(
            message,
            hint=f"Did you mean {shell_word(close)}? Otherwise run "
            f"`{CONFIGURE_COMMAND} --profile {shell_word(name)}` to create it.",
        )
    known = known_names("profiles", profiles)
    if implicit and name == "default" and profiles:
        # Nothing named a profile: say how to name one before suggesting a [default] section.
        return ConfigError(
            message,
            hint=f"Pass --profile NAME or set AWS_PROFILE{known}; "
            f"`{CONFIGURE_COMMAND} --profile default` creates a default one.",
        )
    return ConfigError(
        message, hint=f"Run `{CONFIGURE_COMMAND} --profile {shell_word(name)}` to create it{known}."
    )


def session_not_found(
    name: str, sessions: Mapping[str, object], *, profile: str | None = None
) -> ConfigError:
    """An sso-session named by a flag, or by ``profile``'s ``sso_session``, that is not there."""
    from idc.errors import ConfigError, closest_match

    close = closest_match(name, sessions)
    if profile is not None and close:
        hint = f"Did you mean {close}? Fix sso_session in profile {profile}, or run `{SESSION_COMMAND}`."
    elif profile is not None:
        hint = f"Run `{SESSION_COMMAND}` to create it, or fix sso_session in profile {profile}."
    elif close:
        hint = f"Did you mean {close}? Otherwise run `{SESSION_COMMAND}` to create it."
    else:
        hint = f"Run `{SESSION_COMMAND}` to create it{known_names('sso-sessions', sessions)}."
    return ConfigError(f'The specified sso-session does not exist: "{name}"', hint=hint)


def known_names(what: str, names: Mapping[str, object]) -> str:
    """`` (known profiles: a, b, ...)`` for a hint, or "" when there are none."""
    if not names:
        return ""
    listed = ", ".join(list(names)[:8]) + (", ..." if len(names) > 8 else "")
    return f" (known {what}: {listed})"
