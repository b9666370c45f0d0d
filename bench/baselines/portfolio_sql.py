"""Baseline: the portfolio figures of `kam analyze` as one hand-written DuckDB SQL script.

Same window (12 months to the as-of date), same rates and rules as the engine's defaults, and
the same figures (retention models aside, which `bench/analyze_portfolio.py` turns off in the
engine too): metrics, monthly revenue and its trend, cost-to-serve by activity and the
unrated activities, customer profit, ABC, RFM, the Shapiro matrix, the whale curve and its
summary, service levels, concentration (top shares, HHI, Gini) and concentration risk.
Tuned as the engine is: distinct orders in their own pass (a COUNT(DISTINCT) in the wide
aggregate is several times slower) and the trend in closed form rather than over a dense grid.
Prints the total revenue, the number of accounts and a few portfolio figures.
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
CREATE TEMP TABLE rates AS SELECT * FROM (VALUES RATES) r(activity, rate);

CREATE TEMP TABLE metrics AS
WITH lines AS (
    SELECT account, date, coalesce(CAST(net_revenue AS DOUBLE), 0) AS net, CAST(list_revenue AS DOUBLE) AS list,
           CAST(cost AS DOUBLE) AS cost
    FROM invoice_lines WHERE date <= $as_of
), sums AS (
    SELECT account,
           coalesce(sum(net) FILTER (WHERE date > $start), 0) AS revenue,
           coalesce(sum(coalesce(list, net)) FILTER (WHERE date > $start), 0) AS list_revenue,
           coalesce(sum(coalesce(cost, 0)) FILTER (WHERE date > $start), 0) AS cost_of_goods,
           count(*) FILTER (WHERE date > $start) AS lines,
           count(*) FILTER (WHERE date > $start AND net < 0) AS credit_note_lines,
           count(*) FILTER (WHERE date > $start AND net = 0) AS zero_price_lines,
           count(*) FILTER (WHERE date > $start AND cost IS NULL) AS lines_without_cost,
           min(date) AS first_purchase, max(date) AS last_purchase,
           coalesce(sum(net) FILTER (WHERE date > $previous AND date <= $start), 0) AS revenue_previous
    FROM lines GROUP BY account
), orders AS (
    SELECT account, count(*) AS orders
    FROM (SELECT DISTINCT account, coalesce(order_ref, invoice) FROM invoice_lines
          WHERE date > $start AND date <= $as_of)
    GROUP BY account
)
SELECT s.*, coalesce(o.orders, 0) AS orders, s.revenue - s.cost_of_goods AS gross_margin,
       CASE WHEN s.revenue > 0 THEN (s.revenue - s.cost_of_goods) / s.revenue END AS margin_pct,
       $as_of - s.last_purchase AS recency_days, $as_of - s.first_purchase AS tenure_days,
       CASE WHEN o.orders > 0 THEN s.revenue / o.orders END AS average_order_value,
       CASE WHEN s.revenue_previous > 0 THEN s.revenue / s.revenue_previous - 1 END AS growth_yoy,
       w.estimated_wallet, CASE WHEN w.estimated_wallet > 0 THEN s.revenue / w.estimated_wallet END
           AS share_of_wallet, coalesce(w.is_key_account, false) AS is_key_account
FROM sums s LEFT JOIN orders o USING (account) LEFT JOIN accounts w ON w.code = s.account;

CREATE TEMP TABLE monthly AS
SELECT account, date_trunc('month', date) AS month, sum(coalesce(CAST(net_revenue AS DOUBLE), 0)) AS revenue
FROM invoice_lines WHERE date >= $first_month AND date <= $as_of GROUP BY ALL;

-- Least squares over x = 0..11 with the missing months as zeros: Σx = 66, Σx² = 506.
CREATE TEMP TABLE trend AS
SELECT account, (12 * sum(datediff('month', $first_month, month) * revenue) - 66 * sum(revenue))
                / (12 * 506 - 66 * 66) AS slope
FROM monthly GROUP BY account;

CREATE TEMP TABLE costs AS
SELECT a.account, a.activity, sum(coalesce(CAST(a.quantity AS DOUBLE), 1)) AS quantity,
       sum(coalesce(CAST(a.cost AS DOUBLE), coalesce(CAST(a.quantity AS DOUBLE), 1) * r.rate, 0)) AS cost
FROM activities a LEFT JOIN rates r USING (activity)
WHERE a.date > $start AND a.date <= $as_of GROUP BY ALL;

CREATE TEMP TABLE unrated AS
SELECT a.activity, count(*) AS lines, sum(CAST(a.quantity AS DOUBLE)) AS quantity
FROM activities a LEFT JOIN rates r USING (activity)
WHERE a.date > $start AND a.date <= $as_of AND a.cost IS NULL AND r.rate IS NULL GROUP BY a.activity;

CREATE TEMP TABLE service AS
SELECT account, count(*) AS deliveries, count(delivered_date) AS delivered,
       avg(CASE WHEN delivered_date <= promised_date THEN 1.0 ELSE 0.0 END) AS on_time_rate,
       sum(CASE WHEN delivered_date IS NOT NULL AND coalesce(in_full, true) THEN 1.0 ELSE 0.0 END)
           / nullif(count(delivered_date), 0) AS in_full_rate,
       avg(CASE WHEN delivered_date <= promised_date AND coalesce(in_full, true) THEN 1.0 ELSE 0.0 END) AS otif_rate,
       avg(CASE WHEN delivered_date IS NOT NULL THEN greatest(delivered_date - promised_date, 0) END)
           AS average_delay_days
FROM deliveries WHERE promised_date > $start AND promised_date <= $as_of
    AND (delivered_date IS NOT NULL OR promised_date < $as_of)
GROUP BY account;

CREATE TEMP TABLE profit AS
WITH costed AS (
    SELECT m.account, m.revenue, m.list_revenue, m.cost_of_goods, coalesce(c.cost, 0) AS activity_cost,
           greatest(m.list_revenue - m.revenue, 0) AS discounts, 0.0 AS rebates,
           greatest(m.revenue, 0) * (30 / 365.0 * 0.08) AS payment_terms_cost
    FROM metrics m LEFT JOIN (SELECT account, sum(cost) AS cost FROM costs GROUP BY account) c USING (account)
)
SELECT *, activity_cost + rebates + payment_terms_cost AS cost_to_serve,
       CASE WHEN revenue > 0 THEN (activity_cost + rebates + payment_terms_cost) / revenue END AS cost_to_serve_pct,
       revenue - cost_of_goods - (activity_cost + rebates + payment_terms_cost) AS customer_profit,
       CASE WHEN revenue > 0 THEN (revenue - cost_of_goods - (activity_cost + rebates + payment_terms_cost)) / revenue
       END AS profit_pct
FROM costed;

CREATE TEMP TABLE abc AS
WITH ranked AS (
    SELECT account, revenue AS value, greatest(revenue, 0) AS positive,
           row_number() OVER (ORDER BY revenue DESC, account) AS rank,
           sum(greatest(revenue, 0)) OVER (ORDER BY revenue DESC, account) AS running,
           sum(greatest(revenue, 0)) OVER () AS total
    FROM metrics
)
SELECT account, value, rank, running / nullif(total, 0) AS cumulative_share,
       CASE WHEN value <= 0 THEN 'C' WHEN (running - positive) / nullif(total, 0) < 0.8 THEN 'A'
            WHEN (running - positive) / nullif(total, 0) < 0.95 THEN 'B' ELSE 'C' END AS abc_class
FROM ranked;

CREATE TEMP TABLE rfm AS
SELECT account,
       ntile(5) OVER (ORDER BY recency_days DESC, account DESC) AS recency_score,
       ntile(5) OVER (ORDER BY orders, account) AS frequency_score,
       ntile(5) OVER (ORDER BY revenue, account) AS monetary_score
FROM metrics;

CREATE TEMP TABLE shapiro AS
WITH portfolio AS (
    SELECT sum(revenue) / nullif(sum(list_revenue), 0) AS price, sum(cost_to_serve) / nullif(sum(revenue), 0) AS cost
    FROM profit
), indexed AS (
    SELECT p.account, CASE WHEN p.list_revenue > 0 THEN p.revenue / p.list_revenue END / portfolio.price
               AS net_price_index,
           p.cost_to_serve_pct / CASE WHEN portfolio.cost > 0 THEN portfolio.cost END AS cost_to_serve_index
    FROM profit p, portfolio
)
SELECT *, CASE WHEN net_price_index IS NULL OR cost_to_serve_index IS NULL THEN NULL
               WHEN net_price_index >= 1 AND cost_to_serve_index >= 1 THEN 'carriage_trade'
               WHEN net_price_index >= 1 THEN 'passive' WHEN cost_to_serve_index >= 1 THEN 'aggressive'
               ELSE 'bargain_basement' END AS quadrant
FROM indexed;

CREATE TEMP TABLE whale AS
SELECT account, customer_profit,
       row_number() OVER (ORDER BY customer_profit DESC, account) AS rank,
       sum(customer_profit) OVER (ORDER BY customer_profit DESC, account) / nullif(sum(customer_profit) OVER (), 0)
           AS cumulative_profit_share
FROM profit;

CREATE TEMP TABLE result AS
SELECT p.*, m.lines, m.orders, m.credit_note_lines, m.zero_price_lines, m.lines_without_cost, m.first_purchase,
       m.last_purchase, m.recency_days, m.tenure_days, m.average_order_value, m.revenue_previous, m.growth_yoy,
       m.gross_margin, m.margin_pct, m.share_of_wallet, m.estimated_wallet, m.is_key_account,
       t.slope AS trend_slope, a.abc_class, a.rank, a.cumulative_share,
       r.recency_score, r.frequency_score, r.monetary_score,
       r.recency_score::VARCHAR || r.frequency_score::VARCHAR || r.monetary_score::VARCHAR AS rfm,
       sh.net_price_index, sh.cost_to_serve_index, sh.quadrant,
       s.deliveries, s.on_time_rate, s.in_full_rate, s.otif_rate, s.average_delay_days,
       CASE WHEN sum(m.gross_margin) OVER () > 0 THEN m.gross_margin / sum(m.gross_margin) OVER () END AS margin_share
FROM profit p JOIN metrics m USING (account) LEFT JOIN trend t USING (account) LEFT JOIN abc a USING (account)
    LEFT JOIN rfm r USING (account) LEFT JOIN shapiro sh USING (account) LEFT JOIN service s USING (account)
ORDER BY a.rank, p.account
"""

