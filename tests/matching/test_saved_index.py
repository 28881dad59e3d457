"""The candidate index the load saves with the reference: what it holds, and when it must not be used."""

from __future__ import annotations

import datetime as dt
import functools
import json
import shutil
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from hypothesis import given
from hypothesis import strategies as st

from taxmatch.lab import synth
from taxmatch.layout import Layout
from taxmatch.matching import model, reference, saved_index, scorer
from taxmatch.matching.candidate_index import CandidateIndex
from taxmatch.matching.known_addresses import KNOWN, KnownAddresses, last_known
from tests.conftest import at

TODAY = dt.date(2026, 11, 25)


@given(
    st.lists(st.integers(0, 40), min_size=1, max_size=6),
    st.data(),
)
def test_rows_are_taken_chunk_by_chunk_as_from_one_table(lengths: list[int], data: st.DataObject) -> None:
    """A mapped master comes in the load's blocks; the rows taken are those of one table."""
    total = sum(lengths)
    whole = pa.table({"uid": pa.array(range(total), pa.int64()), "tin": [f"t{i}" for i in range(total)]})
    starts = np.concatenate([[0], np.cumsum(lengths)])
    chunked = pa.Table.from_batches(
        [b for lo, n in zip(starts, lengths, strict=False) for b in whole.slice(int(lo), n).to_batches()]
        or whole.to_batches(),
        whole.schema,
    )
    rows = np.array(sorted(data.draw(st.sets(st.integers(0, max(total - 1, 0))))) if total else [], np.int64)
    taken = saved_index.Blocks(chunked).take(rows)
    assert taken.to_pylist() == whole.take(pa.array(rows, pa.int64())).to_pylist()


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("saved")
    synth.write_master(root / "master.csv", 1500, seed=31)
    reference.load(root / "master.csv", Layout(root / "store"), at(TODAY))
    return root / "store"


def _copy(store: Path, tmp_path: Path) -> reference.Reference:
    shutil.copytree(store, tmp_path / "store")
    return reference.open_reference(Layout(tmp_path / "store"))


@pytest.mark.slow
def test_the_load_saves_each_rule_s_sorted_keys_and_the_master_s_columns(store: Path) -> None:
    ref = reference.open_reference(Layout(store))
    saved = saved_index.open_saved(ref.directory)
    assert saved is not None
    master = pq.read_table(ref.parquet, columns=list(saved_index.COLUMNS))
    assert saved.master.table.to_pylist() == master.to_pylist()
    assert len(saved.rules) == len(model.BLOCKING_RULES)
    for rule in saved.rules:
        assert np.all(rule.keys[:-1] <= rule.keys[1:])
        present = functools.reduce(pc.and_, (pc.is_valid(master[c]) for c in rule.columns))
        complete = master.filter(present)
        assert sorted(rule.uids.tolist()) == complete.column(model.UID).to_pylist()


@pytest.mark.slow
@pytest.mark.parametrize(
    "spoil",
    [
        lambda check: check | {"hash_probe": check["hash_probe"] + 1},  # another DuckDB's hash
        lambda check: check | {"rules": check["rules"][:-1]},  # saved for other blocking rules
    ],
    ids=["hashed differently", "other rules"],
)
def test_an_index_that_does_not_fit_this_version_is_not_used(
    store: Path, tmp_path: Path, spoil: object
) -> None:
    """A saved index whose hashes or rules are not this code's would miss candidates: it is left alone,
    and a batch scans the master instead."""
    ref = _copy(store, tmp_path)
    check_path = ref.directory / saved_index.CHECK
    check = json.loads(check_path.read_text(encoding="utf-8"))
    check_path.write_text(json.dumps(spoil(check)), encoding="utf-8")  # type: ignore[operator]
    assert saved_index.open_saved(ref.directory) is None
    assert CandidateIndex.saved(ref) is None


@pytest.mark.slow
def test_an_index_whose_rows_are_not_in_uid_order_is_not_used(store: Path, tmp_path: Path) -> None:
    """Rows are taken by uid as position: a master file whose uids are not its positions would give
    other people's rows."""
    ref = _copy(store, tmp_path)
    path = ref.directory / saved_index.MASTER
    master = pa.ipc.open_file(pa.OSFile(str(path))).read_all()  # read, not mapped: the file is rewritten
    shifted = master.set_column(0, model.UID, pa.compute.add(master.column(model.UID), 1))
    with pa.ipc.new_file(str(path), shifted.schema) as writer:
        writer.write_table(shifted)
    assert saved_index.open_saved(ref.directory) is None


@pytest.mark.slow
@pytest.mark.parametrize("name", [saved_index.MASTER, saved_index.rule_file(3), saved_index.CHECK])
def test_an_index_file_cut_short_is_not_used_and_says_why(
    store: Path, tmp_path: Path, name: str, caplog: pytest.LogCaptureFixture
) -> None:
    """A damaged file of the store's own (a disk filled during a copy) is not read as an index: the
    batch scans, which gives the same answers, and the log says which store and what to do."""
    ref = _copy(store, tmp_path)
    path = ref.directory / name
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    assert saved_index.open_saved(ref.directory) is None
    assert CandidateIndex.saved(ref) is None
    assert "cannot be read" in caplog.text and str(ref.directory) in caplog.text
    assert "load the master again" in caplog.text


