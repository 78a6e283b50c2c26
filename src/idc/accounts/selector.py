"""A type-to-filter picker for long lists (the account and role prompts of ``idc configure sso``).

On a terminal it is a small prompt_toolkit application below the cursor: typing filters the list
(case-insensitive substring; several words must all match, on whatever ``Choice.search_text`` holds:
account id, name, email), the arrow keys move, Enter picks, Ctrl-C aborts. Only the visible rows are
rendered, so a list of thousands of accounts stays instant. When standard input or output is not a
terminal it falls back to a numbered prompt read line by line, so scripts and pipes still work.

prompt_toolkit is imported only when the interactive picker runs.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TextIO, TypeVar

from idc.errors import ConfigError

T = TypeVar("T")

#: Rows of choices shown at once by the interactive picker.
MAX_ROWS = 12


@dataclass(frozen=True)
class Choice(Generic[T]):
    """One line of the picker: ``title`` is shown, ``value`` is returned, ``search_text`` is matched.

    ``search_text`` defaults to ``title``; give it more (e.g. the email address) to make it findable.
    """

    title: str
    value: T
    search_text: str = field(default="")

    @property
    def haystack(self) -> str:
        return (self.search_text or self.title).casefold() + "\n" + self.title.casefold()


def filter_choices(choices: Sequence[Choice[T]], query: str) -> list[Choice[T]]:
    """The choices matching ``query``: every whitespace-separated word is a case-insensitive substring."""
    words = query.casefold().split()
    if not words:
        return list(choices)
    return [choice for choice in choices if all(word in choice.haystack for word in words)]


def select(
    title: str,
    choices: Sequence[Choice[T]],
    *,
    interactive: bool | None = None,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
) -> Choice[T]:
    """Let the user pick one of ``choices``; returns the chosen :class:`Choice`.

    ``interactive`` defaults to "standard input and output are both terminals". Raises
    :class:`KeyboardInterrupt` when the user presses Ctrl-C, and :class:`idc.errors.ConfigError`
    when there is nothing to choose from or the input ends before a choice is made.
    """
    if not choices:
        raise ConfigError(f"{title}: there is nothing to choose from.")
    in_stream = stdin if stdin is not None else sys.stdin
    out_stream = stdout if stdout is not None else sys.stdout
    if interactive is None:
        interactive = _is_tty(in_stream) and _is_tty(out_stream)
    if interactive:
        return _select_interactive(title, choices)
    return _select_numbered(title, choices, in_stream.readline, out_stream)


def _is_tty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _select_numbered(
    title: str, choices: Sequence[Choice[T]], readline: Callable[[], str], out: TextIO
) -> Choice[T]:
    """The non-terminal fallback: a numbered list; answer with a number, or text to narrow the list."""
    shown: list[Choice[T]] = list(choices)
    while True:
        out.write(f"{title}\n")
        width = len(str(len(shown)))
        for number, choice in enumerate(shown, start=1):
            out.write(f"  {number:>{width}}) {choice.title}\n")
        out.write(f"Enter a number (1-{len(shown)}) or text to filter: ")
        out.flush()
        line = readline()
        if not line:
            out.write("\n")
            raise ConfigError(f"{title}: no choice was made (the input ended).")
        answer = line.strip()
        if answer.isdigit() and 1 <= int(answer) <= len(shown):
            chosen = shown[int(answer) - 1]
            out.write(f"{title} {chosen.title}\n")
            return chosen
        narrowed = filter_choices(choices, answer) if answer else list(choices)
        if len(narrowed) == 1:
            out.write(f"{title} {narrowed[0].title}\n")
            return narrowed[0]
        if not narrowed:
            out.write(f"Nothing matches {answer!r}.\n")
            narrowed = list(choices)
        shown = narrowed


class _PickerState(Generic[T]):
    """The filtered list, the highlighted row and the first visible row."""

    def __init__(self, choices: Sequence[Choice[T]], rows: int) -> None:
        self.choices = choices
        self.rows = rows
        self.matches: list[Choice[T]] = list(choices)
        self.index = 0
        self.top = 0

    def refilter(self, query: str) -> None:
        self.matches = filter_choices(self.choices, query)
        self.index = 0
        self.top = 0

    def move(self, delta: int) -> None:
        if not self.matches:
            return
        self.index = max(0, min(len(self.matches) - 1, self.index + delta))
        if self.index < self.top:
            self.top = self.index
        elif self.index >= self.top + self.rows:
            self.top = self.index - self.rows + 1

    def current(self) -> Choice[T] | None:
        return self.matches[self.index] if self.matches else None


def _select_interactive(title: str, choices: Sequence[Choice[T]]) -> Choice[T]:
    from prompt_toolkit.application import Application
    from prompt_toolkit.buffer import Buffer
    from prompt_toolkit.formatted_text import StyleAndTextTuples
    from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent
    from prompt_toolkit.layout import HSplit, Layout, Window
    from prompt_toolkit.layout.controls import BufferControl, FormattedTextControl
    from prompt_toolkit.layout.processors import BeforeInput
    from prompt_toolkit.styles import Style

    rows = min(MAX_ROWS, len(choices))
    state: _PickerState[T] = _PickerState(choices, rows)
    query = Buffer(multiline=False, on_text_changed=lambda buffer: state.refilter(buffer.text))

    def list_text() -> StyleAndTextTuples:
        lines: StyleAndTextTuples = []
        visible = state.matches[state.top : state.top + rows]
        for offset, choice in enumerate(visible):
            selected = state.top + offset == state.index
            style = "class:selected" if selected else ""
            lines.append((style, ("> " if selected else "  ") + choice.title))
            lines.append(("", "\n"))
        for _ in range(rows - len(visible)):
            lines.append(("", "\n"))
        return lines[:-1] if lines else lines

    def status_text() -> StyleAndTextTuples:
        if not state.matches:
            return [("class:status", "  no match (Backspace to widen)")]
        return [
            (
                "class:status",
                f"  {state.index + 1}/{len(state.matches)} of {len(choices)}"
                "  (type to filter, arrows to move, Enter to pick)",
            )
        ]

    keys = KeyBindings()

    @keys.add("up")
    @keys.add("c-p")
    def _up(event: KeyPressEvent) -> None:
        state.move(-1)

    @keys.add("down")
    @keys.add("c-n")
    def _down(event: KeyPressEvent) -> None:
        state.move(1)

    @keys.add("pageup")
    def _page_up(event: KeyPressEvent) -> None:
        state.move(-rows)

    @keys.add("pagedown")
    def _page_down(event: KeyPressEvent) -> None:
        state.move(rows)

    @keys.add("enter")
    def _pick(event: KeyPressEvent) -> None:
        chosen = state.current()
        if chosen is not None:
            event.app.exit(result=chosen)

    @keys.add("c-c")
    def _abort(event: KeyPressEvent) -> None:
        event.app.exit(exception=KeyboardInterrupt())

    layout = Layout(
        HSplit(
            [
                Window(FormattedTextControl([("class:title", title)]), height=1),
                Window(BufferControl(query, input_processors=[BeforeInput("Filter: ")]), height=1),
                Window(FormattedTextControl(list_text), height=rows),
                Window(FormattedTextControl(status_text), height=1),
            ]
        ),
        focused_element=query,
    )
    style = Style.from_dict(
        {"title": "bold", "selected": "reverse", "status": "italic #888888"},
    )
    app: Application[Choice[T]] = Application(
        layout=layout, key_bindings=keys, style=style, full_screen=False, erase_when_done=True
    )
    chosen = app.run()
    print(f"{title} {chosen.title}", flush=True)
    return chosen
