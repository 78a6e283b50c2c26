"""Where the documentation is: the README and the guides under ``docs/`` it links to.

Tests that hold the documentation to what idc does read it through here, so a section can move between
the README and a guide without its test losing it.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
DOCS = [README, *sorted((ROOT / "docs").glob("*.md"))]


def doc_with(marker: str) -> str:
    """The text of the one documentation file that holds ``marker`` (a heading, a comment)."""
    found = [path for path in DOCS if marker in path.read_text(encoding="utf-8")]
    assert len(found) == 1, f"{marker!r} is in {[str(p.relative_to(ROOT)) for p in found]}, not in one file"
    return found[0].read_text(encoding="utf-8")
