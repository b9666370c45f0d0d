"""Engine tests run once per backend with the same body: DuckDB and PySpark (local mode).

Spark takes 6–12 s to start, so its session is shared by the whole test run; keep the
Spark-backed tests few and their data tiny.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest
from ibis import BaseBackend

from kam_engine.backends import duckdb_backend, spark_backend


@pytest.fixture(scope="session")
def _spark() -> Iterator[BaseBackend]:
    if not shutil.which("java"):
        if os.environ.get("CI"):
            pytest.fail("java is missing: the Spark leg of the engine tests needs Java 17")
        pytest.skip("java is missing: the Spark leg of the engine tests needs Java 17")
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[1]")
        .appName("openkam-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "1")
        .config("spark.default.parallelism", "1")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.driver.memory", "1g")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield spark_backend(session)
    session.stop()


@pytest.fixture(params=["duckdb", pytest.param("pyspark", marks=pytest.mark.spark)])
def backend(request: pytest.FixtureRequest) -> BaseBackend:
    """An empty backend: DuckDB in memory, or the shared local Spark session."""
    if request.param == "duckdb":
        return duckdb_backend()
    spark: BaseBackend = request.getfixturevalue("_spark")
    return spark
