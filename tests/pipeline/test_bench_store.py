"""scripts/bench_store.py, behind the storing figures in docs/benchmarks.md, runs as written."""

from tests.conftest import bench_script
from tests.pipeline.conftest import Store


def test_each_way_is_timed_alone_and_beside_busy_python(store: Store) -> None:
    store.answered(store.rows, "first")
    url = store.ctx.engine.url.render_as_string(hide_password=False)
    title, rows = bench_script(
        "bench_store.py", str(store.ctx.layout.root), "--rows", "40", env={"TAXMATCH_DATABASE_URL": url}
    )
    assert title == "40 decisions"
    assert [(way, beside) for way, beside, _ in rows] == [
        ("executemany", "nothing"),
        ("executemany", "a thread spinning in Python"),
        ("bulk.insert", "nothing"),
        ("bulk.insert", "a thread spinning in Python"),
    ]
    assert all(float(seconds) >= 0 for *_, seconds in rows)
