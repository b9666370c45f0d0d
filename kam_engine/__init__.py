"""OpenKAM's analytics engine: plain Python over Arrow and DuckDB, never Django.

The public API is what ``__all__`` lists; everything else is internal.
"""

from kam_engine.facts import FactsStore, FactsStoreError
from kam_engine.schemas import ACTIVITIES, DELIVERIES, FACT_KINDS, INVOICE_LINES

__all__ = ["ACTIVITIES", "DELIVERIES", "FACT_KINDS", "INVOICE_LINES", "FactsStore", "FactsStoreError"]
__version__ = "0.1.0"
