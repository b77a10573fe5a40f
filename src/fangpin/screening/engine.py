"""The one module that picks and runs a backend: DuckDB in memory (default) or a local PySpark session.

Everything else builds backend-free Ibis expressions; this module opens the Parquet inputs on the chosen engine
and executes an expression to Arrow.
"""

import itertools
import logging
import os
import threading
from collections.abc import Sequence
from pathlib import Path

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from fangpin.screening.inputs import SNAPSHOT_TABLES, FeedFiles, ScreeningInputs
from fangpin.screening.models import Engine

log = logging.getLogger(__name__)


# Spark in local mode: two cores, few shuffle partitions (the inputs are one county), no UI, UTC dates. Whole-stage
# code generation is off: compiling Java for each of a run's dozen stages costs more than it saves on a county's
# rows (measured: a 2,000-household run took 17 s warm with it, 10 s without). A cluster brings its own settings.
SPARK_CONF = {
    "spark.master": "local[2]",
    "spark.app.name": "fangpin-screening",
    "spark.sql.shuffle.partitions": "4",
    "spark.default.parallelism": "2",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.session.timeZone": "UTC",
    "spark.driver.memory": "2g",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    "spark.sql.codegen.wholeStage": "false",
}

_spark_lock = threading.Lock()
_names = itertools.count()


def connect(engine: str = Engine.DUCKDB) -> ibis.BaseBackend:
    if engine == Engine.DUCKDB:
        return ibis.duckdb.connect(threads=os.cpu_count() or 1)
    if engine == Engine.SPARK:
        return ibis.pyspark.connect(spark_session())
    raise ValueError(f"Unknown engine {engine!r}: use one of {', '.join(Engine.values)}.")


def spark_session():
    """The process's one SparkSession, created on first use (starting the JVM takes seconds)."""
    from pyspark.sql import SparkSession  # imported here: most processes never start Spark

    with _spark_lock:
        builder = SparkSession.builder
        for key, value in SPARK_CONF.items():
            builder = builder.config(key, value)
        session = builder.getOrCreate()
        session.sparkContext.setLogLevel("ERROR")
        return session


def load_inputs(backend: ibis.BaseBackend, *, snapshot_dir: Path, feeds: FeedFiles) -> ScreeningInputs:
    """The snapshot's tables and each feed's done files as tables of `backend`; a feed without files is None."""
    tables = {name: _parquet(backend, [snapshot_dir / f"{name}.parquet"], name) for name in SNAPSHOT_TABLES}
    feed_tables = {
        source: _parquet(backend, list(paths), f"feed_{source}") if paths else None
        for source, paths in feeds.files.items()
    }
    return ScreeningInputs(**tables, feeds=feed_tables)


def _parquet(backend: ibis.BaseBackend, paths: Sequence[Path], name: str) -> ir.Table:
    # Unique names: one process may load several runs' inputs into the same Spark session.
    table_name = f"fangpin_{name}_{next(_names)}"
    files = [str(p) for p in paths]
    if backend.name == Engine.DUCKDB:
        # Batches may differ in their column types (a column empty in one file): union by name widens them.
        # The feed folders look like Hive partitions; their names are not columns.
        return backend.read_parquet(files, table_name=table_name, union_by_name=True, hive_partitioning=False)
    if backend.name == "pyspark":
        reader = backend._session.read
        if len(files) > 1:
            reader = reader.option("mergeSchema", "true")  # an extra pass over the footers: only when needed
        frame = reader.parquet(*files)
        frame.createOrReplaceTempView(table_name)
        return backend.table(table_name)
    raise ValueError(f"No Parquet loader for backend {backend.name!r}.")


def to_arrow(expr: ir.Table) -> pa.Table:
    """Execute a table expression on its backend and return an Arrow table with the expression's schema."""
    backend = expr._find_backend()
    schema = expr.schema().to_pyarrow()
    if backend.name == "pyspark":
        # Spark's own Arrow collection: Ibis's path goes through pandas and takes several times longer.
        result = backend._session.sql(backend.compile(expr)).toArrow()
        return pa.Table.from_batches(result.to_batches(), schema=result.schema).cast(schema)
    return expr.to_pyarrow().cast(schema)
