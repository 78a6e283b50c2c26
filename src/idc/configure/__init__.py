"""``idc configure sso``: the AWS CLI's wizard, as a library the CLI drives."""
