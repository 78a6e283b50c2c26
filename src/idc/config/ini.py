"""The INI dialect of ``~/.aws/config``, read exactly as botocore reads it, line by line.

botocore (``botocore.configloader.raw_config_parse``) uses ``configparser.RawConfigParser()`` with its
defaults, then parses nested blocks. This module reproduces that without importing ``configparser``
(and ``re`` with it: milliseconds on the credential hot path), and keeps every physical line so the
editor can change one section and leave every other byte alone. The rules, from CPython's
``RawConfigParser._read``:

- lines end at ``\\n``, ``\\r\\n`` or ``\\r`` (universal newlines);
- a line whose stripped text starts with ``#`` or ``;`` is a comment (no inline comments: ``a = b # c``
  has the value ``b # c``);
- a line indented deeper than the current option's line continues its value (``s3 =`` followed by
  indented ``key = value`` lines is a nested block); blank lines inside a value are kept, comments
  inside it are skipped;
- ``[name]`` opens a section: the header is everything between the first ``[`` and the *last* ``]``,
  text after that ``]`` is ignored; ``[DEFAULT]`` holds defaults for every section;
- ``key = value`` or ``key: value``: split at the first ``=`` or ``:``, key lower-cased and stripped,
  value stripped;
- a repeated section or a repeated key in one section, an option before any section, a line with no
  ``=``/``:`` or an empty key are errors (botocore: ``Unable to parse config file``).

A nested value (one starting with a newline) becomes a dict: each non-blank line split at its first
``=``, both sides stripped (keys keep their case); a line without ``=`` is an error.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    Value = str | dict[str, str]

DEFAULT_SECTION = "DEFAULT"

# Line kinds produced by scan()
BLANK = "blank"
COMMENT = "comment"
HEADER = "header"
OPTION = "option"
CONTINUATION = "continuation"


class IniSyntaxError(ValueError):
    """A line botocore would refuse; ``lineno`` counts from 1."""

    def __init__(self, lineno: int, reason: str) -> None:
        super().__init__(f"line {lineno}: {reason}")
        self.lineno = lineno
        self.reason = reason


def split_lines(text: str) -> list[str]:
    """Physical lines with their endings (``\\n``, ``\\r\\n`` or ``\\r``), as universal newlines reads.

    ``str.splitlines`` is not used: it also breaks at form feeds, ``\\x1c``-``\\x1e``, ``\\x85`` and
    U+2028/9, which configparser keeps inside a line.
    """
    if "\r" not in text:
        lines = text.split("\n")
        last = lines.pop()
        out = [line + "\n" for line in lines]
        if last:
            out.append(last)
        return out
    out = []
    start = 0
    length = len(text)
    i = 0
    while i < length:
        ch = text[i]
        if ch == "\n":
            out.append(text[start : i + 1])
            start = i + 1
        elif ch == "\r":
            end = i + 2 if i + 1 < length and text[i + 1] == "\n" else i + 1
            out.append(text[start:end])
            start = end
            i = end - 1
        i += 1
    if start < length:
        out.append(text[start:])
    return out


def strip_eol(line: str) -> str:
    if line.endswith("\r\n"):
        return line[:-2]
    if line.endswith(("\n", "\r")):
        return line[:-1]
    return line


def header_name(stripped: str) -> str | None:
    """The section name of a header line (``SECTCRE``: ``\\[(?P<header>.+)\\]`` matched at the start)."""
    if stripped.startswith("["):
        end = stripped.rfind("]")
        if end > 1:
            return stripped[1:end]
    return None


def split_option(stripped: str) -> tuple[str, str] | None:
    """``(key, value)`` of an option line (``OPTCRE``: first ``=`` or ``:``); None when it has neither."""
    eq = stripped.find("=")
    colon = stripped.find(":")
    if eq < 0:
        at = colon
    elif colon < 0:
        at = eq
    else:
        at = min(eq, colon)
    if at < 0:
        return None
    return stripped[:at].rstrip().lower(), stripped[at + 1 :].strip()


def is_comment(stripped: str) -> bool:
    return stripped.startswith(("#", ";"))


class ScannedLine:
    """One physical line and what configparser makes of it."""

    __slots__ = ("kind", "option", "section", "text", "value")

    def __init__(self, kind: str, text: str, section: str | None, option: str | None, value: str) -> None:
        self.kind = kind  # BLANK, COMMENT, HEADER, OPTION or CONTINUATION
        self.text = text  # the physical line, ending included
        self.section = section  # the section it belongs to (for HEADER: the one it opens)
        self.option = option  # OPTION/CONTINUATION (and BLANK/COMMENT inside a value): the key
        self.value = value  # OPTION: the value on the line; CONTINUATION: the stripped line


def scan(text: str) -> list[ScannedLine]:
    """Classify every physical line of ``text`` exactly as ``RawConfigParser._read`` does.

    Raises IniSyntaxError for the first line configparser refuses (duplicates included).
    """
    out: list[ScannedLine] = []
    seen: set[object] = set()
    section: str | None = None
    option: str | None = None
    indent_level = 0
    for lineno, line in enumerate(split_lines(text), start=1):
        body = strip_eol(line)
        stripped = body.strip()
        if not stripped or is_comment(stripped):
            kind = COMMENT if stripped else BLANK
            out.append(ScannedLine(kind, line, section, option, ""))
            continue
        indent = len(body) - len(body.lstrip())
        if section is not None and option and indent > indent_level:
            out.append(ScannedLine(CONTINUATION, line, section, option, stripped))
            continue
        indent_level = indent
        name = header_name(stripped)
        if name is not None:
            if name != DEFAULT_SECTION:
                if name in seen:
                    raise IniSyntaxError(lineno, f"section [{name}] appears twice")
                seen.add(name)
            section, option = name, None
            out.append(ScannedLine(HEADER, line, name, None, ""))
            continue
        if section is None:
            raise IniSyntaxError(lineno, "a setting before the first [section]")
        pair = split_option(stripped)
        if pair is None:
            raise IniSyntaxError(lineno, "not a section header, comment or 'key = value' line")
        key, value = pair
        if not key:
            raise IniSyntaxError(lineno, "a setting with no name")
        if (section, key) in seen:
            raise IniSyntaxError(lineno, f"{key!r} is set twice in [{section}]")
        seen.add((section, key))
        option = key
        out.append(ScannedLine(OPTION, line, section, key, value))
    return out


def section_headers(text: str) -> list[str]:
    """The section names of ``text`` in file order, lines classified as :func:`scan` does.

    Only the headers are looked at (no duplicate or syntax checks): fast on a config of thousands of
    profiles, for shell completion.
    """
    names: list[str] = []
    option_open = False
    indent_level = 0
    for line in split_lines(text):
        body = strip_eol(line)
        stripped = body.strip()
        if not stripped or is_comment(stripped):
            continue
        indent = len(body) - len(body.lstrip())
        if option_open and indent > indent_level:
            continue  # a continuation line, even one that looks like a header
        indent_level = indent
        name = header_name(stripped)
        if name is not None:
            names.append(name)
            option_open = False
        else:
            option_open = bool(names)
    return names


def parse_nested(value: str, where: str) -> dict[str, str]:
    """botocore ``_parse_nested``: each non-blank line split at its first ``=`` (``where`` for errors)."""
    parsed = {}
    for line in value.splitlines():
        line = line.strip()
        if not line:
            continue
        key, sep, rest = line.partition("=")
        if not sep:
            raise ValueError(f"nested setting {where} has a line without '='")
        parsed[key.strip()] = rest.strip()
    return parsed


def parse(text: str) -> dict[str, dict[str, Value]]:
    """``raw_config_parse``: section name -> {key: value or nested dict}, in file order.

    ``[DEFAULT]`` values are merged into every section (``RawConfigParser.options``/``get``) and the
    DEFAULT section itself is not returned, as ``cp.sections()`` leaves it out. The same rules as
    :func:`scan` in one tight loop (the credential hot path parses configs of thousands of profiles);
    the tests hold the two, and configparser, to the same answers.
    """
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    raw: dict[str, dict[str, list[str]]] = {}
    defaults: dict[str, list[str]] = {}
    seen: set[object] = set()
    current: dict[str, list[str]] | None = None
    section = ""
    parts: list[str] | None = None  # the value lines of the current option
    indent_level = 0
    lineno = 0
    for line in text.split("\n"):
        lineno += 1
        stripped = line.strip()
        if not stripped:
            if parts is not None:
                parts.append("")
            continue
        first = stripped[0]
        if first == "#" or first == ";":
            continue
        indent = len(line) - len(line.lstrip()) if line[0].isspace() else 0
        if parts is not None and indent > indent_level:
            parts.append(stripped)
            continue
        indent_level = indent
        if first == "[":
            end = stripped.rfind("]")
            if end > 1:
                section = stripped[1:end]
                if section == DEFAULT_SECTION:
                    current = defaults
                else:
                    if section in seen:
                        raise IniSyntaxError(lineno, f"section [{section}] appears twice")
                    seen.add(section)
                    current = raw[section] = {}
                parts = None
                continue
        if current is None:
            raise IniSyntaxError(lineno, "a setting before the first [section]")
        pair = split_option(stripped)
        if pair is None:
            raise IniSyntaxError(lineno, "not a section header, comment or 'key = value' line")
        key, value = pair
        if not key:
            raise IniSyntaxError(lineno, "a setting with no name")
        if (section, key) in seen:
            raise IniSyntaxError(lineno, f"{key!r} is set twice in [{section}]")
        seen.add((section, key))
        parts = current[key] = [value]
    result: dict[str, dict[str, Value]] = {}
    joined_defaults = {k: "\n".join(v).rstrip() for k, v in defaults.items()}
    for name, options in raw.items():
        section_values: dict[str, Value] = {}
        merged = {
            **joined_defaults,
            **{k: "\n".join(v).rstrip() if len(v) > 1 else v[0] for k, v in options.items()},
        }
        for key, value in merged.items():
            if value.startswith("\n"):
                section_values[key] = parse_nested(value, f"{key!r} in [{name}]")
            else:
                section_values[key] = value
        result[name] = section_values
    return result


_SHLEX_SPECIAL = frozenset("\"'\\")
_SHLEX_SPACE = " \t\r\n"


def shlex_split(text: str) -> list[str]:
    """``shlex.split(text)``; plain names are split without importing ``shlex`` (which loads ``re``)."""
    if _SHLEX_SPECIAL.isdisjoint(text):
        for ch in "\t\r\n":
            text = text.replace(ch, " ")
        return [part for part in text.split(" ") if part]
    import shlex

    return shlex.split(text)


def profile_section_name(section: str, prefix: str) -> str | None:
    """botocore's ``_parse_section``: ``[profile NAME]`` -> NAME when ``shlex.split`` gives 2 words.

    Only ``section.startswith(prefix)`` is checked, as botocore does; anything else is None.
    """
    if not section.startswith(prefix):
        return None
    try:
        parts = shlex_split(section)
    except ValueError:
        return None
    return parts[1] if len(parts) == 2 else None
