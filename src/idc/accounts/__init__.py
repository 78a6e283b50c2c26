"""The accounts and roles a session reaches: listing them, picking one, writing profiles for all."""
