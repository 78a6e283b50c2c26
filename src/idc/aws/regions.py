"""Region names checked against the Regions the installed botocore knows (its ``endpoints.json``).

The shape check (:func:`idc.config.region_problem`, standard library only, used on the hot path) lets
``ap-northest-1`` and ``xx-nowhere-9`` through, and a sign-in then starts against a Region that does not
exist. Here, before anything happens:

- a Region botocore lists is good;
- one botocore does not list but that looks like a new Region of a known partition (its partition's
  ``regionRegex`` matches, and its direction word, ``southeast`` in ``ap-southeast-9``, is one AWS uses)
  is accepted with a warning: botocore learns new Regions only when it is upgraded;
- anything else is refused, naming the closest known Region when there is one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from idc.errors import closest_match


@dataclass(frozen=True)
class KnownRegions:
    """The Regions of every partition in botocore's endpoint data, and the partitions' name patterns."""

    regions: frozenset[str]
    patterns: tuple[re.Pattern[str], ...]
    botocore_version: str

    @property
    def directions(self) -> frozenset[str]:
        """The words before the number: ``east``, ``southeast``, ``central``..."""
        return frozenset(region.split("-")[-2] for region in self.regions if region.count("-") >= 2)


@lru_cache(maxsize=1)
def known_regions() -> KnownRegions:
    import botocore
    import botocore.loaders

    data = botocore.loaders.create_loader().load_data("endpoints")
    regions: set[str] = set()
    patterns: list[re.Pattern[str]] = []
    for partition in data.get("partitions", []):
        regions.update(partition.get("regions", {}))
        if partition.get("regionRegex"):
            patterns.append(re.compile(partition["regionRegex"]))
    return KnownRegions(frozenset(regions), tuple(patterns), botocore.__version__)


@dataclass(frozen=True)
class RegionCheck:
    """``problem``: why the name is refused (None when accepted); ``warning``: accepted, but unknown."""

    problem: str | None = None
    warning: str | None = None


def check_region_name(region: str, known: KnownRegions | None = None) -> RegionCheck:
    """Is ``region`` one botocore knows, a plausible new one (warning), or a mistake (problem)?"""
    known = known if known is not None else known_regions()
    if region in known.regions:
        return RegionCheck()
    parts = region.split("-")
    plausible = (
        len(parts) >= 3
        and parts[-2] in known.directions
        and any(pattern.fullmatch(region) for pattern in known.patterns)
    )
    if plausible:
        return RegionCheck(
            warning=f"Region {region} is not one botocore {known.botocore_version} knows; using it as a "
            "new Region (upgrade idc, or botocore, if AWS tools refuse it)."
        )
    close = closest_match(region, known.regions)
    hint = f"did you mean {close}?" if close else "like us-east-1"
    return RegionCheck(problem=f"is not an AWS Region ({hint})")
