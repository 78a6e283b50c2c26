"""What the demo prints and reports: numbered steps, the commands' output indented under them, the outcome.

:class:`Steps` prints each step's header (and the command a user would type), the check mark of a step
that worked, and makes the :class:`DemoFailed` that names the step that did not; :class:`DemoReport`
is what :func:`idc.demo.story.run_demo` returns.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TextIO

from idc.errors import IdcError


class DemoFailed(IdcError):
    """A step of the demo did not do what it should have (exit status: the underlying error's, or 1)."""

    def __init__(self, message: str, *, cause: IdcError | None = None) -> None:
        super().__init__(message, hint=cause.hint if cause is not None else None)
        if cause is not None:
            self.exit_status = cause.exit_status


@dataclass
class DemoReport:
    """What the demo did: the steps that worked and how long the whole story took."""

    profile: str = ""
    steps: list[str] = field(default_factory=list)
    seconds: float = 0.0


class Indented:
    """A text stream that indents what the commands print, so the transcript stands under its step."""

    def __init__(self, out: TextIO, prefix: str = "    ") -> None:
        self._out = out
        self._prefix = prefix
        self._at_line_start = True

    def write(self, text: str) -> int:
        for piece in text.splitlines(keepends=True):
            if self._at_line_start and piece.strip():
                self._out.write(self._prefix)
            self._out.write(piece)
            self._at_line_start = piece.endswith("\n")
        return len(text)

    def flush(self) -> None:
        self._out.flush()

    def isatty(self) -> bool:
        return False


class Steps:
    """Numbered step headers, and the failure that names the step."""

    def __init__(
        self, out: TextIO, total: int, report: DemoReport, check: Callable[[], None] = lambda: None
    ) -> None:
        from rich.console import Console

        self._check = check
        self._console = Console(file=out, highlight=False, soft_wrap=True)
        self._total = total
        self._number = 0
        self._report = report
        self.transcript = Indented(out)
        self.title = ""

    def start(self, title: str, command: str | None = None) -> None:
        self._check()  # a signal that arrived during the last step ends the demo here at the latest
        self._number += 1
        self.title = title
        from rich.markup import escape

        self._console.print(f"\n[bold]{self._number}/{self._total}  {escape(title)}[/bold]")
        if command:
            self._console.print(f"    [dim]$[/dim] [cyan]{escape(command)}[/cyan]")

    def ok(self, detail: str) -> None:
        from rich.markup import escape

        self._console.print(f"    [green]✓[/green] {escape(detail)}")
        self._report.steps.append(self.title)

    def fail(self, reason: str, cause: IdcError | None = None) -> DemoFailed:
        return DemoFailed(f"demo step {self._number} ({self.title}) failed: {reason}", cause=cause)


__all__ = ["DemoFailed", "DemoReport", "Indented", "Steps"]
