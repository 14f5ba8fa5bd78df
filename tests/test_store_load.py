"""load_counts: corpora distributed as counts (matrix + vocabulary + rows, or a long table)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from textlab._errors import ConfigError, InputFileError
from textlab.data import TextData
from textlab.store.load import load_counts

from test_store_disk import _Planted

RNG = np.random.default_rng(5)
DENSE = RNG.poisson(0.7, size=(40, 25)) * (RNG.random((40, 25)) < 0.3)
TERMS = [f"t{j:02d}" for j in range(25)][::-1]  # not sorted: the matrix's column order is kept
META = pd.DataFrame({"doc_id": [f"doc{i}" for i in range(40)], "party": RNG.choice(["l", "r"], size=40)})


def _long(dense, terms, ids):
    i, j = np.nonzero(dense)
    return pd.DataFrame({"doc_id": np.asarray(ids)[i], "term": np.asarray(terms)[j], "count": dense[i, j]})


def test_matrix_vocabulary_and_rows():
    data = load_counts(sp.csr_matrix(DENSE), vocabulary=TERMS, rows=META)
    assert isinstance(data, TextData) and data.unit == "document" and data.tokens is None
    assert list(data.vocabulary) == TERMS and np.array_equal(data.counts.toarray(), DENSE)
    assert data.counts.dtype == np.int64
    pd.testing.assert_frame_equal(data.rows, META)
    assert data.params["n_tokens"] == DENSE.sum()
    with pytest.raises(ConfigError, match="needs running text, but this data was read as counts only"):
        data.require_tokens("keyword-in-context")


def test_npz_and_files_equal_the_long_table(tmp_path):
    sp.save_npz(tmp_path / "dtm.npz", sp.csr_matrix(DENSE))
    (tmp_path / "vocab.txt").write_text("\n".join(TERMS) + "\n", encoding="utf-8")
    META.to_csv(tmp_path / "rows.csv", index=False)
    from_npz = load_counts(tmp_path / "dtm.npz", vocabulary=tmp_path / "vocab.txt", rows=tmp_path / "rows.csv")
    assert np.array_equal(from_npz.counts.toarray(), DENSE) and list(from_npz.vocabulary) == TERMS
    long = _long(DENSE, TERMS, META["doc_id"])
    long.sample(frac=1, random_state=0).to_parquet(tmp_path / "long.parquet")
    from_long = load_counts(tmp_path / "long.parquet", rows=tmp_path / "rows.csv")
    order = np.argsort(TERMS)
    assert list(from_long.vocabulary) == sorted(set(long["term"]))
    present = [TERMS[j] for j in order if DENSE[:, j].any()]
    assert list(from_long.vocabulary) == present
    expected = DENSE[:, [TERMS.index(t) for t in present]]
    assert np.array_equal(from_long.counts.toarray(), expected)
    assert from_long.rows["party"].tolist() == META["party"].tolist()


def test_long_table_sums_repeated_pairs_and_keeps_first_appearance_order(tmp_path):
    long = pd.DataFrame({"id": ["b", "a", "b", "b"], "word": ["x", "y", "x", "z"], "n": [1, 2, 3, 4]})
    long.to_csv(tmp_path / "long.csv", index=False)
    data = load_counts(tmp_path / "long.csv", id_column="id", term_column="word", count_column="n")
    assert data.rows["id"].tolist() == ["b", "a"]
    assert data.counts.toarray().tolist() == [[4, 0, 4], [0, 2, 0]]
    assert data.params["n_repeated_pairs_summed"] == 1


@pytest.mark.parametrize("counts, message", [([1.5], "non-integer counts"), ([-1], "negative counts"),
                                             ([np.nan], "non-numeric or missing")])
def test_bad_counts_are_refused(counts, message):
    with pytest.raises(ConfigError, match=message):
        load_counts(pd.DataFrame({"doc_id": ["a"], "term": ["x"], "count": counts}))


def test_one_line_errors(tmp_path):
    with pytest.raises(ConfigError, match="vocabulary= is needed"):
        load_counts(sp.csr_matrix(DENSE))
    with pytest.raises(ConfigError, match="vocabulary has 3 terms but the matrix has 25 columns"):
        load_counts(sp.csr_matrix(DENSE), vocabulary=["a", "b", "c"])
    with pytest.raises(ConfigError, match="repeats the term 't24'"):
        load_counts(sp.csr_matrix(DENSE), vocabulary=TERMS[:-1] + ["t24"])
    with pytest.raises(ConfigError, match="rows has 2 rows but the matrix has 40"):
        load_counts(sp.csr_matrix(DENSE), vocabulary=TERMS, rows=META.head(2))
    with pytest.raises(ConfigError, match="has no column 'count'"):
        load_counts(pd.DataFrame({"doc_id": ["a"], "term": ["x"]}))
    with pytest.raises(ConfigError, match="doc_id 'zz', which rows does not list"):
        load_counts(pd.DataFrame({"doc_id": ["zz"], "term": ["x"], "count": [1]}), rows=META)
    with pytest.raises(InputFileError, match="missing.npz: not found"):
        load_counts(tmp_path / "missing.npz", vocabulary=TERMS)
    with pytest.raises(InputFileError, match="expected .npz"):
        load_counts(tmp_path / "counts.mm")
    (tmp_path / "broken.npz").write_bytes(b"not a zip")
    with pytest.raises(InputFileError, match="broken.npz: is not a scipy.sparse.save_npz matrix"):
        load_counts(tmp_path / "broken.npz", vocabulary=TERMS)


def test_npz_holding_a_pickle_is_refused_and_never_run(tmp_path):
    marker = tmp_path / "marker"
    np.savez(tmp_path / "evil.npz", format=np.array([_Planted(str(marker))], dtype=object))
    with pytest.raises(InputFileError, match="evil.npz: is not a scipy.sparse.save_npz matrix"):
        load_counts(tmp_path / "evil.npz", vocabulary=["x"])
    assert not marker.exists()
