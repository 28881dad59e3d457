"""Scoring on Spark: the same saved model and blocking rules, run by Splink's Spark backend.

A batch's candidates come from the same comparisons as on DuckDB (rendered for
Spark by Splink, model.for_engine) and the same best-per-taxpayer SQL
(scorer.best_sql), so the decisions are the same; only where the work runs
changes. The master URL says where: `local[2]` on this machine, `spark://host:7077`
for a standalone cluster, `yarn` or `k8s://…` elsewhere. The reference index
must be readable at the same path by every executor (a shared or replicated
disk, or object storage mounted there).

PySpark is imported only here, and this module only when the engine is Spark.
"""

from __future__ import annotations

import itertools
import logging
from pathlib import Path
from typing import Any

import pyarrow as pa
from py4j.protocol import Py4JError  # type: ignore[import-untyped]
from pyspark import SparkContext
from pyspark.sql import DataFrame, SparkSession
from splink import Linker, SparkAPI
from splink.backends.spark import similarity_jar_location

from taxmatch.errors import EngineError
from taxmatch.matching import model, scorer
from taxmatch.matching.reference import Reference
from taxmatch.rules.decide import Candidate

log = logging.getLogger(__name__)
_names = itertools.count(1)


def session(master_url: str, scratch: Path | None = None, memory_bytes: int | None = None) -> SparkSession:
    """A Spark session on `master_url` with Splink's similarity functions (its jar) available.

    The driver collects each chunk's best candidates: it gets the memory budget
    (TAXMATCH_MEMORY_LIMIT; Spark's own default of 1 GB failed at 50,000 requests
    against 1,000,000 taxpayers) and no cap on what it collects.
    """
    driver = f"{max(1, (memory_bytes or 2**31) // 2**30)}g"
    builder = (
        SparkSession.builder.master(master_url)
        .appName("taxmatch")
        .config("spark.jars", similarity_jar_location())
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "8")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.driver.memory", driver)
        .config("spark.driver.maxResultSize", "0")
    )
    if scratch is not None:
        scratch.mkdir(parents=True, exist_ok=True)
        builder = builder.config("spark.local.dir", str(scratch))
    spark: SparkSession = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


class SparkMatcher:
    """Scores requests against the whole master on Spark (the batch path's Matcher, on Spark)."""

    def __init__(self, reference: Reference, master_url: str) -> None:
        try:
            self.spark = session(master_url, reference.budget.spill, reference.budget.memory_bytes)
        except Py4JError as exc:
            raise EngineError(
                f"cannot start a Spark session on {master_url!r}: {type(exc).__name__}",
                fix="Nothing was written. Check TAXMATCH_SPARK_MASTER and that Java 17 is installed.",
            ) from exc
        trained = reference.model()
        self.settings = model.for_engine(trained, "spark")
        self.labels = model.labels(trained)
        columns = [model.UID, "tin", *model.COMPARED_COLUMNS]
        self.master = self.spark.read.parquet(str(reference.parquet)).select(*columns).cache()
        self.tf = {c: self.spark.read.parquet(str(reference.tf_path(c))).cache() for c in model.TF_COLUMNS}

    def score(self, requests: pa.Table) -> dict[int, list[Candidate]]:
        """Candidates per request uid, as scorer.Matcher gives them; EngineError if Spark fails."""
        try:
            return self._score(requests)
        except Py4JError as exc:
            raise EngineError(
                f"Spark failed while scoring: {type(exc).__name__}",
                fix="Nothing was written. Check the Spark master URL (TAXMATCH_SPARK_MASTER), that the "
                "cluster can read the store's reference/ at the same path, and the driver's memory "
                "(TAXMATCH_MEMORY_LIMIT); run with -v for Spark's own log.",
            ) from exc

    def _score(self, requests: pa.Table) -> dict[int, list[Candidate]]:
        batch = next(_names)
        db = SparkAPI(spark_session=self.spark, break_lineage_method="persist")  # type: ignore[no-untyped-call]
        frame = self.spark.createDataFrame(requests.select([model.UID, *model.COMPARED_COLUMNS]))
        # Splink orders a pair's sides by table name: the requests' must sort first, as on DuckDB, for
        # the one-sided conditions (a name of four letters or more on the request's side) to read alike.
        tables = [
            db.register(frame, dataset_display_name=scorer.REQUESTS, table_name=f"a_requests_{batch}"),
            db.register(self.master, dataset_display_name="b_master", table_name=f"b_master_{batch}"),
        ]
        linker = Linker(tables, self.settings, log_level=None, validate_settings=False)
        for column, lookup in self.tf.items():
            registered = db.register(lookup, table_name=f"tf_{column}_{batch}")
            linker.table_management.register_term_frequency_lookup(registered, column)
        predictions = linker.inference.predict().physical_name
        available = self.spark.table(predictions).columns
        best: DataFrame = self.spark.sql(scorer.best_sql(predictions, f"b_master_{batch}", available))
        found = scorer.candidates(_arrow(best), self.labels)
        linker.table_management.invalidate_cache()  # type: ignore[no-untyped-call]
        return found

    def close(self) -> None:
        """Stop the session and its JVM: the next one may be on another master, and getOrCreate would
        reuse this one while its gateway lives (its sockets are closed, not left to the collector)."""
        self.spark.stop()
        gateway = SparkContext._gateway
        if gateway is None:
            return
        jvm = getattr(gateway, "proc", None)  # the JVM PySpark launched, which ends when its stdin closes
        gateway.shutdown()
        SparkContext._gateway = None
        SparkContext._jvm = None
        if jvm is not None:
            jvm.stdin.close()
            jvm.wait(timeout=60)


def _arrow(frame: DataFrame) -> pa.Table:
    table: Any = frame.toArrow()
    return pa.table(table) if not isinstance(table, pa.Table) else table
