"""A profile for every account and role: ``idc populate``.

The profiles are written as one marked block of ``~/.aws/config``::

    # BEGIN idc populate (sso-session S)
    [profile sandbox.AdministratorAccess]
    sso_session = S
    sso_account_id = 123456789012
    sso_role_name = AdministratorAccess
    # END idc populate (sso-session S)

through :meth:`idc.config.editor.ConfigEditor.replace_block`, so every byte outside the block stays as
it was. Names come from a template (``{account_name}.{role_name}`` by default; fields
``account_name``, ``account_id``, ``role_name``, ``account_email``), each value normalised to the
characters every AWS tool accepts in a profile name (``[A-Za-z0-9._-]``, others become ``-``),
optionally lowercased. Two assignments that would get the same name both get the account id (then the
role) appended, the same way whatever order the listing came in.

The block's header remembers the options that shape it (:mod:`idc.accounts.populate_options`): with
``given``, :func:`plan_populate` starts from them, so re-running with the same assignments produces the
same block and the file is not written at all. Profiles of assignments that are gone stay unless
``prune`` is set. A profile the user defined outside the block with a generated name is left alone and
reported as skipped. With ``credential_process``, each profile gets a companion ``NAME-cp`` running
``idc credentials --profile NAME`` for tools that do not speak SSO.
"""

from __future__ import annotations

import difflib
import re
import string
import unicodedata
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from idc.accounts.listing import AccountListing
from idc.accounts.populate_block import Section, assignment_of, parse_sections, section_name, split_block
from idc.accounts.populate_options import (
    COMPANION_SUFFIX,
    DEFAULT_TEMPLATE,
    BlockOptions,
    GivenOptions,
    merged,
    option_changes,
    remembered_options,
)
from idc.errors import ConfigError

if TYPE_CHECKING:
    from idc.config.editor import ConfigEditor

TEMPLATE_FIELDS = ("account_name", "account_id", "role_name", "account_email")
CREDENTIAL_COMMAND = "idc credentials"

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_DASHES = re.compile(r"-{2,}")


def normalise(value: str, *, lowercase: bool = False) -> str:
    """``value`` as a profile-name fragment: accents dropped (``Zürich`` is ``Zurich``), other unsafe
    runs become ``-``, no leading/trailing ``-``."""
    decomposed = unicodedata.normalize("NFKD", value.strip())
    text = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    text = _DASHES.sub("-", _UNSAFE.sub("-", text)).strip("-")
    return text.lower() if lowercase else text


def validate_template(template: str) -> None:
    """Raise ConfigError unless ``template`` only uses the known fields (and at least one)."""
    try:
        fields = [name for _, name, spec, conv in string.Formatter().parse(template) if name is not None]
    except ValueError as error:
        raise ConfigError(
            f"The profile name template {template!r} is not valid: {error}.",
            hint="Use fields like {account_name}.{role_name}.",
        ) from None
    unknown = sorted({f for f in fields if f not in TEMPLATE_FIELDS})
    if unknown or not fields:
        allowed = ", ".join("{" + f + "}" for f in TEMPLATE_FIELDS)
        what = f"unknown field {{{unknown[0]}}}" if unknown else "no field"
        raise ConfigError(f"The profile name template {template!r} has {what}.", hint=f"Use only {allowed}.")


@dataclass(frozen=True, order=True)
class PlannedProfile:
    """One generated profile: its name and the assignment it points at."""

    name: str
    account_id: str
    role_name: str
    account_name: str = field(default="", compare=False)


