"""A pytest test kit for code that signs users in to AWS: the local Identity Center as fixtures."""
