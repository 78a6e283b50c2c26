"""The local IAM Identity Center (``idc emulator``): sso-oidc, the portal API, STS and the sign-in pages.

- :mod:`idc.emulator.engine` — :class:`IdentityCenter`, the protocol logic (plain Python, no HTTP)
- :mod:`idc.emulator.app` — the Starlette adapter; :mod:`idc.emulator.server` — uvicorn in a thread
- :mod:`idc.emulator.directory` — users, groups, accounts, permission sets, assignments, lifetimes
- :mod:`idc.emulator.faults` — fault injection and call counters; :mod:`idc.emulator.cli` — ``idc emulator``
"""
