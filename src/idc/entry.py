"""The ``idc`` console script.

``idc credentials`` and ``idc exec`` first try the hot path (valid role credentials in the cache,
answered with the standard library only); everything else, and every miss, goes to the click CLI.
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args and args[0] in ("credentials", "exec"):
        from idc.credentials import hotpath

        answered = hotpath.try_answer(args)
        if answered is not None:
            return answered
    from idc.cli import run

    return run(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
