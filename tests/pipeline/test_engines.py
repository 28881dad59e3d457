"""Issue 13: the same batch scored on DuckDB and on Spark gets the same answers, row by row.

Spark runs twice: in this process (`local[2]`), and as a real standalone cluster
(one master, two workers on 127.0.0.1) started from PySpark's own distribution
and stopped by the test.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from taxmatch import agreement
from taxmatch.lab import synth
from taxmatch.layout import Layout
from taxmatch.matching import reference
from taxmatch.matching.search import Search, SparkMaster
from taxmatch.pipeline import batch
from tests.conftest import context_for

pyspark = pytest.importorskip("pyspark")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.spark,
    # PySpark reads results from the JVM over a local socket it leaves for the collector to close
    # (pyspark.util._load_from_socket); that warning is PySpark's, not a leak of ours.
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
    pytest.mark.filterwarnings("ignore:unclosed <socket.socket:ResourceWarning"),
]
NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)


@dataclass(frozen=True)
class Loaded:
    root: Path
    requests: Path
    manifest: Path
    duckdb: list[dict[str, str]]  # the decisions the default engine made


def _decisions(out: Path) -> list[dict[str, str]]:
    with (out / "decisions.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _process(root: Path, loaded_store: Path, name: str, search: Search | None = None) -> list[dict[str, str]]:
    store = root / f"store-{name}"
    shutil.copytree(loaded_store, store)
    ctx = context_for(store, NOW, agreement.load())
    submission = batch.read_batch(root / "requests.csv", root / "manifest.json", ctx.agreement)
    batch.process(ctx, submission, root / f"out-{name}", search=search)
    ctx.engine.dispose()
    return _decisions(root / f"out-{name}")


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Loaded:
    root = tmp_path_factory.mktemp("engines")
    people = synth.write_master(root / "master.csv", 20_000, seed=31)
    synth.write_requests(root / "requests.csv", root / "truth.csv", people, 3_000, seed=32)
    synth.write_manifest(root / "manifest.json", root / "requests.csv")
    reference.load(root / "master.csv", Layout(root / "store"), NOW)
    duck = _process(root, root / "store", "duckdb")
    return Loaded(root, root / "requests.csv", root / "manifest.json", duck)


def _same_answers(spark: list[dict[str, str]], duck: list[dict[str, str]]) -> None:
    assert len(spark) == len(duck) == 3_000
    fields = ("request_id", "outcome", "reason_codes", "matched_tin", "candidates")
    for ours, theirs in zip(spark, duck, strict=True):
        assert {f: ours[f] for f in fields} == {f: theirs[f] for f in fields}
    assert sum(r["outcome"] == "VERIFIED" for r in duck) > 1_000  # the batch exercises matching


def _spark_search(root: Path, url: str) -> SparkMaster:
    return SparkMaster(reference.open_reference(Layout(root / "store")), url)


def test_spark_in_process_answers_as_duckdb_does(loaded: Loaded) -> None:
    search = _spark_search(loaded.root, "local[2]")
    try:
        spark = _process(loaded.root, loaded.root / "store", "local", search)
    finally:
        search.close()
    _same_answers(spark, loaded.duckdb)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def cluster(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A standalone Spark cluster on 127.0.0.1 from PySpark's distribution: its master URL."""
    home = Path(pyspark.__file__).parent
    env = {
        **os.environ,
        "SPARK_HOME": str(home),
        "SPARK_LOCAL_IP": "127.0.0.1",
        "SPARK_LOG_DIR": str(tmp_path),
    }
    monkeypatch.setenv("SPARK_LOCAL_IP", "127.0.0.1")  # the driver, started later in this process
    port, ui = _free_port(), _free_port()
    url = f"spark://127.0.0.1:{port}"
    spark_class = [str(home / "bin" / "spark-class")]
    started = [
        subprocess.Popen(
            [
                *spark_class,
                "org.apache.spark.deploy.master.Master",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            ]
            + ["--webui-port", str(ui)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=(tmp_path / "master.log").open("w"),
        )
    ]
    for n in range(2):
        worker = [
            *spark_class,
            "org.apache.spark.deploy.worker.Worker",
            url,
            "--cores",
            "1",
            "--memory",
            "1g",
        ]
        worker += ["--webui-port", str(_free_port()), "--work-dir", str(tmp_path / f"work{n}")]
        started.append(
            subprocess.Popen(
                worker, env=env, stdout=subprocess.DEVNULL, stderr=(tmp_path / f"worker{n}.log").open("w")
            )
        )
    try:
        _await_workers(ui, 2, tmp_path)
        yield url
    finally:
        for process in started:
            process.terminate()
        for process in started:
            process.wait(timeout=30)


def _await_workers(ui: int, wanted: int, logs: Path) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{ui}/json/", timeout=2) as answer:
                if json.load(answer).get("aliveworkers", 0) >= wanted:
                    return
        except OSError:
            pass
        time.sleep(1)
    raise AssertionError("the cluster did not start: " + (logs / "master.log").read_text()[-2000:])


def test_a_standalone_spark_cluster_answers_as_duckdb_does(loaded: Loaded, cluster: str) -> None:
    search = _spark_search(loaded.root, cluster)
    try:
        assert search.matcher.spark.sparkContext.master == cluster
        spark = _process(loaded.root, loaded.root / "store", "cluster", search)
    finally:
        search.close()
    _same_answers(spark, loaded.duckdb)
