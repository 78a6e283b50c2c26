"""The two-Region fixtures (:mod:`regions.two_regions`)."""

from __future__ import annotations

from regions.two_regions import signed_in_everywhere, two_regions

__all__ = ["signed_in_everywhere", "two_regions"]
