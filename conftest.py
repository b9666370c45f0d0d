"""Root pytest configuration: fixtures of every app are registered here."""

pytest_plugins = [
    "kam.core.tests.fixtures",
]
