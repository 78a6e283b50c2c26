"""Role credentials for AWS tools: the cached path, the stdlib-only hot path, and the export formats.

This package's ``__init__`` stays empty: the hot path imports :mod:`idc.credentials.hotpath` alone.
"""
