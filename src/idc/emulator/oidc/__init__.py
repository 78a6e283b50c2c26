"""The local Identity Center's sso-oidc: RegisterClient, StartDeviceAuthorization, CreateToken, /authorize."""
