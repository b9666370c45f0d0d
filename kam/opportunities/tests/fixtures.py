"""Fixtures of the opportunities app, built through its actions."""
