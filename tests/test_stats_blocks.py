"""Random blocks of documents as resampling units (textlab.stats.blocks, count_units max_units, keyness).

Checked against independent calculations: block sums rebuilt from the documents, the same blocks
whatever the row order or store blocks, planted key terms found as by documents with the false
discovery rate held, block-bootstrap intervals covering at their nominal rate, and identical sums
when the shards are counted on a 2-process Dask cluster.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from textlab.analysis.keyness import score_keyness
from textlab.preprocessing.counts import DocumentTermMatrix
from textlab.stats.blocks import bootstrap_blocks, document_ranks, permutation_blocks
from textlab.stats.units import count_units
from textlab.store.memory import MemoryStore


def _corpus(n_docs, n_terms, *, shares=(0.6, 0.4), planted=(), lift=1.6, passages=2, seed=0):
    """Documents of ``passages`` rows each; document rates vary (gamma).

    In group 'a' the first half of ``planted`` is lifted ``lift`` times and the second half lowered so
    that a document's expected length is unchanged: every other term keeps its share of the tokens.
    """
    rng = np.random.default_rng(seed)
    group = rng.choice(["a", "b"], size=n_docs, p=list(shares))
    base = rng.dirichlet(np.full(n_terms, 2.0)) * 40  # expected tokens per document, per term
    rate = base[None, :] * rng.gamma(2.0, 0.5, size=(n_docs, n_terms))  # overdispersed per document
    up, down = list(planted[: len(planted) // 2]), list(planted[len(planted) // 2:])
    if planted:
        rate[np.ix_(group == "a", up)] *= lift
        rate[np.ix_(group == "a", down)] *= 1 - (lift - 1) * base[up].sum() / base[down].sum()
    counts = rng.poisson(rate / passages, size=(passages,) + rate.shape).transpose(1, 0, 2).reshape(-1, n_terms)
    rows = pd.DataFrame({"doc_id": np.repeat([f"d{i}" for i in range(n_docs)], passages),
                         "g": np.repeat(group, passages)})  # fmt: skip
    vocab = np.array([f"t{i}" for i in range(n_terms)], dtype=object)
    return DocumentTermMatrix(sp.csr_matrix(counts), vocab, rows)


def test_partitions_are_random_near_equal_and_order_free():
    keys = np.array([f"doc{i}" for i in range(2_500)], dtype=object)
    group = np.array([0] * 2_000 + [1] * 500)
    ranks = document_ranks(keys, group, 2, random_state=3)
    boot = bootstrap_blocks(ranks, group, 2, max_units=300)
    sizes = np.bincount(boot.unit_of_doc)
    assert boot.info["n_units"] == [300, 300] and set(sizes[:300]) == {6, 7} and set(sizes[300:]) == {1, 2}
    perm = permutation_blocks(ranks, group, 2, max_units=300)
    sizes = np.bincount(perm.unit_of_doc)
    assert perm.info["block_size"] == 7 and perm.info["n_units"] == [286, 72]
    assert (sizes == 7).sum() == 358 - 2  # every block holds 7 documents but each group's last one
    shuffle = np.random.default_rng(0).permutation(2_500)  # another document order: the same blocks
    again = document_ranks(keys[shuffle], group[shuffle], 2, random_state=3)
    assert np.array_equal(again, ranks[shuffle])
    other = document_ranks(keys, group, 2, random_state=4)
    assert not np.array_equal(other, ranks)
    # random, not by document order: a block's documents are spread over the group
    first_block = np.flatnonzero(boot.unit_of_doc == 0)
    assert first_block.max() - first_block.min() > 500


def test_block_sums_equal_the_documents_they_hold_whatever_the_store_blocks():
    dtm = _corpus(1_500, 30, passages=3, seed=1)
    keys = (dtm.passages["doc_id"] + "\x1f" + dtm.passages["g"]).to_numpy(dtype=object)
    labels = dtm.passages["g"].to_numpy(dtype=object)
    plain = count_units(MemoryStore(dtm.counts), labels, keys, ["a", "b"])
    blocked = count_units(MemoryStore(dtm.counts), labels, keys, ["a", "b"], max_units=100, block_rows=7,
                          random_state=5)  # fmt: skip
    assert blocked.doc_counts is None and plain.blocks == {}
    assert np.array_equal(blocked.group_counts, plain.group_counts)
    assert np.array_equal(blocked.passages_with_term, plain.passages_with_term)
    assert np.array_equal(blocked.docs_with_term, np.vstack([plain.document_presence(g, np.arange(30))[0]
                                                             for g in range(2)]))  # fmt: skip
    ranks = document_ranks(np.asarray(keys[::3]), plain.doc_group, 2, random_state=5)  # one row in 3 starts a doc
    for purpose, make in (("bootstrap", bootstrap_blocks), ("permutation", permutation_blocks)):
        part = make(ranks, plain.doc_group, 2, max_units=100)
        expected = sp.csr_matrix((np.ones(len(ranks)), (part.unit_of_doc, np.arange(len(ranks))))) @ plain.doc_counts
        matrix, unit_group = blocked.unit_sets[purpose]
        assert np.array_equal(matrix.toarray(), expected.toarray())
        assert np.array_equal(unit_group, part.unit_group)
    reordered = np.random.default_rng(2).permutation(len(labels))  # rows in another order, other store blocks
    moved = count_units(MemoryStore(dtm.counts[reordered]), labels[reordered], keys[reordered], ["a", "b"],
                        max_units=100, block_rows=50, random_state=5)  # fmt: skip
    for purpose in ("bootstrap", "permutation"):
        assert np.array_equal(moved.unit_sets[purpose][0].toarray(), blocked.unit_sets[purpose][0].toarray())
    assert np.array_equal(moved.docs_with_term, blocked.docs_with_term)


def test_at_or_below_max_units_keyness_is_unchanged():
    dtm = _corpus(400, 20, planted=[0], seed=2)
    options = dict(group_column="g", n_boot=100, n_perm=500, min_count=1, random_state=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        default = score_keyness(dtm, **options)
        unlimited = score_keyness(dtm, max_units=None, **options)
        blocked = score_keyness(dtm, max_units=50, **options)
    pd.testing.assert_frame_equal(default.table, unlimited.table)
    assert set(default.table["resampling_unit"]) == {"document"} and default.params["blocks"] == {}
    assert set(blocked.table["resampling_unit"]) == {"document_block"}
    assert blocked.params["blocks"]["permutation"]["n_units"][0] <= 50
    same = ["term", "group", "count_group", "count_reference", "log_odds", "z", "g2", "dispersion_docs"]
    pd.testing.assert_frame_equal(blocked.table[same], default.table[same])


def test_planted_terms_found_as_by_documents_with_the_false_discovery_rate_held():
    planted = list(range(0, 60, 3))  # 20 of 200 terms: 10 lifted 1.3x in group 'a', 10 lowered to make up
    dtm = _corpus(20_000, 200, planted=planted, lift=1.3, passages=1, seed=3)
    options = dict(group_column="g", groups=["a", "b"], n_boot=0, n_perm=2_000, min_count=1, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        by_block = score_keyness(dtm, max_units=200, **options).table
        by_doc = score_keyness(dtm, max_units=None, **options).table
    truth = np.isin(by_block["term"], [f"t{i}" for i in planted])
    one_side = by_block["group"] == "a"
    for table in (by_block, by_doc):
        side = table["group"] == "a"
        hit = (table["q_perm"] < 0.05) & side
        is_planted = np.isin(table["term"], [f"t{i}" for i in planted])
        power = (hit & is_planted).sum() / 20
        false = (hit & ~is_planted).sum() / max(hit.sum(), 1)
        null_p = table.loc[side & ~is_planted, "p_perm"]
        assert power >= 0.8 and false <= 0.15, (power, false)
        assert (null_p < 0.05).mean() <= 0.1 and 0.35 <= null_p.mean() <= 0.65  # valid under the null
    planted_terms = set(by_block.loc[truth, "term"])
    block_hits = set(by_block.loc[one_side & (by_block["q_perm"] < 0.05), "term"]) & planted_terms
    doc_hits = set(by_doc.loc[(by_doc["group"] == "a") & (by_doc["q_perm"] < 0.05), "term"]) & planted_terms
    assert len(block_hits ^ doc_hits) <= 3  # the same planted terms found, give or take borderline ones


def test_block_bootstrap_intervals_cover_at_their_nominal_rate():
    rng = np.random.default_rng(11)
    p_a, p_b, n_sims, covered, widths, estimates = 0.03, 0.02, 60, 0, [], []
    truth = np.log(p_a / (1 - p_a)) - np.log(p_b / (1 - p_b))
    for sim in range(n_sims):
        n = 1_500
        length = rng.poisson(60, size=2 * n) + 1
        p = np.where(np.arange(2 * n) < n, p_a, p_b) * rng.gamma(2.0, 0.5, size=2 * n)  # documents vary
        hits = rng.binomial(length, np.minimum(p, 1))
        counts = sp.csr_matrix(np.column_stack([hits, length - hits]))
        rows = pd.DataFrame({"doc_id": [f"d{i}" for i in range(2 * n)], "g": ["a"] * n + ["b"] * n})
        dtm = DocumentTermMatrix(counts, np.array(["x", "other"], dtype=object), rows)
        res = score_keyness(dtm, group_column="g", groups=["a", "b"], prior="uniform", prior_scale=0.01,
                            n_boot=300, n_perm=0, min_count=1, max_units=100, random_state=sim).table  # fmt: skip
        row = res[(res["term"] == "x") & (res["group"] == "a")].iloc[0]
        assert row["resampling_unit"] == "document_block"
        covered += row["ci_low"] <= truth <= row["ci_high"]
        widths.append(row["ci_high"] - row["ci_low"])
        estimates.append(row["log_odds"])
    assert 0.85 <= covered / n_sims <= 1.0
    ratio = np.mean(widths) / (2 * 1.96 * np.std(estimates))  # interval width vs the sampling spread
    assert 0.8 <= ratio <= 1.25, ratio


def test_blocks_counted_by_shard_on_a_dask_cluster_equal_one_process(tmp_path):
    pytest.importorskip("distributed")
    import pyarrow as pa
    import pyarrow.parquet as pq

    from textlab.compute import use_compute
    from textlab.store.disk import DiskStore

    dtm = _corpus(900, 25, passages=3, seed=4)
    matrix = sp.csr_matrix(dtm.counts)
    names, lengths = [], []
    for i, start in enumerate(range(0, matrix.shape[0], 400)):  # shards cut inside documents
        part = matrix[start:start + 400].tocoo()
        names.append(f"counts-{i:05d}.parquet")
        lengths.append(min(400, matrix.shape[0] - start))
        pq.write_table(pa.table({"row": part.row.astype(np.int64), "term": part.col.astype(np.int64),
                                 "count": part.data.astype(np.int64)}), tmp_path / names[-1])  # fmt: skip
    store = DiskStore(tmp_path, tuple(names), tuple(lengths), matrix.shape[1])
    keys = (dtm.passages["doc_id"] + "\x1f" + dtm.passages["g"]).to_numpy(dtype=object)
    labels = dtm.passages["g"].to_numpy(dtype=object)
    local = count_units(store, labels, keys, ["a", "b"], max_units=60, random_state=2)
    with use_compute({"scheduler": "dask", "n_workers": 2}) as client:
        client.wait_for_workers(2, timeout=120)
        remote = count_units(store, labels, keys, ["a", "b"], max_units=60, random_state=2)
        remote_docs = count_units(store, labels, keys, ["a", "b"])
    plain = count_units(store, labels, keys, ["a", "b"])
    for purpose in ("bootstrap", "permutation"):
        assert (remote.unit_sets[purpose][0] != local.unit_sets[purpose][0]).nnz == 0
    for name in ("group_counts", "passages_with_term", "docs_with_term"):
        assert np.array_equal(getattr(remote, name), getattr(local, name))
    assert (remote_docs.doc_counts != plain.doc_counts).nnz == 0
    assert np.array_equal(remote_docs.group_counts, plain.group_counts)


def test_group_layout_blocks_large_groups_and_keeps_their_bootstrap_spread():
    from textlab.stats.layout import build_layout

    docs = np.repeat([f"d{i}" for i in range(3_000)], 2)
    labels = pd.Series(np.where(np.arange(6_000) < 5_000, "a", "b"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        plain = build_layout(labels, docs, resampling_unit="document", what="test")
        same = build_layout(labels, docs, resampling_unit="document", what="test", max_units=2_500)
        blocked = build_layout(labels, docs, resampling_unit="document", what="test", max_units=200,
                               random_state=1)  # fmt: skip
    assert np.array_equal(same.unit_of_passage, plain.unit_of_passage) and same.units == ["document"] * 2
    assert blocked.units == ["document_block", "document_block"] and np.bincount(blocked.unit_group).tolist() == [200, 200]
    sizes = np.bincount(blocked.unit_of_passage)  # passages per block: 2 per document, near-equal blocks
    assert set(sizes[:200]) == {24, 26} and set(sizes[200:]) == {4, 6}
    values = np.random.default_rng(0).gamma(1.0, size=6_000) + np.repeat(np.random.default_rng(1).normal(size=3_000), 2)
    spread = [layout.group_means(values, layout.resample_weights(np.random.default_rng(2), 1_500)).std(axis=0)
              for layout in (plain, blocked)]  # fmt: skip
    assert np.allclose(spread[1], spread[0], rtol=0.15), spread


def test_dense_products_of_block_counts_give_the_same_replicates_as_sparse(monkeypatch):
    import textlab.stats.association as association

    rng = np.random.default_rng(0)
    m_a = sp.csc_matrix(rng.poisson(0.5, (300, 80)).astype(float))  # density ~0.4: taken dense
    m_b = sp.csc_matrix(rng.poisson(0.6, (250, 80)).astype(float))
    side_a = (m_a, np.asarray(m_a.sum(axis=1)).ravel() + 5, np.array(["a"] * 300))
    side_b = (m_b, np.asarray(m_b.sum(axis=1)).ravel() + 5, np.array(["b"] * 250))
    alpha = np.asarray(m_a.sum(axis=0) + m_b.sum(axis=0)).ravel()
    z = np.abs(rng.normal(size=80)) * 2
    assert isinstance(association._maybe_dense(m_a), np.ndarray)
    runs = []
    for density in (association._DENSE_MIN_DENSITY, 2.0):  # dense, then never dense
        monkeypatch.setattr(association, "_DENSE_MIN_DENSITY", density)
        boot = association.bootstrap_log_odds(side_a, side_b, alpha=alpha, alpha0=alpha.sum() + 100, n_boot=50,
                                              random_state=1)  # fmt: skip
        perm = association.permute_log_odds(side_a, side_b, z, alpha=alpha, alpha0=alpha.sum() + 100, n_perm=500,
                                            random_state=2)  # fmt: skip
        runs.append((boot, perm.pvalues, perm.n_run))
    for dense, sparse in zip(*runs):
        assert np.array_equal(dense, sparse)
    assert not isinstance(association._maybe_dense(m_a * 0.5), np.ndarray)  # not integer counts: kept sparse
