"""Calls to AWS APIs: botocore clients, the retry policy, and the SSO OIDC operations."""
