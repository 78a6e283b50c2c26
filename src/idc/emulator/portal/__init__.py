"""The local Identity Center's the portal API: ListAccounts, ListAccountRoles, GetRoleCredentials, Logout."""
