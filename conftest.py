"""Root pytest configuration: fixtures of every app are registered here."""

pytest_plugins = [
    "kam.core.tests.fixtures",
    "kam.users.tests.fixtures",
    "kam.key_accounts.tests.fixtures",
    "kam.kpis.tests.fixtures",
    "kam.selection.tests.fixtures",
    "kam.plans.tests.fixtures",
    "kam.touchpoints.tests.fixtures",
    "kam.opportunities.tests.fixtures",
    "kam.alerts.tests.fixtures",
]

# Importing the WSGI module starts the app (and WhiteNoise, which warns without collected
# static files); doctest collection has nothing to find there.
collect_ignore = ["kam/wsgi.py", "manage.py"]


def pytest_configure(config: object) -> None:
    """WhiteNoise warns (an error here) when STATIC_ROOT is missing as the live server starts."""
    from django.conf import settings

    settings.STATIC_ROOT.mkdir(parents=True, exist_ok=True)
