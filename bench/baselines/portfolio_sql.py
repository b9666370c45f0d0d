"""Baseline: the portfolio figures of `kam analyze` as one hand-written DuckDB SQL script.

Same window (12 months to the as-of date), same rates and rules as the engine's defaults.
Prints the total revenue, the number of accounts and this process's peak memory (MiB).
"""

from __future__ import annotations

import json
import sys

import duckdb

RATES = (
    "('order', 25.0), ('order_line', 2.5), ('delivery', 40.0), ('rush_order', 120.0), ('return', 60.0), "
    "('visit', 180.0), ('support_ticket', 35.0)"
)

SCRIPT = """
CREATE TEMP TABLE metrics AS
WITH lines AS (
    SELECT account, date, CAST(net_revenue AS DOUBLE) AS net, CAST(coalesce(list_revenue, net_revenue) AS DOUBLE)
           AS list, CAST(coalesce(cost, 0) AS DOUBLE) AS cost, cost IS NULL AS no_cost,
           coalesce(order_ref, invoice) AS order_key
    FROM invoice_lines WHERE date <= $as_of
)
SELECT account,
       sum(net) FILTER (WHERE date > $start) AS revenue,
       sum(list) FILTER (WHERE date > $start) AS list_revenue,
       sum(cost) FILTER (WHERE date > $start) AS cost_of_goods,
       count(*) FILTER (WHERE date > $start) AS lines,
       count(DISTINCT order_key) FILTER (WHERE date > $start) AS orders,
       count(*) FILTER (WHERE date > $start AND net < 0) AS credit_note_lines,
       count(*) FILTER (WHERE date > $start AND net = 0) AS zero_price_lines,
       count(*) FILTER (WHERE date > $start AND no_cost) AS lines_without_cost,
       min(date) AS first_purchase, max(date) AS last_purchase,
       sum(net) FILTER (WHERE date > $previous AND date <= $start) AS revenue_previous
FROM lines GROUP BY account;

CREATE TEMP TABLE monthly AS
SELECT account, date_trunc('month', date) AS month, sum(CAST(net_revenue AS DOUBLE)) AS revenue
FROM invoice_lines WHERE date > $start AND date <= $as_of GROUP BY ALL;

CREATE TEMP TABLE trend AS
WITH grid AS (
    SELECT m.account, g.k AS x, coalesce(mo.revenue, 0) AS y
    FROM metrics m CROSS JOIN range(12) g(k)
    LEFT JOIN monthly mo ON mo.account = m.account
        AND mo.month = date_trunc('month', $as_of - INTERVAL (11 - g.k) MONTH)
)
SELECT account, (count(*) * sum(x * y) - sum(x) * sum(y)) / (count(*) * sum(x * x) - sum(x) * sum(x)) AS slope
FROM grid GROUP BY account;

CREATE TEMP TABLE costs AS
SELECT a.account, a.activity, sum(CAST(a.quantity AS DOUBLE)) AS quantity,
       sum(coalesce(CAST(a.cost AS DOUBLE), CAST(a.quantity AS DOUBLE) * coalesce(r.rate, 0))) AS cost
FROM activities a LEFT JOIN (VALUES RATES) r(activity, rate) USING (activity)
WHERE a.date > $start AND a.date <= $as_of GROUP BY ALL;

CREATE TEMP TABLE service AS
SELECT account, count(*) AS deliveries,
       avg(CASE WHEN delivered_date <= promised_date THEN 1.0 ELSE 0.0 END) AS on_time_rate,
       avg(CASE WHEN delivered_date IS NOT NULL THEN CAST(in_full AS DOUBLE) END) AS in_full_rate,
       avg(CASE WHEN delivered_date <= promised_date AND in_full THEN 1.0 ELSE 0.0 END) AS otif_rate,
       avg(CASE WHEN delivered_date IS NOT NULL THEN greatest(delivered_date - promised_date, 0) END)
           AS average_delay_days
FROM deliveries WHERE promised_date > $start AND promised_date <= $as_of
    AND (delivered_date IS NOT NULL OR promised_date < $as_of)
GROUP BY account;

CREATE TEMP TABLE profit AS
SELECT m.*, coalesce(c.cost, 0) AS activity_cost,
       coalesce(m.revenue, 0) * 30 / 365.0 * 0.08 AS payment_terms_cost,
       coalesce(c.cost, 0) + coalesce(m.revenue, 0) * 30 / 365.0 * 0.08 AS cost_to_serve,
       coalesce(m.revenue, 0) - coalesce(m.cost_of_goods, 0)
           - (coalesce(c.cost, 0) + coalesce(m.revenue, 0) * 30 / 365.0 * 0.08) AS customer_profit,
       w.estimated_wallet, m.revenue / nullif(w.estimated_wallet, 0) AS share_of_wallet
FROM metrics m
LEFT JOIN (SELECT account, sum(cost) AS cost FROM costs GROUP BY account) c USING (account)
LEFT JOIN accounts w ON w.code = m.account;

CREATE TEMP TABLE abc AS
WITH ranked AS (
    SELECT account, coalesce(revenue, 0) AS value,
           row_number() OVER (ORDER BY coalesce(revenue, 0) DESC, account) AS rank,
           sum(greatest(coalesce(revenue, 0), 0)) OVER (ORDER BY coalesce(revenue, 0) DESC, account) AS running,
           sum(greatest(coalesce(revenue, 0), 0)) OVER () AS total
    FROM metrics
)
SELECT *, running / total AS cumulative_share,
       CASE WHEN value <= 0 THEN 'C' WHEN (running - value) / total < 0.8 THEN 'A'
            WHEN (running - value) / total < 0.95 THEN 'B' ELSE 'C' END AS abc_class
FROM ranked;

CREATE TEMP TABLE whale AS
SELECT account, customer_profit,
       row_number() OVER (ORDER BY customer_profit DESC, account) AS rank,
       sum(customer_profit) OVER (ORDER BY customer_profit DESC, account) / sum(customer_profit) OVER ()
           AS cumulative_profit_share
FROM profit;

CREATE TEMP TABLE result AS
SELECT p.*, t.slope AS trend_slope, a.abc_class, a.rank, a.cumulative_share,
       s.on_time_rate, s.in_full_rate, s.otif_rate, s.average_delay_days
FROM profit p LEFT JOIN trend t USING (account) LEFT JOIN abc a USING (account) LEFT JOIN service s USING (account);
"""