def profile_names(
    listing: AccountListing,
    template: str = DEFAULT_TEMPLATE,
    *,
    lowercase: bool = False,
    written: Mapping[tuple[str, str], str] | None = None,
) -> list[PlannedProfile]:
    """A unique profile name for every (account, role) of ``listing``, sorted by name.

    ``written``: the names an earlier run gave (account id, role) pairs. They stay: scripts and people
    rely on them, so a newcomer whose name would clash gets the suffix instead. Other names that
    collide get ``-<account id>`` appended (then ``-<role>``), for every member of the colliding group,
    so the result does not depend on the order of the listing.
    """
    written = written or {}
    validate_template(template)
    planned: list[PlannedProfile] = []
    for account in listing.accounts:
        for role in account.roles:
            values = {
                "account_name": normalise(account.account_name, lowercase=lowercase) or account.account_id,
                "account_id": account.account_id,
                "role_name": normalise(role, lowercase=lowercase) or "role",
                "account_email": normalise(account.email, lowercase=lowercase) or account.account_id,
            }
            name = normalise(template.format(**values), lowercase=lowercase) or account.account_id
            planned.append(PlannedProfile(name, account.account_id, role, account.account_name))
    # A written name stays while it still derives from this template (the name, or it plus a suffix);
    # another --template or --lowercase renames, as asked.
    keep = {
        (p.account_id, p.role_name)
        for p in planned
        if written.get((p.account_id, p.role_name), "\0").startswith(p.name)
    }
    kept = {
        p.name: replace(p, name=written[(p.account_id, p.role_name)])
        for p in planned
        if (p.account_id, p.role_name) in keep
    }
    planned = [p for p in planned if (p.account_id, p.role_name) not in keep]
    kept_names = {p.name for p in kept.values()}

    def with_account(p: PlannedProfile) -> str:
        return p.name if p.account_id in p.name else f"{p.name}-{p.account_id}"

    def with_role(p: PlannedProfile) -> str:
        return f"{p.name}-{normalise(p.role_name, lowercase=lowercase) or 'role'}"

    for widen in (with_account, with_role):
        counts = Counter(p.name for p in planned)
        planned = [
            replace(p, name=widen(p)) if counts[p.name] > 1 or p.name in kept_names else p for p in planned
        ]
    # Still clashing (a template literal that looks like a suffix): number them in (account, role) order.
    groups: dict[str, list[PlannedProfile]] = {}
    for p in planned:
        groups.setdefault(p.name, []).append(p)
    planned = list(kept.values())
    for name, group in groups.items():
        ordered = sorted(group, key=lambda p: (p.account_id, p.role_name))
        first = 2 if name in kept_names else 1
        numbered = [replace(p, name=f"{name}-{i}") for i, p in enumerate(ordered, start=first)]
        planned += numbered if first == 2 else [ordered[0], *numbered[1:]]
    return sorted(planned, key=lambda p: (p.name.casefold(), p.name))


# --- the block -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PopulateSettings:
    """What to generate. ``sso_session`` None means the legacy format (start URL in each profile)."""

    start_url: str
    sso_region: str
    sso_session: str | None = None
    template: str = DEFAULT_TEMPLATE
    lowercase: bool = False
    region: str | None = None
    output: str | None = None
    credential_process: bool = False
    prune: bool = False
    credential_command: str = CREDENTIAL_COMMAND
    token_storage: str = "file"

    @property
    def keychain(self) -> bool:
        return self.token_storage == "keychain" and self.sso_session is not None

    @property
    def options(self) -> BlockOptions:
        return BlockOptions(
            template=self.template,
            lowercase=self.lowercase,
            region=self.region,
            output=self.output,
            credential_process=self.credential_process,
        )

    @property
    def marker(self) -> str:
        """The text after ``# BEGIN`` / ``# END`` naming this block (one block per session)."""
        if self.sso_session:
            return f"idc populate (sso-session {self.sso_session})"
        return f"idc populate (start URL {self.start_url})"


def _profile_section(planned: PlannedProfile, settings: PopulateSettings) -> Section:
    values: list[tuple[str, str]] = []
    if settings.sso_session:
        values.append(("sso_session", settings.sso_session))
    else:
        values += [("sso_start_url", settings.start_url), ("sso_region", settings.sso_region)]
    if settings.keychain:
        # botocore's SSO provider would take a profile with sso_account_id over (and find no token)
        values += [("idc_sso_account_id", planned.account_id), ("idc_sso_role_name", planned.role_name)]
        values.append(("credential_process", f"{settings.credential_command} --profile {planned.name}"))
    else:
        values += [("sso_account_id", planned.account_id), ("sso_role_name", planned.role_name)]
    if settings.region:
        values.append(("region", settings.region))
    if settings.output:
        values.append(("output", settings.output))
    return Section(planned.name, tuple(values))


