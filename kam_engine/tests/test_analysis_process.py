"""The portfolio analysis in a fresh process, as `kam analyze` runs it: what it imports.

Importing pandas costs ~1.3 s a process (measured on the 30-million-line benchmark, see
docs/performance.md). Ibis's memtables and Arrow conversion, and pyarrow's own conversions
between numpy, Python objects and Arrow, import it as soon as it is installed; the analysis
with retention disabled avoids all of them, and this test keeps it so.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

SCRIPT = """
import datetime as dt, json, sys
import duckdb
from pathlib import Path
from kam_engine.analysis import analyze_portfolio
from kam_engine.backends import open_facts
from kam_engine.config import AnalysisPolicy, RetentionConfig
from kam_engine.facts import FactsStore

store = FactsStore(Path(sys.argv[1]))
store.initialise()
with duckdb.connect(sys.argv[1]) as connection:
    connection.execute(
        "INSERT INTO invoice_lines (invoice, line, account, product, date, quantity, net_revenue, list_revenue, cost,"
        " order_ref, import_id) VALUES"
        " ('F1', '1', 'A', 'P1', DATE '2026-10-01', 1, 100, 120, 60, 'O1', 'i'),"
        " ('F2', '1', 'B', 'P1', DATE '2026-09-01', 1, 50, 50, 45, 'O2', 'i'),"
        " ('F3', '1', 'C', 'P1', DATE '2026-08-01', 1, -10, NULL, NULL, NULL, 'i')"
    )
    connection.execute(
        "INSERT INTO activities (account, date, activity, quantity, import_id) VALUES"
        " ('A', DATE '2026-10-01', 'order', 1, 'i'), ('B', DATE '2026-09-01', 'visit', 1, 'i')"
    )
    accounts = connection.sql(
        "SELECT * FROM (VALUES ('A', 1000.0, true), ('B', NULL, false), ('C', NULL, false))"
        " t(code, estimated_wallet, is_key_account)"
    ).to_arrow_table()
tables = open_facts(store, accounts)
policy = AnalysisPolicy(retention=RetentionConfig(enabled=False))
result = analyze_portfolio(tables, as_of=dt.date(2026, 10, 31), policy=policy)
print(json.dumps({"pandas": "pandas" in sys.modules, "accounts": result.summary["accounts"],
                  "abc": result.summary["abc"], "whale": result.summary["whale"],
                  "risk": result.summary["concentration_risk"]["top1_share"],
                  "margin_share": result.accounts.column("margin_share").to_pylist()}))
"""


def test_the_analysis_without_retention_does_not_import_pandas(tmp_path: Path) -> None:
    completed = subprocess.run(  # noqa: S603 — our own interpreter and script
        [sys.executable, "-c", SCRIPT, str(tmp_path / "facts.duckdb")],
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    )
    figures = json.loads(completed.stdout)

    assert figures["pandas"] is False
    # Revenue 100, 50 and −10: B starts at 100/150 of the total, below 80 %, so it is A too.
    assert (figures["accounts"], figures["abc"]) == (3, {"A": 2, "B": 0, "C": 1})
    # Margins 40, 5 and −10: total 35; accounts in ABC order A, B, C.
    assert figures["margin_share"] == [40 / 35, 5 / 35, -10 / 35]
    assert figures["risk"] == round(40 / 35, 6)
    # Profit A 14.34, C −10, B −175.33: the total is negative, so the curve peaks (100 %) at the last account.
    assert (figures["whale"]["loss_making_accounts"], figures["whale"]["peak_at_accounts"]) == (2, 3)
    assert figures["whale"]["peak_share"] == 1.0
