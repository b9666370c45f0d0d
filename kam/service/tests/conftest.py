"""The service app's fixtures (``kam.service.tests.fixtures``), for its tests only."""

from kam.service.tests.fixtures import es_calendar, service_levels

__all__ = ["es_calendar", "service_levels"]
