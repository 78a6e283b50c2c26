"""What the config reader hands out: sections as read, and the resolved SSO profile.

Frozen values built on :class:`idc.storage.frozen.FrozenValue` (not dataclasses: the credential hot path
resolves a profile and ``dataclasses`` costs as much as starting Python).
"""

from __future__ import annotations

from idc.storage.frozen import FrozenValue

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping

    Value = str | dict[str, str]


TOKEN_STORAGE_KEY = "idc_token_storage"
"""Where an ``[sso-session]`` keeps its sign-in: ``file`` (default, ``~/.aws/sso/cache``) or ``keychain``."""
TOKEN_STORAGES = ("file", "keychain")
KEYCHAIN_ROLE_KEYS = {"sso_account_id": "idc_sso_account_id", "sso_role_name": "idc_sso_role_name"}
"""Where a profile of a keychain session keeps its account and role: botocore's SSO provider, which
runs before ``credential_process``, would take the profile over if it saw ``sso_account_id``."""


class Profile(FrozenValue):
    """A ``[profile NAME]`` (or ``[default]``) section, values as botocore reads them.

    ``values`` maps lower-cased keys to strings, or to a dict for nested blocks (``s3 =`` + indented
    lines). Profiles only named in the credentials file are here too (botocore merges them).
    """

    __slots__ = ("name", "values")

    name: str
    values: Mapping[str, Value]

    def __init__(self, name: str, values: Mapping[str, Value]) -> None:
        self._set_fields(name=name, values=dict(values))

    def get(self, key: str, default: str | None = None) -> str | None:
        """A single-line (non-nested) value, or ``default``."""
        value = self.values.get(key)
        return value if isinstance(value, str) else default

    def __contains__(self, key: object) -> bool:
        return key in self.values

    def __hash__(self) -> int:
        return hash(("Profile", self.name))


class SsoSession(FrozenValue):
    """An ``[sso-session NAME]`` section with the values a sign-in needs (validated)."""

    __slots__ = ("name", "start_url", "sso_region", "registration_scopes", "values")  # noqa: RUF023

    name: str
    start_url: str
    sso_region: str
    registration_scopes: tuple[str, ...]
    values: Mapping[str, Value]

    def __init__(
        self,
        name: str,
        start_url: str,
        sso_region: str,
        registration_scopes: tuple[str, ...] = (),
        values: Mapping[str, Value] | None = None,
    ) -> None:
        self._set_fields(
            name=name,
            start_url=start_url,
            sso_region=sso_region,
            registration_scopes=tuple(registration_scopes),
            values=dict(values or {}),
        )

    @property
    def session_name(self) -> str:
        """Same name as :attr:`SsoProfile.session_name`, so a session can be signed in to directly."""
        return self.name

    @property
    def token_storage(self) -> str:
        """``idc_token_storage`` (``file`` or ``keychain``; checked by the config reader)."""
        value = self.values.get(TOKEN_STORAGE_KEY)
        return value if isinstance(value, str) else "file"

    def __hash__(self) -> int:
        return hash(("SsoSession", self.name, self.start_url, self.sso_region))


class SsoProfile(FrozenValue):
    """An SSO profile resolved as botocore's SSOProvider resolves it (sso-session or legacy format).

    ``session_name`` is None for the legacy format (start URL and region in the profile). ``account_id``
    and ``role_name`` are None for a profile that only names an sso-session (token only).
    ``registration_scopes`` is ``()`` when ``sso_registration_scopes`` is not set.
    """

    __slots__ = (  # noqa: RUF023 - field order is the positional order, as in a dataclass
        "profile_name",
        "session_name",
        "start_url",
        "sso_region",
        "account_id",
        "role_name",
        "registration_scopes",
        "region",
        "output",
        "token_storage",
    )

    profile_name: str
    session_name: str | None
    start_url: str
    sso_region: str
    account_id: str | None
    role_name: str | None
    registration_scopes: tuple[str, ...]
    region: str | None
    output: str | None
    token_storage: str

    def __init__(
        self,
        profile_name: str,
        session_name: str | None,
        start_url: str,
        sso_region: str,
        account_id: str | None = None,
        role_name: str | None = None,
        registration_scopes: tuple[str, ...] = (),
        region: str | None = None,
        output: str | None = None,
        token_storage: str = "file",  # noqa: S107 - a storage kind, not a secret
    ) -> None:
        self._set_fields(
            profile_name=profile_name,
            session_name=session_name,
            start_url=start_url,
            sso_region=sso_region,
            account_id=account_id,
            role_name=role_name,
            registration_scopes=tuple(registration_scopes),
            region=region,
            output=output,
            token_storage=token_storage,
        )

    @property
    def is_legacy(self) -> bool:
        return self.session_name is None

    @property
    def has_role(self) -> bool:
        return self.account_id is not None and self.role_name is not None


def parse_registration_scopes(raw: str) -> tuple[str, ...]:
    """AWS CLI v2 ``parse_sso_registration_scopes``: comma-separated, stripped, empties dropped."""
    return tuple(scope.strip() for scope in raw.split(",") if scope.strip())
