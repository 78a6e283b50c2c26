"""idc: sign in to AWS through IAM Identity Center and give every AWS tool working credentials.

This package must stay cheap to import: the credential hot path (``idc credentials`` on a cache hit)
runs with only the standard library loaded. Heavy dependencies (botocore, click, rich, starlette) are
imported inside the modules and functions that need them, never here.
"""

__version__ = "0.1.0"
