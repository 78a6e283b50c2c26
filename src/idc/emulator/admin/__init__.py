"""The admin side of the local Identity Center: sso-admin and identitystore (JSON protocols on ``POST /``)."""
