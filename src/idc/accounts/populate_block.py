"""The text of an ``idc populate`` block: finding it between its marker lines, and its sections.

Read with botocore's rules for section headers (``[profile NAME]``, ``[default]``); comments, blank
lines and nested values are skipped. :mod:`idc.accounts.populate` writes the block,
:mod:`idc.accounts.populate_options` reads the options line of its header.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable
from dataclasses import dataclass

from idc.errors import ConfigError

_HEADER = re.compile(r"^\s*\[(?P<section>[^\]]*)\]\s*(?:[#;].*)?$")
_KEY_VALUE = re.compile(r"^(?P<key>[^=\s][^=]*?)\s*=\s*(?P<value>.*?)\s*$")


@dataclass(frozen=True)
class Section:
    """A ``[profile NAME]`` section of the block: its name and ``key = value`` lines in order."""

    name: str
    values: tuple[tuple[str, str], ...]

    def get(self, key: str) -> str | None:
        return next((v for k, v in self.values if k == key), None)

    def render(self) -> str:
        header = f"[profile {self.name}]"
        return "\n".join([header, *(f"{k} = {v}" for k, v in self.values)]) + "\n"

    @property
    def companion_of(self) -> str | None:
        """The base profile a ``credential_process`` companion runs, else None."""
        command = self.get("credential_process")
        if not command or self.get("sso_account_id") or self.get("idc_sso_account_id"):
            return None
        try:
            words = shlex.split(command)
        except ValueError:
            return None
        if "--profile" in words[:-1]:
            return words[words.index("--profile") + 1]
        return None


def section_name(header: str) -> str | None:
    """The profile name of a section header's inside text (botocore's rules), None if not a profile."""
    text = header.strip()
    if text == "default":
        return "default"
    if not text.startswith("profile"):
        return None
    try:
        parts = shlex.split(text)
    except ValueError:
        return None
    if len(parts) == 2 and parts[0] == "profile":
        return parts[1]
    return None


def parse_sections(lines: Iterable[str]) -> list[Section]:
    """The profile sections in ``lines`` (comments, blank lines and nested values ignored)."""
    sections: list[Section] = []
    name: str | None = None
    values: list[tuple[str, str]] = []
    for raw in lines:
        line = raw.rstrip("\r\n")
        header = _HEADER.match(line)
        if header:
            if name is not None:
                sections.append(Section(name, tuple(values)))
            name, values = section_name(header.group("section")), []
            continue
        stripped = line.strip()
        if name is None or not stripped or stripped[0] in "#;" or line[:1].isspace():
            continue
        pair = _KEY_VALUE.match(stripped)
        if pair:
            values.append((pair.group("key").strip(), pair.group("value")))
    if name is not None:
        sections.append(Section(name, tuple(values)))
    return sections


def split_block(text: str, marker: str) -> tuple[list[str], list[str] | None]:
    """(lines outside the block, lines inside it or None when there is no block), keeping line ends."""
    lines = text.splitlines(keepends=True)
    begin, end = f"# BEGIN {marker}", f"# END {marker}"
    start = next((i for i, line in enumerate(lines) if line.strip() == begin), None)
    if start is None:
        return lines, None
    stop = next((i for i in range(start + 1, len(lines)) if lines[i].strip() == end), None)
    if stop is None:
        raise ConfigError(
            f"The config file has '{begin}' but no '{end}' line.",
            hint=f"Add the '{end}' line where the generated profiles end (or remove the block), then re-run.",
        )
    return lines[:start] + lines[stop + 1 :], lines[start + 1 : stop]


def assignment_of(section: Section) -> tuple[str, str] | None:
    account = section.get("sso_account_id") or section.get("idc_sso_account_id")
    role = section.get("sso_role_name") or section.get("idc_sso_role_name")
    return (account, role) if account and role else None
