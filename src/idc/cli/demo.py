"""``idc demo``: the whole story against an embedded local Identity Center (see :mod:`idc.demo`)."""

from __future__ import annotations

import click


@click.command(short_help="Run the whole story on a local Identity Center, no AWS account.")
@click.option(
    "--browser",
    is_flag=True,
    help="Open your real browser for the approvals (sign in as demo / demo) instead of the page walker.",
)
@click.option("--keep-home", is_flag=True, help="Keep the throwaway HOME (config and caches) to look at.")
def demo(browser: bool, keep_home: bool) -> None:
    """Run the whole story against a local IAM Identity Center, without an AWS account.

    Configure a profile, approve the sign-in, list accounts and roles, use the profile (idc and
    botocore's own SSO provider), end the session on the server, see the expired message, sign in
    again, use it again. Everything happens in a throwaway HOME: your ~/.aws is never touched.
    Exits 0 only when every step worked.

    \b
    Examples:
      idc demo
      idc demo --browser
    """
    from idc.demo.story import run_demo

    report = run_demo(browser=browser, keep_home=keep_home)
    click.echo(f"\nAll {len(report.steps)} steps worked in {report.seconds:.1f} s.")
