"""Local state on disk: the shared caches under ``~/.aws`` and the file primitives they use.

Imports nothing of idc above :mod:`idc.errors`; standard library only (the credential hot path reads it).
"""
