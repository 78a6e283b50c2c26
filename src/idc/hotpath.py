"""The credential hot path (placeholder until the cache-hit path lands: always a miss)."""

from __future__ import annotations


def try_answer(args: list[str]) -> int | None:
    """Answer ``idc credentials``/``idc exec`` from the cache with the standard library only.

    Returns the exit status when answered, or None to fall through to the full CLI.
    """
    return None
