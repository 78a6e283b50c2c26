"""``idc populate``: a profile in ~/.aws/config for every account and role you can reach.

Thin: resolve the target, list (paced, cached), plan the block, show or write it, report.
"""

from __future__ import annotations

import json
import os
import sys

import click

from idc.accounts.populate import DEFAULT_TEMPLATE
from idc.cli.completion import complete_profiles, complete_sso_sessions
from idc.cli.listing import listing_options
from idc.cli.tls import tls_options

OUTPUT_FORMATS = ("json", "text", "table", "yaml", "yaml-stream")


@click.command("populate", short_help="Write a profile for every account and role you can reach.")
@click.option(
    "--sso-session",
    "sso_session",
    metavar="SESSION",
    shell_complete=complete_sso_sessions,
    help="The [sso-session] the profiles use.",
)
@click.option(
    "--profile",
    metavar="PROFILE",
    shell_complete=complete_profiles,
    help="Use the SSO session (or legacy start URL) of this existing profile.",
)
@click.option(
    "--template",
    default=DEFAULT_TEMPLATE,
    show_default=True,
    help="Profile name: {account_name}, {account_id}, {role_name}, {account_email}.",
)
@click.option("--lowercase", is_flag=True, help="Lowercase the profile names.")
@click.option("--region", metavar="REGION", help="Set region = REGION in every profile.")
@click.option("--output", type=click.Choice(OUTPUT_FORMATS), help="Set output = FORMAT in every profile.")
@click.option(
    "--credential-process",
    is_flag=True,
    help="Also write NAME-cp profiles running `idc credentials --profile NAME` (for tools without SSO;"
    " idc's absolute path when it is not on PATH).",
)
@click.option("--prune", is_flag=True, help="Remove generated profiles whose assignment is gone.")
@click.option("--dry-run", is_flag=True, help="Show the change as a unified diff; write nothing.")
@listing_options
@tls_options
def populate_command(
    sso_session: str | None,
    profile: str | None,
    template: str,
    lowercase: bool,
    region: str | None,
    output: str | None,
    credential_process: bool,
    prune: bool,
    dry_run: bool,
    refresh: bool,
    tps: float,
    verify: bool | str | None,
) -> None:
    """Write a profile for every AWS account and role you can reach, in one marked block.

    Everything outside the block `# BEGIN idc populate (sso-session S)` ... `# END ...` stays exactly as
    it was; running it again changes nothing unless your assignments changed. Profiles you defined
    yourself with the same name are left alone (and reported). On a terminal it shows progress and a
    summary; otherwise it prints a JSON summary.

    \b
    Examples:
      idc populate --sso-session my-sso --region eu-west-1
      idc populate --sso-session my-sso --template '{account_id}-{role_name}' --lowercase --dry-run
      idc populate --profile dev --prune --credential-process
    """
    from idc.accounts.listing import ListingOptions
    from idc.accounts.populate import (
        PopulateSettings,
        plan_populate,
        read_config_text,
        summary,
        validate_template,
        write_plan,
    )
    from idc.accounts.target import listing_for, resolve_target
    from idc.aws.clients import BotocoreClientFactory
    from idc.cli.listing import progress_bar
    from idc.config import region_problem
    from idc.credentials.invocation import credential_command
    from idc.errors import ConfigError
    from idc.storage.locations import Locations

    if profile and sso_session:
        raise click.UsageError("Give --profile or --sso-session, not both.")
    validate_template(template)
    if region is not None:
        from idc.aws.regions import check_region_name

        problem = region_problem(region) or check_region_name(region).problem
        if problem:
            raise ConfigError(f"--region {region!r} {problem}.", hint="Use a name like eu-west-1.")
    locations = Locations.from_environ()
    target = resolve_target(locations, profile=profile, sso_session=sso_session)
    settings = PopulateSettings(
        start_url=target.start_url,
        sso_region=target.sso_region,
        sso_session=target.session_name,
        template=template,
        lowercase=lowercase,
        region=region,
        output=output,
        credential_process=credential_process,
        prune=prune,
        token_storage=target.sso.token_storage,
        credential_command=credential_command(
            argv0=sys.argv[0], executable=sys.executable, environ=os.environ
        ),
    )
    with progress_bar("Listing accounts") as progress:
        listing = listing_for(
            target,
            locations=locations,
            refresh=refresh,
            options=ListingOptions(tps=tps),
            progress=progress,
            client_factory=BotocoreClientFactory(verify=verify, profile=profile),
        )
    config_file = locations.config_file
    plan = plan_populate(config_file, read_config_text(config_file), listing, settings)
    written = False if dry_run else write_plan(plan)
    report = summary(plan, written=written, dry_run=dry_run, listing=listing)
    if dry_run:
        click.echo(plan.diff(), nl=False)
    if sys.stdout.isatty() or (dry_run and sys.stderr.isatty()):
        _human(report, err=dry_run)
    elif not dry_run:
        click.echo(json.dumps(report, indent=2))
    else:
        click.echo(json.dumps(report), err=True)


def _human(report: dict[str, object], *, err: bool) -> None:
    from idc.cli.listing import counted

    def count(key: str, noun: str) -> str:
        return counted(int(str(report[key])), noun)

    def names(key: str) -> list[str]:
        value = report[key]
        return [str(v) for v in value] if isinstance(value, list) else []

    def echo(line: str) -> None:
        click.echo(line, err=err)

    listing = report["listing"]
    assert isinstance(listing, dict)
    source = "cached listing" if listing["fromCache"] else f"listed in {float(str(listing['seconds'])):.1f} s"
    echo(f"{count('accounts', 'account')}, {count('roles', 'role')} ({source}).")
    for name in names("skipped"):
        echo(f"Skipped profile {name}: already defined outside the idc block (left as it is).")
    for name in names("keptStale"):
        echo(f"Kept profile {name}: its assignment is gone (--prune removes it).")
    verb = "Would write" if report["dryRun"] else "Wrote"
    added, updated, removed = names("added"), names("updated"), names("removed")
    if not (added or updated or removed):
        echo(f"{report['configFile']} is up to date ({count('profiles', 'profile')}); nothing written.")
        return
    echo(
        f"{verb} {report['configFile']}: {len(added)} added, {len(updated)} updated, {len(removed)} removed, "
        f"{report['unchanged']} unchanged ({count('profiles', 'profile')} in the block)."
    )
