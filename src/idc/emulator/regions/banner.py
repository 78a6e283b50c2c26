"""What ``idc emulator --regions`` prints: each Region's URLs, and how to point clients at each Region.

The ``AWS_ENDPOINT_URL_<SERVICE>`` variables cannot: they override every other endpoint setting, for
every Region (botocore ``configprovider.py``, ``EndpointConfigProvider``). botocore's ``services``
sections can: a profile (or, in idc, an ``sso-session``) names one with ``services = NAME``, and its
``sso_oidc`` / ``sso`` / ``sts`` / ``signin`` subsections carry an ``endpoint_url`` each. The subsection
is the service id in snake case (``sso_oidc``, not ``sso-oidc``: ``EndpointConfigProvider.
_get_endpoint_url_config_service``). A client that uses one Region only can take the per-command
variables.
"""

from __future__ import annotations

from idc.emulator.regions.instance import RegionsEmulator

SERVICES = ("sso_oidc", "sso", "sts", "signin")  # service ids in snake case, as botocore reads them
_VARIABLES = (
    "AWS_ENDPOINT_URL_SSO_OIDC",
    "AWS_ENDPOINT_URL_SSO",
    "AWS_ENDPOINT_URL_STS",
    "AWS_ENDPOINT_URL_SIGNIN",
)


def services_section_name(region: str) -> str:
    return f"idc-{region}"


def services_section(region: str, base_url: str) -> str:
    """The ``[services idc-REGION]`` section of ~/.aws/config pointing every service at ``base_url``."""
    lines = [f"[services {services_section_name(region)}]"]
    for service in SERVICES:
        lines += [f"{service} =", f"  endpoint_url = {base_url}"]
    return "\n".join(lines)


def banner_lines(emulator: RegionsEmulator, *, directory_label: str) -> list[str]:
    primary = emulator.regions[emulator.primary]
    center = primary.center
    loaded = center.directory
    users, accounts = len(loaded.users), len(loaded.accounts)
    lines = [
        f"Local IAM Identity Center running in {len(emulator.regions)} Regions (Ctrl-C stops it).",
        f"Directory: {directory_label} ({users} user{'s' * (users != 1)}, "
        f"{accounts} account{'s' * (accounts != 1)})",
        *(
            ["Sign in as demo, password demo (once: every Region then signs you in through it)."]
            if center.builtin_directory
            else []
        ),
        # The primary's lines keep the one-Region banner's form (idc.emulator.launch reads them).
        f"Base URL: {primary.base_url}",
        f"Start URL: {primary.start_url}",
        f"Region: {primary.name}",
    ]
    for region in emulator.regions.values():
        role = "primary" if region.primary else "additional"
        lines.append(
            f"Region {region.name} ({role}): {region.base_url} start URL {region.start_url}"
            f" portal {region.base_url}{region.center.start_path}"
        )
    lines += [
        "Point AWS tools at each Region with a services section per Region in the config file (the",
        "AWS_ENDPOINT_URL_* variables cannot: they send every Region to one place), named by",
        "`services = idc-REGION` in the profile or sso-session of that Region:",
    ]
    for region in emulator.regions.values():
        lines.append(services_section(region.name, region.base_url))
    lines.append("A client that uses one Region only can take per-command variables, e.g.:")
    for region in emulator.regions.values():
        assignments = " ".join(f"{name}={region.base_url}" for name in _VARIABLES)
        lines.append(f"  {region.name}: {assignments} aws sso login --profile PROFILE")
    lines += [
        f"Admin URL: {emulator.admin_url}",
        "Administer it (idc emulator stats|end-sessions|expire|advance-clock|fault|clear-faults;",
        "fault --region-down REGION --mode refused|unaccepted|silent|5xx takes a Region down):",
        f"export IDC_EMULATOR_URL={emulator.admin_url}",
        f"export IDC_EMULATOR_ADMIN_TOKEN={emulator.admin_token}",
    ]
    return lines
