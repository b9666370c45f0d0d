"""Fixtures of the plans app, built through its actions."""
