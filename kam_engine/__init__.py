"""OpenKAM's analytics engine: plain Python over Arrow, DuckDB and Ibis — never Django.

The public API is what ``__all__`` lists; everything else is internal. The analysis
names load Ibis on first use only, so that importing files (which needs DuckDB and
Arrow alone) starts quickly.

Examples
--------
>>> import datetime as dt
>>> import pyarrow as pa
>>> from kam_engine import AnalysisPolicy, analyze_portfolio, duckdb_backend, fact_tables_from_arrow
>>> lines = pa.table({"invoice": ["F1", "F2"], "line": ["1", "1"], "account": ["A", "B"],
...                   "date": [dt.date(2026, 5, 1)] * 2, "net_revenue": [900.0, 100.0]})
>>> empty = pa.table({"account": pa.array([], pa.string())})
>>> tables = fact_tables_from_arrow(duckdb_backend(), invoice_lines=lines, activities=empty,
...                                 deliveries=empty, accounts=pa.table({"code": ["A", "B"]}))
>>> result = analyze_portfolio(tables, as_of=dt.date(2026, 10, 31), policy=AnalysisPolicy())
>>> result.summary["revenue"], result.summary["abc"], result.summary["pareto"]["accounts_for_80_percent"]
(1000.0, {'A': 1, 'B': 1, 'C': 0}, 1)
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from kam_engine.facts import FactsStore, FactsStoreError
from kam_engine.schemas import ACTIVITIES, DELIVERIES, FACT_KINDS, INVOICE_LINES

__all__ = [
    "ACTIVITIES",
    "DELIVERIES",
    "FACT_KINDS",
    "INVOICE_LINES",
    "AnalysisPolicy",
    "FactTables",
    "FactsStore",
    "FactsStoreError",
    "PortfolioResult",
    "analyze_portfolio",
    "duckdb_backend",
    "fact_tables_from_arrow",
    "load_policy",
    "open_facts",
    "spark_backend",
]
__version__ = "0.1.0"

_LAZY = {
    "AnalysisPolicy": "kam_engine.config",
    "load_policy": "kam_engine.config",
    "FactTables": "kam_engine.backends",
    "duckdb_backend": "kam_engine.backends",
    "fact_tables_from_arrow": "kam_engine.backends",
    "open_facts": "kam_engine.backends",
    "spark_backend": "kam_engine.backends",
    "PortfolioResult": "kam_engine.analysis",
    "analyze_portfolio": "kam_engine.analysis",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'kam_engine' has no attribute {name!r}")
