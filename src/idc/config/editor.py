"""A careful line editor for ``~/.aws/config``: every byte outside the lines it touches stays as it was.

It sees the file as :func:`idc.config.ini.scan` sees it (configparser's rules, so as botocore reads it)
and edits physical lines:

- ``set_section(kind, name, values)`` sets keys in place in the section botocore uses (the last one of
  that name): a key's line keeps its indentation, spelling and ``=``/``:`` spacing and only its value
  changes; a key set to None is removed; new keys go after the section's last setting; a section that
  does not exist is appended;
- ``remove_section(kind, name)`` removes every section botocore would read under that name, keeping the
  comments and blank lines that follow it (they usually introduce the next section);
- ``set_comment(kind, name, marker, text)`` keeps one ``# <marker> <text>`` line under a section's
  header (why idc wrote the section that way);
- ``replace_block(marker, text)`` replaces what lies between ``# BEGIN <marker>`` and ``# END <marker>``
  (appending the block when there is none), for generated profiles;
- ``text()`` is the new content; ``save()`` writes it atomically (temp + fsync + rename: an interrupted
  write or a full disk leaves the old file or the new one, never an empty one), keeps the file's mode,
  writes through a symlinked config file to its target (dotfile setups), and refuses to overwrite a
  file that changed since it was read.

Line endings (LF, CRLF, CR), a missing final newline, comments, nested ``s3 =`` blocks, ``[services]``
and ``[sso-session]`` sections all survive. Names and values with line breaks are refused without
echoing the value (:mod:`idc.config.section_syntax`: it may be a secret pasted in the wrong place).
After each change the new text is parsed again and must read back, through botocore's rules, with
exactly the values that were set.
"""

from __future__ import annotations

import os
import sys
import time

from idc.config import ini
from idc.config.section_syntax import (
    BREAKS,
    check_key,
    check_name,
    check_value,
    classify,
    section_header,
    section_key,
)
from idc.errors import ConfigError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping


def _fail(message: str, hint: str | None = None) -> ConfigError:
    return ConfigError(message, hint=hint)


