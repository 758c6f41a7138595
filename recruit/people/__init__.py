"""People: users and their roles, passwords and PINs, API tokens, tablet sign-in."""
