"""Users, their roles and teams, and API tokens."""
