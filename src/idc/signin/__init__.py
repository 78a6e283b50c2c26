"""Signing in and out: the PKCE and device code flows, the loopback listener, the browser, token refresh."""
