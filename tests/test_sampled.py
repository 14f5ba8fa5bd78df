"""Tests for textlab.analysis.topics.sampled: stratified sample, frozen-topic inference, sample-then-infer."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from scipy.optimize import linear_sum_assignment
from scipy.spatial.distance import jensenshannon

from textlab._errors import ConfigError
from textlab.analysis.topics.lda import fit_lda
from textlab.analysis.topics.sampled import (
    extend_fit, fit_sampled_lda, infer_block, infer_topics, sample_rows, use_sample,
)
from textlab.preprocessing.counts import count_terms
from textlab.preprocessing.tokens import TokenizedCorpus
from textlab.store.load import load_counts

K, V, N, LENGTH = 5, 400, 2400, 50


@pytest.fixture(scope="module")
def planted():
    """N documents from K planted topics (Dirichlet(0.05) over V words), theta ~ Dirichlet(0.2); two groups."""
    rng = np.random.default_rng(7)
    topics = rng.dirichlet(np.full(V, 0.05), size=K)
    theta = rng.dirichlet(np.full(K, 0.2), size=N)
    words = np.array([f"w{i:03d}" for i in range(V)])
    counts = np.vstack([rng.multinomial(LENGTH, p / p.sum()) for p in theta @ topics])
    docs = [np.repeat(words, row).tolist() for row in counts]
    rows = pd.DataFrame({"passage_id": [f"d{d}:000" for d in range(N)], "doc_id": [f"d{d}" for d in range(N)],
                         "group": np.where(np.arange(N) % 4 == 0, "small", "large")})
    tokenized = TokenizedCorpus(rows, docs, {}, {})
    return tokenized, count_terms(tokenized), topics, theta, words


def _recovery(fit, topics, words) -> tuple[float, np.ndarray]:
    """Mean 1 - JSD (bits) of fitted to planted topics after Hungarian matching; and the matching."""
    index = {w: i for i, w in enumerate(words)}
    est = np.zeros((fit.n_topics, len(words)))
    est[:, [index[w] for w in fit.vocabulary]] = fit.topic_term
    dist = np.array([[jensenshannon(e, t, base=2) ** 2 for t in topics] for e in est])
    rows, cols = linear_sum_assignment(dist)
    match = np.empty(len(cols), dtype=int)
    match[cols] = rows  # planted topic -> fitted topic
    return float(1 - dist[rows, cols].mean()), match


def test_sample_is_proportional_seeded_and_without_repeats():
    rows = pd.DataFrame({"group": ["a"] * 700 + ["b"] * 250 + ["c"] * 50, "year": ["2023", "2024"] * 500})
    idx, table = sample_rows(rows, size=100, strata=["group"], random_state=3)
    assert table["n_sample"].tolist() == [70, 25, 5] and table["n_rows"].tolist() == [700, 250, 50]
    assert len(np.unique(idx)) == 100 and (np.diff(idx) > 0).all()
    assert rows["group"].iloc[idx].value_counts().to_dict() == {"a": 70, "b": 25, "c": 5}
    again, _ = sample_rows(rows, size=100, strata=["group"], random_state=3)
    other, _ = sample_rows(rows, size=100, strata=["group"], random_state=4)
    assert np.array_equal(idx, again) and not np.array_equal(idx, other)
    # two columns: 6 strata, sizes still add up; more than every row: all rows
    _, table2 = sample_rows(rows, size=101, strata=["group", "year"], random_state=0)
    assert len(table2) == 6 and table2["n_sample"].sum() == 101
    assert len(sample_rows(rows, size=5000)[0]) == 1000
    with pytest.raises(ConfigError, match="outlet"):
        sample_rows(rows, size=10, strata=["outlet"])
    assert use_sample(300_001) and not use_sample(300_001, sample_above=0) and not use_sample(10)


def test_infer_block_matches_a_direct_fixed_point_iteration():
    """The vectorised E-step equals the textbook per-document loop (gensim's inference, topics fixed)."""
    from scipy.special import digamma

    rng = np.random.default_rng(0)
    beta = rng.dirichlet(np.ones(30), size=4)
    alpha = np.array([0.1, 0.2, 0.3, 0.4])
    counts = sp.random(20, 30, density=0.3, random_state=1, data_rvs=lambda n: rng.integers(1, 4, n)).tocsr()
    got = infer_block(counts, beta, alpha, max_iter=500, tol=1e-10)
    for d in range(20):
        ids, n = counts[d].indices, counts[d].data
        gamma = alpha + n.sum() / 4
        for _ in range(500):
            e = np.exp(digamma(gamma) - digamma(gamma.sum()))
            phi = e[:, None] * beta[:, ids]
            new = alpha + (phi / phi.sum(axis=0) * n).sum(axis=1)
            if np.abs(new - gamma).mean() < 1e-10:
                gamma = new
                break
            gamma = new
        np.testing.assert_allclose(got[d], gamma, rtol=1e-6)
    # each row's answer is independent of the block: two halves equal the whole
    whole = infer_block(counts, beta, alpha)
    halves = np.vstack([infer_block(counts[:7], beta, alpha), infer_block(counts[7:], beta, alpha)])
    np.testing.assert_array_equal(whole, halves)


@pytest.mark.filterwarnings("ignore:LDA .* did not converge")
def test_infer_topics_same_answer_for_any_chunk_and_jobs_and_store(planted, tmp_path):
    tokenized, data, *_ = planted
    fit = fit_lda(tokenized.tokens[:600], n_topics=K, passes=60, progress=False)
    one = infer_topics(fit, data, chunk_size=5000)
    np.testing.assert_array_equal(one, infer_topics(fit, data, chunk_size=333))
    np.testing.assert_array_equal(one, infer_topics(fit, data, chunk_size=700, n_jobs=2))
    # counts only (a long table, other column order): the same rows give the same answer
    coo = data.counts.tocoo()
    long = pd.DataFrame({"doc_id": data.rows["doc_id"].to_numpy()[coo.row], "term": data.vocabulary[coo.col],
                         "count": coo.data}).sample(frac=1.0, random_state=0)
    from_long = load_counts(long, rows=data.rows[["doc_id"]])
    np.testing.assert_allclose(infer_topics(fit, from_long), one, rtol=1e-12)


def test_sample_then_infer_recovers_planted_topics_close_to_a_full_fit(planted):
    tokenized, data, topics, theta, words = planted
    full = fit_lda(tokenized, n_topics=K, random_state=0, progress=False)
    sampled = fit_sampled_lda(data, n_topics=K, sample_size=800, strata=["group"], random_state=0,
                              chunk_size=1000, progress=False)
    rec_full, match_full = _recovery(full, topics, words)
    rec_sampled, match_sampled = _recovery(sampled, topics, words)
    assert rec_full > 0.9
    assert abs(rec_full - rec_sampled) <= 0.02, (rec_full, rec_sampled)
    # every passage has proportions, as close to the planted ones as the full fit's
    assert sampled.doc_topic.shape == (N, K) and np.allclose(sampled.doc_topic.sum(axis=1), 1)
    err_full = np.abs(full.doc_topic[:, match_full] - theta).sum(axis=1).mean()
    err_sampled = np.abs(sampled.doc_topic[:, match_sampled] - theta).sum(axis=1).mean()
    assert err_sampled <= err_full + 0.05, (err_full, err_sampled)
    info = sampled.params["sampled"]
    assert info["size"] == 800 and info["strata"] == ["group"] and info["random_state"] == 0
    assert info["strata_table"]["n_sample"] == [600, 200] and info["n_rows"] == N
    assert sampled.params["n_passages"] == N and sampled.params["n_passages_fitted"] == 800
    assert list(sampled.passage_ids[:2]) == ["d0:000", "d1:000"]


@pytest.mark.filterwarnings("ignore:LDA .* did not converge")
def test_extend_fit_keeps_topics_and_refuses_other_inputs(planted):
    tokenized, data, *_ = planted
    fit = fit_lda(tokenized.tokens[:300], n_topics=3, passes=30, progress=False)
    extended = extend_fit(fit, data, sample={"size": 300})
    assert extended.topic_term is fit.topic_term and extended.doc_topic.shape == (N, 3)
    np.testing.assert_allclose(extended.doc_topic_dirichlet.sum(axis=1),
                               np.asarray(fit.params["alpha_fitted"]).sum()
                               + np.asarray(data.counts[:, np.isin(data.vocabulary, fit.vocabulary)].sum(axis=1)).ravel(),
                               rtol=1e-6)
    assert extend_fit(fit, data, sample={}, dtype=np.float32).doc_topic.dtype == np.float32
    with pytest.raises(ConfigError, match="model_or_result"):
        infer_topics({"topic_term": fit.topic_term}, data)
    with pytest.raises(ConfigError, match="chunk_size"):
        infer_topics(fit, data, chunk_size=0)
