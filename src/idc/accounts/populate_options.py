"""The options an ``idc populate`` block was written with, kept in its header for the next run.

The block's header says how it was written, as the options to type::

    # idc populate options: --template '{account_name}.{role_name}' --region eu-west-1 --credential-process

Every option that shapes a profile's name or keys is on that line: ``--template``, ``--lowercase``,
``--region``, ``--output`` and ``--credential-process``. A later run starts from them, so a bare
``idc populate --sso-session S`` writes the same block again (scripts keep their ``-cp`` profiles and
``region`` lines). Giving an option again replaces its value; ``--no-lowercase``, ``--no-region``,
``--no-output`` and ``--no-credential-process`` drop one; ``--dry-run`` shows the change, and the
summary names it. ``--prune`` is an action of one run, never remembered.

A block written before idc kept this line has its options read back from its profiles: the ``region``
and ``output`` its profiles have, ``-cp`` companions, and ``--lowercase`` when every name is in
lowercase though the role names are not. Its template cannot be read back: a block made with another
``--template`` needs it given once more.
"""

from __future__ import annotations

import shlex
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields

from idc.accounts.populate_block import Section, assignment_of, parse_sections
from idc.errors import ConfigError

DEFAULT_TEMPLATE = "{account_name}.{role_name}"
OUTPUT_FORMATS = ("json", "text", "table", "yaml", "yaml-stream")
OPTIONS_PREFIX = "# idc populate options:"
COMPANION_SUFFIX = "-cp"


@dataclass(frozen=True)
class BlockOptions:
    """The options that shape the block's profiles (what its header remembers)."""

    template: str = DEFAULT_TEMPLATE
    lowercase: bool = False
    region: str | None = None
    output: str | None = None
    credential_process: bool = False

    def words(self) -> list[str]:
        """These options as command-line words, in the order ``--help`` lists them."""
        words = ["--template", self.template]
        if self.lowercase:
            words.append("--lowercase")
        if self.region:
            words += ["--region", self.region]
        if self.output:
            words += ["--output", self.output]
        if self.credential_process:
            words.append("--credential-process")
        return words

    def header_line(self) -> str:
        return f"{OPTIONS_PREFIX} {shlex.join(self.words())}"


@dataclass(frozen=True)
class GivenOptions:
    """The options on this run's command line; None: not given (the block's own value stays).

    ``region`` and ``output`` are "" for ``--no-region`` / ``--no-output`` (drop the key).
    """

    template: str | None = None
    lowercase: bool | None = None
    region: str | None = None
    output: str | None = None
    credential_process: bool | None = None


def merged(base: BlockOptions, given: GivenOptions) -> BlockOptions:
    """``base`` with every option ``given`` replacing its value ("" dropping region and output)."""
    values = {
        f.name: getattr(base, f.name) if getattr(given, f.name) is None else getattr(given, f.name)
        for f in fields(BlockOptions)
    }
    values["region"] = values["region"] or None
    values["output"] = values["output"] or None
    return BlockOptions(**values)


def option_changes(old: BlockOptions, new: BlockOptions) -> tuple[str, ...]:
    """What differs, one entry per option, as the words to type: ``--region eu-west-1 -> --no-region``."""

    def said(name: str, value: object) -> str:
        flag = "--" + name.replace("_", "-")
        if isinstance(value, bool):
            return flag if value else f"--no-{flag[2:]}"
        return f"{flag} {shlex.quote(str(value))}" if value else f"--no-{flag[2:]}"

    return tuple(
        f"{said(f.name, getattr(old, f.name))} -> {said(f.name, getattr(new, f.name))}"
        for f in fields(BlockOptions)
        if getattr(old, f.name) != getattr(new, f.name)
    )


def remembered_options(inside: Sequence[str] | None) -> BlockOptions | None:
    """The options of the block whose lines are ``inside``; None when there is no block.

    Its header line when it has one, else what its profiles show (a block from before that line).
    """
    if inside is None:
        return None
    for line in inside:
        text = line.strip()
        if text.startswith("["):
            break
        if text.startswith(OPTIONS_PREFIX):
            return _parsed(text[len(OPTIONS_PREFIX) :])
    return _inferred(parse_sections(inside))


def _parsed(text: str) -> BlockOptions:
    def refused(why: str) -> ConfigError:
        return ConfigError(
            f"The '{OPTIONS_PREFIX}' line of the idc populate block {why}.",
            hint="Fix or delete that line (without it the options are read from the profiles), "
            "or give the options again.",
        )

    try:
        words = shlex.split(text)
    except ValueError as error:
        raise refused(f"cannot be read ({error})") from None
    values: dict[str, object] = {}
    flags = {"--lowercase": "lowercase", "--credential-process": "credential_process"}
    valued = {"--template": "template", "--region": "region", "--output": "output"}
    position = 0
    while position < len(words):
        word = words[position]
        if word in flags:
            values[flags[word]] = True
        elif word in valued and position + 1 < len(words):
            position += 1
            values[valued[word]] = words[position]
        else:
            raise refused(f"has {word!r}, which is not a populate option")
        position += 1
    options = BlockOptions(
        template=str(values.get("template", DEFAULT_TEMPLATE)),
        lowercase=bool(values.get("lowercase", False)),
        region=str(values["region"]) if "region" in values else None,
        output=str(values["output"]) if "output" in values else None,
        credential_process=bool(values.get("credential_process", False)),
    )
    if options.region is not None and _invalid_region(options.region):
        raise refused(f"has --region {shlex.quote(options.region)}, which is not a Region name")
    if options.output is not None and options.output not in OUTPUT_FORMATS:
        raise refused(f"has --output {shlex.quote(options.output)}, not one of {', '.join(OUTPUT_FORMATS)}")
    return options


def _most_common(values: Iterable[str | None]) -> str | None:
    counted = Counter(values).most_common(1)
    return counted[0][0] if counted else None


def _inferred(sections: Sequence[Section]) -> BlockOptions:
    """The options a block without an options line was most likely written with (see the docstring)."""
    bases = [s for s in sections if assignment_of(s) is not None]
    names = {s.name for s in bases}
    companions = any(s.companion_of in names for s in sections if s.name.endswith(COMPANION_SUFFIX))
    roles = [assignment[1] for s in bases if (assignment := assignment_of(s)) is not None]
    lowercase = (
        bool(bases)
        and all(s.name == s.name.lower() for s in bases)
        and any(role != role.lower() for role in roles)
    )
    region = _most_common(s.get("region") for s in bases)
    output = _most_common(s.get("output") for s in bases)
    return BlockOptions(
        lowercase=lowercase,
        region=region if region and not _invalid_region(region) else None,
        output=output if output in OUTPUT_FORMATS else None,
        credential_process=companions,
    )


def _invalid_region(region: str) -> bool:
    from idc.config import region_problem

    return region_problem(region) is not None