@pytest.mark.slow
@pytest.mark.parametrize("reshape", ["two blocks", "a column dropped"])
def test_a_rule_file_not_shaped_as_the_load_writes_it_is_not_used(
    store: Path, tmp_path: Path, reshape: str, caplog: pytest.LogCaptureFixture
) -> None:
    """A rule file read whole, but in two blocks, would have its second block's keys go unsearched (a
    binary search reads one array), and one without its uids cannot be searched: neither is used."""
    ref = _copy(store, tmp_path)
    path = ref.directory / saved_index.rule_file(2)
    table = pa.ipc.open_file(pa.OSFile(str(path))).read_all()  # read, not mapped: the file is rewritten
    if reshape == "a column dropped":
        table = table.drop_columns([model.UID])
    with pa.ipc.new_file(str(path), table.schema) as writer:
        writer.write_table(table, max_chunksize=max(table.num_rows // 2, 1))
    assert saved_index.open_saved(ref.directory) is None
    assert "cannot be read" in caplog.text and "load the master again" in caplog.text


@pytest.mark.slow
def test_a_store_loaded_without_an_index_is_scanned_with_the_same_candidates(
    store: Path, tmp_path: Path
) -> None:
    ref = _copy(store, tmp_path)
    requests = pq.read_table(ref.parquet).slice(0, 300).drop_columns([model.UID])
    requests = requests.append_column(model.UID, pa.array(range(300), pa.int64()))
    searched = scorer.Matcher(ref)
    found = searched.best(requests).sort_by([("request_uid", "ascending"), ("tin", "ascending")])
    assert searched._index is not None
    searched.close()
    (ref.directory / saved_index.CHECK).unlink()  # as a store loaded by an earlier version
    scanned = scorer.Matcher(ref)
    again = scanned.best(requests).sort_by([("request_uid", "ascending"), ("tin", "ascending")])
    assert scanned._index is None and scanned._scan
    scanned.close()
    assert found.num_rows > 300
    assert again.equals(found)


def _resident_kib(path: Path) -> int:
    """What this process holds resident of a mapped file, from /proc/self/smaps."""
    held, inside = 0, False
    for line in Path("/proc/self/smaps").read_text().splitlines():
        if "-" in line.split(" ", 1)[0]:  # a mapping's header line: address range, ..., path
            inside = line.endswith(str(path))
        elif inside and line.startswith("Rss:"):
            held += int(line.split()[1])
    return held


@pytest.mark.slow
def test_a_search_lets_go_of_the_index_pages_it_touched(store: Path) -> None:
    """At 10M taxpayers the index is 5.8 GB and a chunk touches most of it: kept mapped, it would all
    count as the batch's resident memory. Each rule and each block of rows is let go of after use."""
    ref = reference.open_reference(Layout(store))
    index = CandidateIndex.saved(ref)
    assert index is not None
    requests = pq.read_table(ref.parquet).slice(0, 500)
    assert index.candidates(requests).num_rows >= 500
    assert index.master.num_rows > 0  # the mapping is still open
    for name in (saved_index.MASTER, *(saved_index.rule_file(n) for n in range(len(model.BLOCKING_RULES)))):
        assert _resident_kib(ref.directory / name) == 0, name
    index.close()
    service = CandidateIndex(ref)  # a service reads them in at start and keeps them: no call waits for them
    size = (ref.directory / saved_index.MASTER).stat().st_size
    assert _resident_kib(ref.directory / saved_index.MASTER) * 1024 >= size - 4096
    service.candidates(requests)
    assert _resident_kib(ref.directory / saved_index.MASTER) * 1024 >= size - 4096
    service.close()


@pytest.mark.slow
def test_last_known_addresses_are_found_by_search_as_by_a_scan(store: Path, tmp_path: Path) -> None:
    ref = _copy(store, tmp_path)
    tins = [str(t) for t in pq.read_table(ref.last_known, columns=["tin"]).column("tin").to_pylist()[::7]]
    asked = [*tins, "000000000", "12345678", "not a tin", tins[0]]
    searched = last_known(ref, asked)
    assert _resident_kib(ref.directory / KNOWN) == 0
    mapped = KnownAddresses(ref).last_known(asked)  # the service's, from the same file
    (ref.directory / KNOWN).unlink()  # a store loaded before: the parquet file is scanned
    scanned = last_known(ref, asked)
    assert len(scanned) == len(tins) > 100
    assert searched == scanned == mapped == KnownAddresses(ref).last_known(asked)  # read into memory


@pytest.mark.slow
@pytest.mark.parametrize("damage", ["cut", "columns"])
def test_last_known_addresses_in_a_damaged_file_are_found_by_a_scan(
    store: Path, tmp_path: Path, damage: str, caplog: pytest.LogCaptureFixture
) -> None:
    """A damaged `index_known.arrow` is not searched (nor does it stop the batch with Arrow's error): the
    same addresses come from last_known.parquet, and the log says which file and what to do."""
    ref = _copy(store, tmp_path)
    tins = [str(t) for t in pq.read_table(ref.last_known, columns=["tin"]).column("tin").to_pylist()[::7]]
    searched = last_known(ref, tins)
    path = ref.directory / KNOWN
    if damage == "cut":
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    else:  # whole, but not as the load writes it: the TINs' numbers missing
        table = pa.ipc.open_file(path).read_all().drop_columns(["tin_number"])
        with pa.ipc.new_file(str(path), table.schema) as writer:
            writer.write_table(table)
    assert last_known(ref, tins) == searched
    assert KnownAddresses(ref).last_known(tins) == searched  # the service, at its start
    assert str(path) in caplog.text and "load the master again" in caplog.text
