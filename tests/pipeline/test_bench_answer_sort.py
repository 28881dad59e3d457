"""scripts/bench_answer_sort.py, behind the last sort's figures in docs/benchmarks.md, runs as written."""

from tests.conftest import bench_script
from tests.pipeline.conftest import Store


def test_each_share_is_timed_and_writes_the_same_files(store: Store) -> None:
    _, out = store.answered(store.rows, "first")
    before = sorted(p.name for p in out.parent.iterdir())
    title, rows = bench_script(
        "bench_answer_sort.py", str(out), "--memory-limit", "1GiB", "--shares", "1", "0.25"
    )
    assert title == "150 rows, TAXMATCH_MEMORY_LIMIT=1GiB"
    assert [share for share, *_ in rows] == ["1", "0.25"]
    assert all(float(seconds) >= 0 and int(peak.replace(",", "")) > 0 for _, seconds, peak, _ in rows)
    assert all(files.startswith("the same") for *_, files in rows)
    assert sorted(p.name for p in out.parent.iterdir()) == before  # its staging is removed
