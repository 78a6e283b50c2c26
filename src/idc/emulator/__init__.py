"""The local IAM Identity Center (``idc emulator``): sso-oidc, the portal API, STS, the console's
federation endpoint, sso-admin and identitystore, and the sign-in pages, in one or several Regions.

- :mod:`idc.emulator.engine` — :class:`IdentityCenter`; the services, one subpackage each:
  :mod:`~idc.emulator.oidc`, :mod:`~idc.emulator.portal`, :mod:`~idc.emulator.sts`,
  :mod:`~idc.emulator.federation`, :mod:`~idc.emulator.admin` (plain Python, no HTTP)
- :mod:`idc.emulator.app` — the Starlette adapter; :mod:`idc.emulator.server` — uvicorn in a thread;
  :mod:`idc.emulator.web` — the pages; :mod:`idc.emulator.regions` — several Regions
- :mod:`idc.emulator.directory` — users, groups, accounts, permission sets, assignments, lifetimes
- :mod:`idc.emulator.faults` — fault injection and call counters; :mod:`idc.emulator.cli` — ``idc emulator``
"""
