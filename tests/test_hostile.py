"""Every case of the hostile-input corpus, through the command line and through the service.

A refused case must get exit 2 or a 4xx that says what, where and what to do,
with no traceback and no server path, and must leave nothing written or stored.
An accepted case must have every row answered. Each run is held to a time and
a peak-memory budget: the command line's from its own process (wait4), the
service's as this process's growth during the upload alone (its high-water
mark is reset first, so earlier tests in the same process cannot set it).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from taxmatch.api import create_app
from taxmatch.db import clients
from taxmatch.db.clients import Role
from taxmatch.lab import synth
from taxmatch.lab.hostile import Case, corpus
from taxmatch.layout import Layout
from taxmatch.matching import reference
from taxmatch.settings import Settings

pytestmark = pytest.mark.slow
NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)
CASES = corpus()
PEAK_MIB = 1024  # a refused file costs a scan, never the memory of its rows
SECONDS = 60


@dataclass(frozen=True)
class Service:
    client: TestClient
    token: str
    store: Path


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("hostile")
    synth.write_master(root / "master.csv", 300, seed=61)
    reference.load(root / "master.csv", Layout(root / "store"), NOW)
    return root / "store"


@pytest.fixture(scope="module")
def service(store: Path) -> Iterator[Service]:
    app = create_app(Settings(store=store, batches_per_day=1000))
    _, token = clients.issue(app.state.context.engine, "DHS/ICE", Role.REQUESTER, NOW)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Service(client, token, store)
    app.state.context.engine.dispose()


def files_of(case: Case, folder: Path) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    requests, manifest = folder / Path(case.filename).name, folder / "manifest.json"
    requests.write_bytes(case.requests)
    manifest.write_bytes(case.manifest_bytes())
    return requests, manifest


# A small Python process starts taxmatch and reports its peak RSS. Measured from this (large) test
# process instead, the child's high-water mark would start at this process's own size.
MEASURED = (
    "import os, subprocess, sys; p = subprocess.Popen(sys.argv[2:]); _, s, r = os.wait4(p.pid, 0); "
    "p.returncode = os.waitstatus_to_exitcode(s); open(sys.argv[1], 'w').write(str(r.ru_maxrss)); "
    "sys.exit(p.returncode)"
)


def run_cli(log: Path, *args: str) -> tuple[int, str, float, float]:
    """Exit code, output, seconds and peak MiB of one `taxmatch` process."""
    peak = log.with_suffix(".peak")
    started = time.perf_counter()
    with log.open("wb") as sink:
        done = subprocess.run(
            [sys.executable, "-c", MEASURED, str(peak), sys.executable, "-m", "taxmatch", *args],
            stdout=sink,
            stderr=subprocess.STDOUT,
            check=False,
        )
    seconds = time.perf_counter() - started
    return (
        done.returncode,
        log.read_text(encoding="utf-8", errors="replace"),
        seconds,
        int(peak.read_text()) / 1024,
    )


@pytest.mark.parametrize("case", [c for c in CASES if c.cli], ids=lambda c: c.name)
def test_the_command_line(case: Case, store: Path, tmp_path: Path) -> None:
    requests, manifest = files_of(case, tmp_path / "in")
    out = tmp_path / "out"
    code, output, seconds, peak = run_cli(
        tmp_path / "log",
        "process",
        str(requests),
        "--manifest",
        str(manifest),
        "--out",
        str(out),
        "--store",
        str(store),
    )
    assert seconds < SECONDS and peak < PEAK_MIB, f"{seconds:.1f} s, {peak:.0f} MiB"
    assert "Traceback" not in output
    if case.accepted:
        assert code == 0, output
        asked = list(csv.DictReader(io.StringIO(case.requests.decode("utf-8-sig"), newline="")))
        with (out / "results.csv").open(encoding="utf-8", newline="") as handle:
            answered = list(csv.reader(handle))
        assert len(answered) == 1 + len(asked)
        assert not any(cell.startswith(("=", "+", "-", "@")) for line in answered for cell in line)
    else:
        assert code == 2, output
        assert "error:" in output and case.needle in output, output
        assert not out.exists()


def stored(service: Service) -> tuple[list[str], int]:
    uploads = Layout(service.store).uploads
    batches = service.client.get("/batches", headers={"Authorization": f"Bearer {service.token}"}).json()
    return sorted(p.name for p in uploads.iterdir()) if uploads.exists() else [], len(batches)


def _kib(field: str) -> int:
    found = re.search(rf"{field}:\s+(\d+)", Path("/proc/self/status").read_text())
    assert found, field
    return int(found.group(1))


def reset_peak() -> int:
    """Reset this process's peak RSS to its RSS now (Linux clear_refs 5); returns that RSS in KiB."""
    Path("/proc/self/clear_refs").write_text("5")
    return _kib("VmHWM")


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_the_service(case: Case, service: Service) -> None:
    before = stored(service)
    baseline = reset_peak()
    started = time.perf_counter()
    files = {
        "manifest": ("manifest.json", case.manifest_bytes(), "application/json"),
        "requests": (case.filename, case.requests, "text/csv"),
    }
    response = service.client.post(
        "/batches", files=files, headers={"Authorization": f"Bearer {service.token}"}
    )
    assert time.perf_counter() - started < SECONDS
    grown = (_kib("VmHWM") - baseline) / 1024
    assert grown < PEAK_MIB, f"the service grew by {grown:.0f} MiB"
    text = response.text
    assert "Traceback" not in text and str(service.store) not in text and ".incoming-" not in text
    if case.accepted:
        assert response.status_code == 202, text
        kept = Layout(service.store).upload(response.json()["batch_id"])
        assert sorted(p.name for p in kept.iterdir()) == [
            "manifest.json",
            "requests.csv",
        ]  # a name, not a path
        return
    assert response.status_code == case.api_status, text
    error = response.json()["error"]
    assert error["message"] and error["fix"] and case.needle in error["message"] + error["fix"], error
    assert stored(service) == before


def test_the_corpus_covers_every_class_the_issue_names() -> None:
    names = " ".join(c.name for c in CASES)
    for wanted in (
        "alias bomb", "Parquet: a struct", "Parquet: a list", "Parquet: a binary", "integer zip",
        "10,000-digit", "50,000 deep", "2,000,000 tiny rows", "byte-order mark", "CRLF", "Latin-1", "NUL",
        "50 MB field", "duplicated header", "extra header", "header only", "empty file", "ragged",
        "bad quoting", "path in the file name", "formula cells in every column", "re-saved",
    ):  # fmt: skip
        assert wanted in names, wanted
    assert len({c.name for c in CASES}) == len(CASES) >= 35


def test_the_corpus_script_writes_it_all(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "scripts/hostile_corpus.py", str(tmp_path)],
        cwd=Path(__file__).resolve().parents[1],
        capture_output=True,
        text=True,
        check=True,
    )
    index = json.loads((tmp_path / "index.json").read_text())
    assert len(index) == len(CASES) and "cases" in done.stdout
