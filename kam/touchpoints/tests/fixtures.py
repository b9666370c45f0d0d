"""Fixtures of the touchpoints app, built through its actions."""