# The portfolio figures `kam analyze --json` prints, from the tables above.
SUMMARY = """
WITH positive AS (
    SELECT value, row_number() OVER (ORDER BY value DESC, account) AS rank,
           sum(value) OVER (ORDER BY value DESC, account) AS running, sum(value) OVER () AS total,
           count(*) OVER () AS n
    FROM abc WHERE value > 0
), concentration AS (
    SELECT sum(value) FILTER (WHERE rank <= ceil(n * 0.01)) / max(total) AS top1,
           sum(value) FILTER (WHERE rank <= ceil(n * 0.20)) / max(total) AS top20,
           sum(value) FILTER (WHERE rank <= 10) / max(total) AS top_n,
           min(rank) FILTER (WHERE running / total >= 0.8 - 1e-12) AS accounts_for_80_percent,
           sum(pow(value / total, 2)) * 10000 AS hhi,
           2 * sum((n - rank + 1) * value) / (max(n) * sum(value)) - (max(n) + 1.0) / max(n) AS gini
    FROM positive
), whale_summary AS (
    SELECT max(share) AS peak_share, min(rank) FILTER (WHERE share = peak) AS peak_at_accounts,
           count(*) FILTER (WHERE customer_profit < 0) AS loss_making_accounts,
           -coalesce(sum(customer_profit) FILTER (WHERE customer_profit < 0), 0) AS tail_loss
    FROM (SELECT *, coalesce(cumulative_profit_share, 0) AS share,
                 max(coalesce(cumulative_profit_share, 0)) OVER () AS peak FROM whale)
), classes AS (
    SELECT count(*) FILTER (WHERE abc_class = 'A') AS "A", count(*) FILTER (WHERE abc_class = 'B') AS "B",
           count(*) FILTER (WHERE abc_class = 'C') AS "C"
    FROM abc
), totals AS (
    SELECT count(*) AS accounts, sum(revenue) AS revenue, sum(gross_margin) AS gross_margin,
           sum(cost_to_serve) AS cost_to_serve, sum(customer_profit) AS profit,
           sum(credit_note_lines) AS credit_note_lines, sum(zero_price_lines) AS zero_price_lines,
           sum(lines_without_cost) AS lines_without_cost
    FROM result
), risk AS (
    SELECT list(account ORDER BY gross_margin DESC, account) FILTER (WHERE rank <= 10) AS top_accounts,
           sum(gross_margin) FILTER (WHERE rank <= 1) / sum(gross_margin) AS top1_margin_share
    FROM (SELECT account, gross_margin, row_number() OVER (ORDER BY gross_margin DESC, account) AS rank FROM result)
)
SELECT * FROM totals, concentration, whale_summary, classes, risk, (SELECT count(*) AS unrated FROM unrated)
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
            "first_month": f"(date_trunc('month', DATE '{as_of}') - INTERVAL 11 MONTH)",
        }
        for name, value in parameters.items():
            script = script.replace(f"${name}", value)
        for statement in script.split(";"):
            if statement.strip():
                connection.execute(statement)
        cursor = connection.execute(SUMMARY)
        names = [column[0] for column in cursor.description]
        summary = dict(zip(names, cursor.fetchall()[0], strict=True))
        # What `kam analyze` hands on: the per-account table and the curves, as Arrow.
        for table in ("result", "costs", "monthly", "abc", "whale"):
            connection.sql(f"SELECT * FROM {table}").to_arrow_table()
    summary["revenue"] = round(summary["revenue"], 2)
    return {key: summary[key] for key in ("revenue", "accounts", "hhi", "gini", "peak_share", "A", "B", "C")}


def main() -> None:
    print(json.dumps(run_script(sys.argv[1], sys.argv[2])))


if __name__ == "__main__":
    main()