def _lock_current_file(target: str, timeout: float, shown: str) -> int | None:
    """flock the inode that is at ``target`` now (retrying when it is replaced while we wait).

    Returns the descriptor holding the lock (close it to release), or None when there is no file yet
    or no flock (Windows). Other tools do not take this lock; it orders idc's own writers.
    """
    if sys.platform == "win32":
        return None
    import fcntl

    deadline = time.monotonic() + timeout
    while True:
        try:
            fd = os.open(target, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
        except FileNotFoundError:
            return None
        except OSError:
            return None  # unreadable: the write itself will say why
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    os.close(fd)
                    raise _fail(
                        f"Timed out after {timeout:g} s waiting for another idc process writing {shown}.",
                        "Wait for it to finish and run the command again.",
                    ) from None
                time.sleep(0.02)
        try:
            now_there = os.stat(target)
            mine = os.fstat(fd)
            if (now_there.st_dev, now_there.st_ino) == (mine.st_dev, mine.st_ino):
                return fd
        except FileNotFoundError:
            pass
        os.close(fd)  # replaced while we waited: lock the file that is there now


class _Section:
    """Where one section sits: its header line and the last line holding one of its settings."""

    __slots__ = ("end", "header_name", "options", "start")

    def __init__(self, start: int, header_name: str) -> None:
        self.start = start  # index of the header line
        self.end = start  # index of the last OPTION/CONTINUATION line (or the header)
        self.header_name = header_name
        self.options: dict[str, tuple[int, int]] = {}  # key -> (first line, last line)


class ConfigEditor:
    """Edit the AWS config file at ``path`` (missing: empty) byte-exactly; ``save()`` to write."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = os.fspath(path)
        try:
            with open(self.path, "rb") as handle:
                original: bytes | None = handle.read()
        except FileNotFoundError:
            original = None
        except OSError as exc:
            raise _fail(f"Cannot read the config file {self.path}: {exc.strerror}.") from None
        self._original = original
        self._lines = ini.split_lines((original or b"").decode("utf-8", "surrogateescape"))
        self._scan()

    @classmethod
    def from_text(cls, path: str | os.PathLike[str], text: str) -> ConfigEditor:
        """An editor over ``text``, the content the caller read from ``path`` (``save()`` checks it)."""
        editor = cls.__new__(cls)
        editor.path = os.fspath(path)
        editor._original = text.encode("utf-8", "surrogateescape") if text else None
        editor._lines = ini.split_lines(text)
        editor._scan()
        return editor

    # --- reading -----------------------------------------------------------------------------------

    def text(self) -> str:
        return "".join(self._lines)

    def newline(self) -> str:
        """The file's line ending (of its first line; ``\\n`` for a new file)."""
        for line in self._lines:
            for ending in ("\r\n", "\n", "\r"):
                if line.endswith(ending):
                    return ending
        return "\n"

    def has_section(self, kind: str, name: str) -> bool:
        return section_key(kind, name) in self._effective

    def section_values(self, kind: str, name: str) -> dict[str, str] | None:
        """The single-line values of the section botocore uses, or None when there is none."""
        section = self._effective.get(section_key(kind, name))
        if section is None:
            return None
        values = ini.parse("".join(self._lines)).get(section.header_name, {})  # botocore's view
        return {k: v for k, v in values.items() if isinstance(v, str)}

    # --- editing -----------------------------------------------------------------------------------

    def set_section(self, kind: str, name: str, values: Mapping[str, str | None]) -> None:
        """Set (or, with None, remove) keys of a section, creating the section when it is missing."""
        if kind == "default":
            name = "default"
        check_name(kind, name)
        for key, value in values.items():
            check_key(key)
            if value is not None:
                check_value(key, value)
        saved = list(self._lines)
        try:
            section = self._effective.get(section_key(kind, name))
            if section is None:
                self._append_section(kind, name, {k: v for k, v in values.items() if v is not None})
            else:
                self._update_section(section, values)
            self._verify(kind, name, values)
        except BaseException:
            self._restore(saved)
            raise

    def set_comment(self, kind: str, name: str, marker: str, text: str | None) -> None:
        """Make ``# {marker} {text}`` the first line under the section's header (one such line: an
        older one starting with ``# {marker}`` goes); ``text`` None removes it. No-op without section."""
        if kind == "default":
            name = "default"
        section = self._effective.get(section_key(kind, name))
        if section is None:
            return
        following = [s.start for s in self._sections if s.start > section.start]
        stop = min(following) if following else len(self._lines)
        prefix = f"# {marker}"
        for index in range(stop - 1, section.start, -1):
            if self._lines[index].lstrip().startswith(prefix):
                del self._lines[index]
        if text is not None:
            line = f"{prefix} {text}"
            if any(c in line for c in "\r\n\x00"):
                raise _fail("A comment cannot contain a line break.")
            self._lines.insert(section.start + 1, line + self._line_ending(section.start))
        self._scan()

    def remove_section(self, kind: str, name: str) -> bool:
        """Remove every section botocore reads as this profile/session; False when there was none."""
        if kind == "default":
            name = "default"
        key = section_key(kind, name)
        doomed = [s for s in self._sections if classify(s.header_name) == key]
        saved = list(self._lines)
        try:
            for section in reversed(doomed):  # bottom up: earlier line numbers stay valid
                del self._lines[section.start : section.end + 1]
                self._tidy_blank_lines(section.start)
            self._scan()
        except BaseException:
            self._restore(saved)
            raise
        return bool(doomed)

    def replace_block(self, marker: str, text: str) -> None:
        """Replace the lines between ``# BEGIN <marker>`` and ``# END <marker>`` with ``text``.

        Without such a block, the block is appended at the end of the file. ``text`` uses ``\\n``
        line endings; they are written in the file's style.
        """
        if any(ch in BREAKS for ch in marker) or not marker.strip():
            raise ValueError("a block marker is one non-empty line")
        begin_text, end_text = f"# BEGIN {marker}", f"# END {marker}"
        newline = self.newline()
        inner = [line.rstrip("\r\n") + newline for line in ini.split_lines(text)] if text else []
        for line in inner:
            if line.strip() in (begin_text, end_text):
                raise ValueError("the block text contains its own marker lines")
        saved = list(self._lines)
        try:
            self._replace_block(begin_text, end_text, inner)
        except BaseException:
            self._restore(saved)
            raise

    def _replace_block(self, begin_text: str, end_text: str, inner: list[str]) -> None:
        begin = next((i for i, line in enumerate(self._lines) if line.strip() == begin_text), None)
        if begin is None:
            self._append_lines(["", begin_text, *(line.rstrip("\r\n") for line in inner), end_text])
        else:
            end = next(
                (i for i in range(begin + 1, len(self._lines)) if self._lines[i].strip() == end_text), None
            )
            if end is None:
                raise _fail(
                    f"The config file {self.path} has a '{begin_text}' line but no '{end_text}' line.",
                    f"Add the '{end_text}' line where the block ends (or remove the block), then run again.",
                )
            self._lines[begin + 1 : end] = inner
        self._scan()

    # --- writing -----------------------------------------------------------------------------------

    def save(self, *, lock_timeout: float = 10.0) -> bool:
        """Write the new text atomically if it changed; False when there was nothing to write.

        While it checks and replaces the file it holds ``flock`` on the file's current inode, so two
        idc processes saving at once cannot lose an update: the second sees the first's change and
        refuses (run the command again) instead of overwriting it.
        """
        new = self.text().encode("utf-8", "surrogateescape")
        if new == (self._original or b""):
            return False
        from idc.config.writable import ensure_writable

        # What the wizard checks before its first question, checked again by every writer (populate,
        # a vanity start URL's Region): one failure, one message, one exit code (CacheError, 7).
        ensure_writable(self.path, unchanged="nothing was changed")
        target = os.path.realpath(self.path)  # a symlinked config (dotfiles) stays a symlink
        held = _lock_current_file(target, lock_timeout, self.path)
        try:
            self._write_if_unchanged(target, new)
        finally:
            if held is not None:
                os.close(held)  # releases the flock
        self._original = new
        return True

    def _write_if_unchanged(self, target: str, new: bytes) -> None:
        from idc.errors import CacheError
        from idc.storage import fileio

        try:
            with open(target, "rb") as handle:
                current: bytes | None = handle.read()
        except FileNotFoundError:
            current = None
        except OSError as exc:
            raise _fail(f"Cannot read the config file {self.path}: {exc.strerror}.") from None
        if (current or b"") != (self._original or b""):
            raise _fail(
                f"The config file {self.path} changed while idc was editing it; nothing was written.",
                "Run the command again.",
            )
        try:
            mode = os.stat(target).st_mode & 0o7777 if current is not None else 0o600
        except OSError:
            mode = 0o600
        try:
            fileio.atomic_write_bytes(target, new, mode=mode, private_dir=False)
        except CacheError as exc:  # exit 7, as ensure_writable's: the file, not its content, is at fault
            raise CacheError(
                exc.message, hint="Nothing was changed; free some space or fix the permissions."
            ) from None

    # --- internals ---------------------------------------------------------------------------------

    def _restore(self, lines: list[str]) -> None:
        self._lines = lines
        self._scan()

    def _scan(self) -> None:
        try:
            scanned = ini.scan("".join(self._lines))
        except ini.IniSyntaxError as exc:
            raise _fail(
                f"Unable to parse config file: {self.path} (line {exc.lineno}: {exc.reason}).",
                f"Fix line {exc.lineno} of {self.path}, then run the command again.",
            ) from None
        sections: list[_Section] = []
        current: _Section | None = None
        for index, line in enumerate(scanned):
            if line.kind == ini.HEADER:
                assert line.section is not None
                current = _Section(index, line.section)
                sections.append(current)
            elif current is not None and line.kind in (ini.OPTION, ini.CONTINUATION):
                assert line.option is not None
                current.end = index
                if line.kind == ini.OPTION:
                    current.options[line.option] = (index, index)
                else:
                    first, _ = current.options[line.option]
                    current.options[line.option] = (first, index)
        self._sections = sections
        self._effective: dict[tuple[str, str], _Section] = {}
        for section in sections:  # a later section of the same name wins, as in botocore
            key = classify(section.header_name)
            if key is not None:
                self._effective[key] = section

    def _update_section(self, section: _Section, values: Mapping[str, str | None]) -> None:
        edits: list[tuple[int, int, list[str]]] = []
        additions: list[str] = []
        indent = self._option_indent(section)
        for key, value in values.items():
            span = section.options.get(key)
            if span is None:
                if value is not None:
                    additions.append(f"{indent}{key} = {value}" if value else f"{indent}{key} =")
                continue
            first, last = span
            replacement = [] if value is None else [self._replace_value(self._lines[first], value)]
            edits.append((first, last, replacement))
        for first, last, replacement in sorted(edits, key=lambda e: e[0], reverse=True):
            self._lines[first : last + 1] = replacement  # bottom up: earlier line numbers stay valid
        self._scan()
        if not additions:
            return
        section = next(s for s in self._sections if s.start == section.start)
        at = section.end + 1
        if at >= len(self._lines):
            self._append_lines(additions, separate=False)
        else:
            newline = self._line_ending(section.start)
            self._lines[at:at] = [line + newline for line in additions]
        self._scan()

    @staticmethod
    def _replace_value(line: str, value: str) -> str:
        """The same option line with a new value: indentation, key spelling and delimiter kept."""
        body = ini.strip_eol(line)
        ending = line[len(body) :]
        eq, colon = body.find("="), body.find(":")
        at = min(i for i in (eq, colon) if i >= 0)
        after = body[at + 1 :]
        gap = after[: len(after) - len(after.lstrip())]
        if value and not gap and not after:
            gap = " "
        return body[: at + 1] + (gap if value else "") + value + ending

    def _option_indent(self, section: _Section) -> str:
        if section.options:
            first = min(start for start, _ in section.options.values())
            body = self._lines[first]
            return body[: len(body) - len(body.lstrip())]
        return ""

    def _line_ending(self, index: int) -> str:
        line = self._lines[index]
        body = ini.strip_eol(line)
        return line[len(body) :] or self.newline()

    def _append_section(self, kind: str, name: str, values: Mapping[str, str]) -> None:
        lines = [section_header(kind, name)]
        lines += [f"{key} = {value}" if value else f"{key} =" for key, value in values.items()]
        self._append_lines(["", *lines] if self._lines else lines)
        self._scan()

    def _append_lines(self, lines: list[str], *, separate: bool = True) -> None:
        """Append lines at the end; a file without a final newline keeps not having one."""
        newline = self.newline()
        had_final_newline = not self._lines or self._lines[-1].endswith(("\n", "\r"))
        if self._lines and not had_final_newline:
            self._lines[-1] += newline
        if separate and lines and lines[0] == "" and (not self._lines or not self._lines[-1].strip()):
            lines = lines[1:]  # the file already ends with a blank line (or is empty)
        new = [line + newline for line in lines]
        if new and not had_final_newline:
            new[-1] = new[-1][: -len(newline)]
        self._lines.extend(new)

    def _tidy_blank_lines(self, at: int) -> None:
        """After removing lines at ``at``: do not leave two blank lines where there was one."""
        before_blank = at > 0 and not self._lines[at - 1].strip()
        after_blank = at < len(self._lines) and not self._lines[at].strip()
        if before_blank and after_blank:
            del self._lines[at]
        elif before_blank and at == len(self._lines):
            del self._lines[at - 1]

    def _verify(self, kind: str, name: str, values: Mapping[str, str | None]) -> None:
        """The new text must read back (botocore's rules) with exactly the values that were set."""
        try:
            got = self.section_values(kind, name)
        except ValueError:
            got = None
        for key, value in values.items():
            want = None if value is None else value.strip()
            if got is not None and got.get(key) == want:
                continue
            if value is None and self._default_section_has(key):
                raise _fail(
                    f"{key} comes from the [DEFAULT] section of {self.path}, which applies to every section.",
                    f"Remove {key} from [DEFAULT] in {self.path}.",
                )
            raise RuntimeError(f"internal error: {key} would not read back as set; nothing was changed")

    def _default_section_has(self, key: str) -> bool:
        lines = ini.scan("".join(self._lines))
        return any(
            line.kind == ini.OPTION and line.section == ini.DEFAULT_SECTION and line.option == key
            for line in lines
        )
