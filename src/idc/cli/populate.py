"""``idc populate``: a profile in ~/.aws/config for every account and role you can reach.

Thin: resolve the target, list (paced, cached), plan the block, show or write it, report.
"""

from __future__ import annotations

import json
import os
import sys

import click

from idc.accounts.populate_options import DEFAULT_TEMPLATE, OUTPUT_FORMATS
from idc.cli.completion import complete_profiles, complete_sso_sessions
from idc.cli.listing import listing_options
from idc.cli.tls import tls_options


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
    metavar="TEMPLATE",
    help="Profile name: {account_name}, {account_id}, {role_name}, {account_email}"
    f" [default: {DEFAULT_TEMPLATE}].",
)
@click.option("--lowercase/--no-lowercase", default=None, help="Lowercase the profile names (or not).")
@click.option("--region", metavar="REGION", help="Set region = REGION in every profile.")
@click.option("--no-region", is_flag=True, help="Drop the region line the block has.")
@click.option("--output", type=click.Choice(OUTPUT_FORMATS), help="Set output = FORMAT in every profile.")
@click.option("--no-output", is_flag=True, help="Drop the output line the block has.")
@click.option(
    "--credential-process/--no-credential-process",
    default=None,
    help="Also write NAME-cp profiles running `idc credentials --profile NAME` (for tools without SSO;"
    " idc's absolute path when it is not on PATH), or stop writing them.",
)
@click.option("--prune", is_flag=True, help="Remove generated profiles whose assignment is gone.")
@click.option("--dry-run", is_flag=True, help="Show the change as a unified diff; write nothing.")
@listing_options
@tls_options
def populate_command(
    sso_session: str | None,
    profile: str | None,
    template: str | None,
    lowercase: bool | None,
    region: str | None,
    no_region: bool,
    output: str | None,
    no_output: bool,
    credential_process: bool | None,
    prune: bool,
    dry_run: bool,
    refresh: bool,
    tps: float,
    verify: bool | str | None,
) -> None:
    """Write a profile for every AWS account and role you can reach, in one marked block.

    Everything outside the block `# BEGIN idc populate (sso-session S)` ... `# END ...` stays exactly as
    it was. The block's header remembers the options it was written with (--template, --lowercase,
    --region, --output, --credential-process): running it again with none of them writes the same
    block, and changes nothing unless your assignments changed. To change one, give it again with
    the new value, or drop it with --no-lowercase, --no-region, --no-output, --no-credential-process;
    --dry-run shows the change. Profiles you defined yourself with the same name are left alone (and
    reported). On a terminal it shows progress and a summary; otherwise it prints a JSON summary.

    \b
    Examples:
      idc populate --sso-session my-sso --region eu-west-1 --credential-process
      idc populate --sso-session my-sso                 # again: same options, same block
      idc populate --sso-session my-sso --no-region --dry-run
      idc populate --sso-session my-sso --template '{account_id}-{role_name}' --lowercase --dry-run
      idc populate --profile dev --prune
    """
    from idc.accounts.listing import ListingOptions
    from idc.accounts.populate import (
        GivenOptions,
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
    for flag, value, dropped in (("--region", region, no_region), ("--output", output, no_output)):
        if value is not None and dropped:
            raise click.UsageError(f"Give {flag} or --no-{flag[2:]}, not both.")
    if template is not None:
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
    given = GivenOptions(
        template=template,
        lowercase=lowercase,
        region="" if no_region else region,
        output="" if no_output else output,
        credential_process=credential_process,
    )
    plan = plan_populate(config_file, read_config_text(config_file), listing, settings, given=given)
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
    changes = names("optionsChanged")
    if changes:
        echo(f"Options changed: {'; '.join(changes)} (the block remembers them for the next run).")
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
