"""The local Identity Center's the console federation endpoint: getSigninToken and login."""