def _companion_section(base: str, settings: PopulateSettings) -> Section:
    values = [("credential_process", f"{settings.credential_command} --profile {base}")]
    if settings.region:
        values.append(("region", settings.region))
    if settings.output:
        values.append(("output", settings.output))
    return Section(base + COMPANION_SUFFIX, tuple(values))


def _block_comment(settings: PopulateSettings) -> str:
    from idc.config.keychain_profiles import COMMENT_MARKER, KEYCHAIN_COMMENT

    what = f"sso-session {settings.sso_session}" if settings.sso_session else settings.start_url
    why = f"# {COMMENT_MARKER} {KEYCHAIN_COMMENT}.\n" if settings.keychain else ""
    return (
        f"# A profile for every account and role of {what}, written by `idc populate`.\n"
        "# Edits inside this block are replaced when it runs again; add your own profiles outside it.\n"
        "# A re-run keeps these options; give one again to change it (--no-region... drops one).\n"
        f"{settings.options.header_line()}\n"
        f"{why}"
    )


@dataclass(frozen=True)
class PopulatePlan:
    """What ``populate`` would do to the config file; ``new_text == old_text`` means nothing."""

    config_file: Path
    old_text: str
    new_text: str
    marker: str
    profiles: tuple[str, ...]  # every profile in the new block (companions included)
    added: tuple[str, ...]
    updated: tuple[str, ...]
    removed: tuple[str, ...]
    kept_stale: tuple[str, ...]  # assignments gone, profile kept (no --prune)
    skipped: tuple[str, ...]  # already defined outside the block: left alone
    unchanged: int
    options: tuple[str, ...]  # the options the block is written with, as command-line words
    option_changes: tuple[str, ...]  # against the block's remembered ones: "--region x -> --no-region"
    editor: ConfigEditor = field(compare=False, repr=False)

    @property
    def changed(self) -> bool:
        return self.new_text != self.old_text

    def diff(self) -> str:
        """A unified diff of the config file, as ``diff -u`` prints it."""
        name = str(self.config_file)
        return "".join(
            difflib.unified_diff(
                self.old_text.splitlines(keepends=True),
                self.new_text.splitlines(keepends=True),
                fromfile=name,
                tofile=name + " (idc populate)",
            )
        )


