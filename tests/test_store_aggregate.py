"""aggregate(): identical sums per document / group from the memory store, the disk store and any store."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from textlab._errors import ConfigError
from textlab.data import TextData
from textlab.preprocessing.counts import count_terms
from textlab.store import aggregate as aggregate_module
from textlab.store.aggregate import aggregate
from textlab.store.memory import MemoryStore

from test_store_disk import generated_corpus, write_disk


@dataclass(frozen=True)
class _ChunkyStore:
    """A store of another kind: the same matrix in uneven blocks (exercises the generic path)."""

    matrix: sp.csr_matrix
    kind = "test"

    @property
    def shape(self):
        return self.matrix.shape

    def iter_blocks(self, block_rows=None):
        cuts = [0, 1, 7, 300, 301, 1_200, self.matrix.shape[0]]
        for a, b in zip(cuts, cuts[1:]):
            yield a, self.matrix[a:b]

    def to_csr(self):
        return self.matrix


@pytest.fixture(scope="module")
def counted(tmp_path_factory):
    corpus = generated_corpus(2_000, seed=3)
    memory = count_terms(corpus, min_df=2)
    disk = count_terms(write_disk(corpus, tmp_path_factory.mktemp("agg") / "data"), min_df=2)
    return memory, disk


@pytest.mark.parametrize("by", ["doc_id", "outlet", "year"])
def test_memory_disk_and_generic_sums_are_identical(counted, by):
    memory, disk = counted
    chunky = memory.with_(store=_ChunkyStore(memory.counts))
    results = [aggregate(d, by) for d in (memory, disk, chunky)]
    dense = memory.counts.toarray()
    labels = memory.rows[by].to_numpy()
    order = pd.unique(labels)
    expected = np.vstack([dense[labels == value].sum(axis=0) for value in order])
    for result in results:
        assert isinstance(result.store, MemoryStore) and result.counts.dtype == np.int64
        assert np.array_equal(result.counts.toarray(), expected)
        assert (result.counts != results[0].counts).nnz == 0
        assert list(result.rows[by]) == list(order)
        assert result.rows["n_rows"].tolist() == [int((labels == v).sum()) for v in order]
        assert result.unit == ("document" if by == "doc_id" else "group")
        assert result.tokens is None and result.params["aggregated_by"] == by
        pd.testing.assert_frame_equal(result.terms, memory.terms)
    pd.testing.assert_frame_equal(results[1].rows, results[0].rows)


def test_row_table_keeps_constant_metadata_only(counted):
    memory, _ = counted
    docs = aggregate(memory, "doc_id")
    assert "position" not in docs.rows.columns and "passage_id" not in docs.rows.columns
    assert "n_docs" not in docs.rows.columns and (docs.rows["n_passages"] == docs.rows["n_rows"]).all()
    outlets = aggregate(memory, "outlet")
    expected_docs = memory.rows.groupby("outlet", sort=False)["doc_id"].nunique()
    assert outlets.rows["n_docs"].tolist() == expected_docs.loc[outlets.rows["outlet"]].tolist()
    # year varies within an outlet, so it is dropped; outlet is constant within documents? not in this corpus
    assert "year" not in outlets.rows.columns


def test_generic_path_compacts_without_changing_sums(counted, monkeypatch):
    memory, _ = counted
    calls = []
    original = aggregate_module._compact

    def spy(*args):
        calls.append(len(args[1]))
        return original(*args)

    monkeypatch.setattr(aggregate_module, "_compact", spy)
    chunky = memory.with_(store=_ChunkyStore(memory.counts))
    monkeypatch.setattr(aggregate_module, "max", lambda a, b: 10, raising=False)  # compact after every block
    result = aggregate(chunky, "doc_id")
    assert len(calls) > 2
    assert (result.counts != aggregate(memory, "doc_id").counts).nnz == 0


def test_errors_name_the_column():
    data = TextData(rows=pd.DataFrame({"doc_id": ["a", None]}), terms=pd.DataFrame({"term": ["x"], "label": ["x"]}),
                    store=MemoryStore(sp.csr_matrix([[1], [2]])))
    with pytest.raises(ConfigError, match=r"by='outlet' is not a column of the rows; available: \['doc_id'\]"):
        aggregate(data, "outlet")
    with pytest.raises(ConfigError, match="by='doc_id': 1 rows have no value"):
        aggregate(data, "doc_id")
    with pytest.raises(ConfigError, match="summed per 'doc_id'"):
        aggregate(data.with_(rows=pd.DataFrame({"doc_id": ["a", "a"]})), "doc_id").require_tokens("KWIC")
