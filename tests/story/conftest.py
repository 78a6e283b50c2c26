"""Fixtures of the end-to-end story (defined in :mod:`story.helpers`; Chromium in the root conftest)."""

from story.helpers import browser_hook, s3_server

__all__ = ["browser_hook", "s3_server"]