def plan_populate(
    config_file: Path,
    old_text: str,
    listing: AccountListing,
    settings: PopulateSettings,
    *,
    given: GivenOptions | None = None,
) -> PopulatePlan:
    """Compute the new block (and the whole new file text) for ``listing`` without writing anything.

    With ``given`` (the options of this run's command line), the options come from the block's header
    with ``given`` applied (``settings``' own option fields are not used); without it, from ``settings``.
    """
    from idc.config.editor import ConfigEditor

    outside, inside = split_block(old_text, settings.marker)
    remembered = remembered_options(inside)
    if given is not None:
        chosen = merged(remembered or BlockOptions(), given)
        settings = replace(
            settings,
            template=chosen.template,
            lowercase=chosen.lowercase,
            region=chosen.region,
            output=chosen.output,
            credential_process=chosen.credential_process,
        )
    changes = option_changes(remembered, settings.options) if remembered is not None else ()
    # Which names are taken outside the block, by botocore's reading of the rest of the file.
    rest = ConfigEditor.from_text(config_file, "".join(outside))
    taken_outside = {s.name for s in parse_sections(outside) if rest.has_section("profile", s.name)}
    old_sections = parse_sections(inside or [])
    old_by_name = {s.name: s for s in old_sections}

    new_sections: dict[str, Section] = {}
    skipped: list[str] = []
    current: set[tuple[str, str]] = set()
    written = {a: s.name for s in old_sections if (a := assignment_of(s)) is not None}
    for planned in profile_names(listing, settings.template, lowercase=settings.lowercase, written=written):
        current.add((planned.account_id, planned.role_name))
        if planned.name in taken_outside:
            skipped.append(planned.name)
            continue
        new_sections[planned.name] = _profile_section(planned, settings)
        if settings.credential_process and not settings.keychain:  # keychain profiles run idc already
            companion = _companion_section(planned.name, settings)
            if companion.name in taken_outside:
                skipped.append(companion.name)
            else:
                new_sections[companion.name] = companion

    kept_stale: list[str] = []
    removed: list[str] = []
    stale_bases: set[str] = set()
    for section in old_sections:
        assignment = assignment_of(section)
        if assignment is None or assignment in current or section.name in new_sections:
            continue
        if settings.prune or section.name in taken_outside:
            removed.append(section.name)
        else:
            kept_stale.append(section.name)
            new_sections[section.name] = section
            stale_bases.add(section.name)
    for section in old_sections:
        base = section.companion_of
        if base is None or section.name in new_sections:
            continue
        if base in stale_bases and section.name not in taken_outside:
            new_sections[section.name] = section
        else:
            removed.append(section.name)

    ordered = sorted(new_sections.values(), key=lambda s: (s.name.casefold(), s.name))
    block = (
        "\n".join([_block_comment(settings), *(section.render() for section in ordered)]) if ordered else ""
    )
    added = sorted(name for name in new_sections if name not in old_by_name)
    updated = sorted(
        name for name, s in new_sections.items() if name in old_by_name and old_by_name[name] != s
    )
    unchanged = sum(1 for name, s in new_sections.items() if old_by_name.get(name) == s)
    removed += [s.name for s in old_sections if s.name not in new_sections and s.name not in removed]

    editor = ConfigEditor.from_text(config_file, old_text)
    editor.replace_block(settings.marker, block)
    new_text = editor.text()
    if not inside and not block:
        new_text, editor = old_text, ConfigEditor.from_text(config_file, old_text)  # nothing to add
    return PopulatePlan(
        config_file=config_file,
        old_text=old_text,
        new_text=new_text,
        marker=settings.marker,
        profiles=tuple(s.name for s in ordered),
        added=tuple(added),
        updated=tuple(updated),
        removed=tuple(sorted(set(removed))),
        kept_stale=tuple(sorted(kept_stale)),
        skipped=tuple(sorted(skipped)),
        unchanged=unchanged,
        options=tuple(settings.options.words()),
        option_changes=changes,
        editor=editor,
    )


def summary(
    plan: PopulatePlan, *, written: bool, dry_run: bool, listing: AccountListing
) -> dict[str, object]:
    """The JSON summary ``idc populate`` prints when its output is not a terminal."""
    return {
        "configFile": str(plan.config_file),
        "block": plan.marker,
        "dryRun": dry_run,
        "written": written,
        "accounts": len(listing.accounts),
        "roles": listing.role_count,
        "profiles": len(plan.profiles),
        "added": list(plan.added),
        "updated": list(plan.updated),
        "removed": list(plan.removed),
        "keptStale": list(plan.kept_stale),
        "skipped": list(plan.skipped),
        "unchanged": plan.unchanged,
        "options": list(plan.options),
        "optionsChanged": list(plan.option_changes),
        "listing": {
            "fromCache": listing.from_cache,
            "calls": listing.stats.calls,
            "throttled": listing.stats.throttled,
            "seconds": round(listing.stats.seconds, 3),
        },
    }


def read_config_text(config_file: Path) -> str:
    """The config file's text ('' when it does not exist yet), as the editor reads it."""
    from idc.config.editor import ConfigEditor

    return ConfigEditor(config_file).text()


def write_plan(plan: PopulatePlan) -> bool:
    """Write the new config text when it differs (atomic; refused if the file changed meanwhile).

    Returns True when the file was written; a plan that changes nothing never touches the file.
    """
    if not plan.changed:
        return False
    return plan.editor.save()


__all__ = [
    "COMPANION_SUFFIX",
    "DEFAULT_TEMPLATE",
    "TEMPLATE_FIELDS",
    "GivenOptions",
    "PlannedProfile",
    "PopulatePlan",
    "PopulateSettings",
    "Section",
    "normalise",
    "parse_sections",
    "plan_populate",
    "profile_names",
    "read_config_text",
    "section_name",
    "split_block",
    "summary",
    "validate_template",
    "write_plan",
]
