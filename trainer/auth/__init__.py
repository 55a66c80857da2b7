"""People, roles and departments; logging in and out."""
