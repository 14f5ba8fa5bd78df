"""Shard tasks on a Dask cluster get one shard's share of the work and leave nothing behind on the workers.

The sums are added in the driver in shard order, so per-document sums (a documents x terms
result) are never built on a worker; the numbers equal one process exactly.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

pytest.importorskip("distributed")

from textlab.compute import use_compute  # noqa: E402

SHARD_ROWS = 170


def _store(tmp_path, matrix: sp.csr_matrix):
    """A DiskStore of ``matrix`` cut into shards of ``SHARD_ROWS`` rows (cuts fall inside documents)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from textlab.store.disk import DiskStore

    names, lengths = [], []
    for i, start in enumerate(range(0, matrix.shape[0], SHARD_ROWS)):
        part = matrix[start:start + SHARD_ROWS].tocoo()
        names.append(f"counts-{i:05d}.parquet")
        lengths.append(part.shape[0])
        pq.write_table(pa.table({"row": part.row.astype(np.int64), "term": part.col.astype(np.int64),
                                 "count": part.data.astype(np.int64)}), tmp_path / names[-1])  # fmt: skip
    return DiskStore(tmp_path, tuple(names), tuple(lengths), matrix.shape[1])


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """1,200 passages of 400 documents (1-5 passages each) in 4 groups, one group a single document; 60 terms."""
    rng = np.random.default_rng(7)
    sizes = rng.integers(1, 6, size=400)
    doc = np.repeat(np.arange(400), sizes)[:1_200]
    group = np.where(doc == 0, "solo", np.array(["a", "b", "c"])[doc % 3])
    matrix = sp.random(len(doc), 60, density=0.15, random_state=3, format="csr",
                       data_rvs=lambda n: rng.integers(1, 5, size=n)).astype(np.int64)
    rows = pd.DataFrame({"doc_id": [f"d{d:03d}" for d in doc], "outlet": group})
    return rows, _store(tmp_path_factory.mktemp("store"), matrix), matrix


@pytest.fixture(scope="module")
def client():
    with use_compute({"scheduler": "dask", "n_workers": 2}) as dask_client:
        dask_client.wait_for_workers(2, timeout=120)
        yield dask_client


def _held(client) -> list:
    """Keys still in the workers' memory once the releases sent to the scheduler have arrived (up to 10 s)."""
    import time

    for _ in range(100):
        keys = [k for held in client.run(lambda dask_worker: list(dask_worker.data)).values() for k in held]
        if not keys:
            break
        time.sleep(0.1)
    return keys


@pytest.mark.parametrize("by", ["doc_id", "outlet"])
def test_sums_per_document_and_group_on_the_cluster_equal_one_process(corpus, client, by):
    from textlab.compute import activate
    from textlab.store.aggregate import sum_rows

    rows, store, matrix = corpus
    codes, groups = pd.factorize(rows[by], sort=False)
    with activate(None):
        local = sum_rows(store, codes, len(groups))
    with activate(client):
        remote = sum_rows(store, codes, len(groups))
    expected = np.zeros((len(groups), matrix.shape[1]), dtype=np.int64)
    np.add.at(expected, codes, matrix.toarray())
    assert np.array_equal(local.toarray(), expected)
    assert remote.dtype == np.int64 and remote.has_canonical_format
    for name in ("indptr", "indices", "data"):
        assert np.array_equal(getattr(remote, name), getattr(local, name))
        assert getattr(remote, name).dtype == getattr(local, name).dtype
    assert _held(client) == []  # no shard result left on a worker


@pytest.mark.parametrize("max_units", [None, 40])
def test_unit_counts_on_the_cluster_equal_one_process(corpus, client, max_units):
    from textlab.compute import activate
    from textlab.stats.units import count_units

    rows, store, _ = corpus
    args = (store, rows["outlet"].to_numpy(object), rows["doc_id"].to_numpy(object), ["a", "b", "c", "solo"])
    with activate(None):
        local = count_units(*args, passage_groups=[3], max_units=max_units, random_state=1)
    with activate(client):
        remote = count_units(*args, passage_groups=[3], max_units=max_units, random_state=1)
    for name in ("group_counts", "passages_with_term", "n_passages", "n_docs", "docs_with_term"):
        a, b = getattr(local, name, None), getattr(remote, name, None)
        assert a is None or np.array_equal(a, b), name  # the planned path also fills n_docs, docs_with_term
    assert (local.passage_counts[3] != remote.passage_counts[3]).nnz == 0
    if max_units is None:
        assert (local.doc_counts != remote.doc_counts).nnz == 0
    for purpose, (matrix, unit_group) in local.unit_sets.items():
        assert (remote.unit_sets[purpose][0] != matrix).nnz == 0
        assert np.array_equal(remote.unit_sets[purpose][1], unit_group)
    assert _held(client) == []


def test_a_plan_window_gives_the_partial_sums_of_the_whole_plan(corpus):
    from textlab.stats import units
    from textlab.stats._unit_sums import count_block

    rows, store, _ = corpus
    code = pd.Series(rows["outlet"]).map({"a": 0, "b": 1, "c": 2, "solo": 3}).to_numpy(np.int64)
    doc_code, doc_index = pd.factorize(rows["doc_id"], sort=False)
    doc_group = np.zeros(len(doc_index), dtype=np.int64)
    doc_group[doc_code] = code
    for max_units in (None, 40):
        plan, _ = units._plan(code, doc_code.astype(np.int64), doc_group, doc_index, code == 3, (4, store.shape[1]),
                              max_units, 1)  # fmt: skip
        first = 0
        for index, n in enumerate(store.lengths):
            window = plan.window(first, n)
            assert len(window.code) == n and len(window.doc_first) <= n  # one shard's rows and documents
            whole, part = count_block(first, store._read(index), plan), count_block(first, store._read(index), window)
            for name in ("totals", "presence", "doc_presence"):
                assert np.array_equal(getattr(whole, name), getattr(part, name))
            for (c1, m1), (c2, m2) in zip(whole.pending, part.pending, strict=True):
                assert np.array_equal(c1, c2) and (m1 != m2).nnz == 0
            for key in whole.sets:
                (c1, m1), (c2, m2) = whole.sets[key][0], part.sets[key][0]
                assert np.array_equal(c1, c2) and (m1 != m2).nnz == 0
            for x, y in zip(units._concat(whole.passages), units._concat(part.passages), strict=True):
                assert np.array_equal(x, y)  # a window without kept passages adds no (empty) part
            first += n


def test_shard_tasks_are_sent_one_shard_of_codes_not_the_corpus(corpus, client, monkeypatch):
    import textlab.compute.dask as dask_compute
    from textlab.compute import activate
    from textlab.stats.units import count_units
    from textlab.store.aggregate import sum_rows

    rows, store, _ = corpus
    sent: list[int] = []
    real = dask_compute.map_ordered

    def spy(client, fn, items, **kwargs):
        def record(pairs):
            for payload, item in pairs:
                arrays = [x for x in item if isinstance(x, np.ndarray)]
                arrays += [item[2].code] if len(item) == 3 else []
                sent.append(max(len(a) for a in arrays))
                yield payload, item
        return real(client, fn, record(items), **kwargs)

    monkeypatch.setattr(dask_compute, "map_ordered", spy)
    codes, groups = pd.factorize(rows["doc_id"], sort=False)
    with activate(client):
        sum_rows(store, codes, len(groups))
        count_units(store, rows["outlet"].to_numpy(object), rows["doc_id"].to_numpy(object), ["a", "b"])
    assert len(sent) == 2 * len(store.shards) and max(sent) == SHARD_ROWS
