"""An index for the portfolio page's default order: an analysis's accounts, largest revenue first.

The page (its first page of accounts and the Shapiro matrix's largest accounts) orders by
``revenue DESC NULLS LAST``; with this index PostgreSQL reads the first rows instead of sorting
all 20,000 (director's page 210 → 61 ms, docs/performance.md). SQLite cannot say NULLS LAST in an
index, and needs not: it sorts NULL first ascending, so last descending.
"""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

INDEX = "kpis_analysis_revenue_idx"


def create_index(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    nulls = " NULLS LAST" if schema_editor.connection.vendor == "postgresql" else ""
    schema_editor.execute(
        f"CREATE INDEX {INDEX} ON kpis_accountanalysis (portfolio_id, revenue DESC{nulls})"
    )


def drop_index(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    schema_editor.execute(f"DROP INDEX {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("kpis", "0003_retention_and_concentration")]

    operations = [migrations.RunPython(create_index, drop_index)]
