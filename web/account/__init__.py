"""A member's own data: export and account deletion (hers, or by a coordinator on request)."""
