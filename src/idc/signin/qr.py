"""A QR code of the device flow's ``verificationUriComplete``, drawn on the terminal for a phone to scan.

Two rows of modules per text line with Unicode half blocks (``▀ ▄ █`` and space), so a version-5 code
is about 21 lines high. Polarity: a phone camera wants dark modules on a light background, and a
terminal's own colours may be either way round, so both colours are set explicitly (256-colour black 16
on white 231, which themes do not remap) and the dark modules are the drawn glyphs. The quiet zone
(ISO/IEC 18004: light border) is part of the light background, so it shows on a dark terminal too.

Encoding is segno's (pure Python, no dependencies); imported only when a code is drawn.
"""

from __future__ import annotations

from typing import TextIO

QUIET_ZONE = 2
"""Light modules around the symbol. The standard asks for 4; phone readers decode with 2, and it keeps
the code small."""

_COLOURS = "\x1b[38;5;16;48;5;231m"  # black foreground on white background
_RESET = "\x1b[0m"
# (upper module dark, lower module dark) -> glyph drawn in the foreground (dark) colour
_GLYPHS = {(False, False): " ", (True, False): "▀", (False, True): "▄", (True, True): "█"}


def qr_modules(data: str, *, border: int = QUIET_ZONE) -> list[list[bool]]:
    """The symbol's modules (True = dark), quiet zone included: what :func:`qr_lines` draws."""
    import segno

    code = segno.make(data, micro=False)
    return [[module == 0x1 for module in row] for row in code.matrix_iter(border=border)]


def qr_lines(data: str, *, border: int = QUIET_ZONE) -> list[str]:
    """``data`` as a QR code: one string per terminal line, each coloured and reset at its end."""
    modules = qr_modules(data, border=border)
    width = len(modules[0])
    if len(modules) % 2:
        modules.append([False] * width)  # the last half line: light, part of the quiet zone
    lines = []
    for upper, lower in zip(modules[0::2], modules[1::2], strict=True):
        glyphs = "".join(_GLYPHS[top, bottom] for top, bottom in zip(upper, lower, strict=True))
        lines.append(f"{_COLOURS}{glyphs}{_RESET}")
    return lines


def print_qr(out: TextIO, data: str, *, columns: int) -> None:
    """Draw the code of ``data`` under a one-line caption, or say why not when ``columns`` is too few."""
    lines = qr_lines(data)
    needed = len(lines[0]) - len(_COLOURS) - len(_RESET)
    if needed > columns:
        out.write(f"\n(No QR code: it needs {needed} columns and the terminal has {columns}.)\n")
    else:
        out.write("\nOr scan this QR code with your phone:\n\n" + "\n".join(lines) + "\n")
    out.flush()