def run_script(store: str, as_of: str) -> dict[str, object]:
    """Run the whole script on ``store``; return the figures it prints."""
    with duckdb.connect(store, read_only=True) as connection:
        connection.execute("SET enable_progress_bar = false")
        script = SCRIPT.replace("RATES", RATES)
        parameters = {
            "as_of": f"DATE '{as_of}'",
            "start": f"(DATE '{as_of}' - INTERVAL 12 MONTH)",
            "previous": f"(DATE '{as_of}' - INTERVAL 24 MONTH)",
        }
        for name, value in parameters.items():
            script = script.replace(f"${name}", value)
        for statement in script.split(";"):
            if statement.strip():
                connection.execute(statement)
        revenue, accounts = connection.execute("SELECT sum(revenue), count(*) FROM result").fetchall()[0]
        hhi, peak = connection.execute(
            "SELECT (SELECT sum(pow(value / total, 2)) * 10000 FROM abc WHERE value > 0), "
            "(SELECT max(cumulative_profit_share) FROM whale)"
        ).fetchall()[0]
    return {"revenue": round(revenue, 2), "accounts": accounts, "hhi": hhi, "whale_peak": peak}


def main() -> None:
    print(json.dumps(run_script(sys.argv[1], sys.argv[2])))


if __name__ == "__main__":
    main()
