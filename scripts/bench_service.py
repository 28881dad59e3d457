"""Benchmark the service over HTTP: interactive latency, and a batch from upload to download.

    python scripts/bench_service.py BENCH_DIR [--calls 200] [--port 8765]

BENCH_DIR is what scripts/benchmark.py leaves behind: `store/` with a loaded
master, `requests.csv` and `manifest.json`. Starts `taxmatch serve` and, for the
batch, `taxmatch worker --once`, each as its own process, talking to them as a
client would (bearer credentials issued with `taxmatch clients issue`). Prints
Markdown for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx2 as httpx

TAXMATCH = [sys.executable, "-m", "taxmatch"]


def issue(env: dict[str, str], agency: str, role: str) -> str:
    done = subprocess.run(
        [*TAXMATCH, "clients", "issue", "--agency", agency, "--role", role],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout.strip().splitlines()[-1]


def wait_ready(client: httpx.Client, timeout: float = 300) -> float:
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        try:
            if client.get("/ready").status_code == 200:
                return time.perf_counter() - started
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise SystemExit("the service did not become ready")


def quantiles(seconds: list[float]) -> tuple[float, float]:
    ms = sorted(s * 1000 for s in seconds)
    return statistics.median(ms), ms[min(len(ms) - 1, int(len(ms) * 0.99))]


def interactive(client: httpx.Client, token: str, work: Path, calls: int) -> list[str]:
    manifest = json.loads((work / "manifest.json").read_text())
    manifest.pop("request_file_sha256")
    with (work / "requests.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    headers = {"Authorization": f"Bearer {token}"}
    lines = []
    for size in (25, 1):
        took = []
        for n in range(calls + 1):
            start = (n * 7919 * size) % (len(rows) - size)
            began = time.perf_counter()
            answer = client.post(
                "/verify",
                json={"manifest": manifest, "requests": rows[start : start + size]},
                headers=headers,
            )
            if answer.status_code != 200:
                raise SystemExit(f"/verify failed: {answer.status_code} {answer.text}")
            if n:  # the first call warms the scoring session
                took.append(time.perf_counter() - began)
        p50, p99 = quantiles(took)
        lines.append(f"| POST /verify, {size} request(s) per call | {p50:.0f} ms | {p99:.0f} ms | {calls} |")
    return lines


def fresh_batch(work: Path) -> tuple[bytes, bytes]:
    """The benchmark's requests rotated by a random offset: the same rows, but a batch never seen before."""
    header, *rows = (work / "requests.csv").read_bytes().splitlines(keepends=True)
    cut = random.randrange(1, len(rows))
    body = b"".join([header, *rows[cut:], *rows[:cut]])
    manifest = json.loads((work / "manifest.json").read_text())
    manifest["request_file_sha256"] = hashlib.sha256(body).hexdigest()
    return json.dumps(manifest).encode(), body


def batch(client: httpx.Client, env: dict[str, str], tokens: dict[str, str], work: Path) -> list[str]:
    steps = []
    manifest, body = fresh_batch(work)
    started = time.perf_counter()
    files = {
        "manifest": ("manifest.json", manifest, "application/json"),
        "requests": ("requests.csv", body, "text/csv"),
    }
    sent = client.post("/batches", files=files, headers={"Authorization": f"Bearer {tokens['requester']}"})
    if sent.status_code != 202:
        raise SystemExit(f"submission failed: {sent.status_code} {sent.text}")
    batch_id = sent.json()["batch_id"]
    steps.append(("submit (upload, check whole, queue)", time.perf_counter() - started, None))
    began = time.perf_counter()
    proc = subprocess.Popen([*TAXMATCH, "worker", "--once"], env=env, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit("the worker failed")
    steps.append(("worker processes the batch", time.perf_counter() - began, usage.ru_maxrss / 1024))
    began = time.perf_counter()
    officer = {"Authorization": f"Bearer {tokens['disclosure_officer']}"}
    approved = client.post(f"/batches/{batch_id}/approve", headers=officer)
    if approved.status_code != 200:
        raise SystemExit(f"approval failed: {approved.status_code} {approved.text}")
    steps.append(("disclosure officer approves", time.perf_counter() - began, None))
    began = time.perf_counter()
    results = client.get(
        f"/batches/{batch_id}/results", headers={"Authorization": f"Bearer {tokens['requester']}"}
    )
    rows = results.text.count("\n") - 1
    steps.append((f"requester downloads results ({rows:,} rows)", time.perf_counter() - began, None))
    steps.append(("end to end", time.perf_counter() - started, None))
    return [
        f"| {name} | {seconds:.1f} | {'' if rss is None else f'{rss:.0f}'} |" for name, seconds, rss in steps
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("work", type=Path)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    env = {
        **os.environ,
        "TAXMATCH_STORE": str(args.work / "store"),
        "TAXMATCH_VERIFY_CALLS_PER_MINUTE": "1000000",
    }
    # The store's SQLite file unless TAXMATCH_BENCH_DATABASE_URL names another database.
    env.pop("TAXMATCH_DATABASE_URL", None)
    if "TAXMATCH_BENCH_DATABASE_URL" in env:
        env["TAXMATCH_DATABASE_URL"] = env["TAXMATCH_BENCH_DATABASE_URL"]
    tokens = {
        r: issue(env, "DHS/ICE" if r == "requester" else "IRS", r)
        for r in ("requester", "disclosure_officer")
    }
    server = subprocess.Popen(
        [*TAXMATCH, "serve", "--port", str(args.port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{args.port}", timeout=600) as client:
            ready = wait_ready(client)
            print(f"service ready (index built) in {ready:.1f} s\n")
            print("| interactive | p50 | p99 | calls |\n|---|---:|---:|---:|")
            print("\n".join(interactive(client, tokens["requester"], args.work, args.calls)))
            print("\n| batch through the API | seconds | peak RSS (MiB) |\n|---|---:|---:|")
            print("\n".join(batch(client, env, tokens, args.work)))
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
