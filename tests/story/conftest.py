"""Fixtures of the end-to-end story (defined in :mod:`story.helpers`)."""

from story.helpers import browser_hook, chromium, s3_server

__all__ = ["browser_hook", "chromium", "s3_server"]
