"""The compact, chunked paths of the large-corpus steps give the numbers of the plain computation.

Issue 10 (a million documents within 2 GB): topic proportions filled block by block as float32,
prevalence's posterior draws made a chunk of rows at a time, perspectives' responsibilities
computed per block of entries on one shared sparse structure.  Each is checked here against the
unchunked computation (exactly) and against an independent calculation, on generated briefs.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from benchmarks.million import generate_briefs
from textlab.analysis import prevalence as prevalence_module
from textlab.analysis.perspectives import topic_token_counts
from textlab.analysis.prevalence import estimate_prevalence
from textlab.analysis.topics.lda import fit_lda
from textlab.analysis.topics.sampled import extend_fit, infer_topics, row_ids
from textlab.preprocessing.counts import count_terms
from textlab.preprocessing.tokens import TokenizedCorpus

N_BRIEFS = 600


@pytest.fixture(scope="module")
def briefs():
    """600 generated news briefs as tokenised passages and counts, and an LDA fit on 300 of them."""
    records = list(generate_briefs(N_BRIEFS, random_state=3))
    tokens = [[w for w in re.findall(r"[a-z]+", r["text"].lower()) if len(w) > 3] for r in records]
    rows = pd.DataFrame({"passage_id": [f"{r['doc_id']}:000" for r in records],
                         "doc_id": [r["doc_id"] for r in records], "outlet": [r["outlet"] for r in records]})
    tokenized = TokenizedCorpus(rows, tokens, {}, {})
    data = count_terms(tokenized)
    fit = fit_lda(tokens[:300], n_topics=4, passes=15, random_state=0, progress=False)
    return tokenized, data, fit


@pytest.mark.filterwarnings("ignore:LDA .* did not converge")
def test_float32_proportions_filled_by_block_equal_the_float64_answer_cast(briefs):
    _, data, fit = briefs
    gamma64 = infer_topics(fit, data, chunk_size=10_000)
    ids = row_ids(data.rows)
    small = extend_fit(fit, data, sample={"size": 300}, chunk_size=37, dtype=np.float32, passage_ids=ids)
    whole = extend_fit(fit, data, sample={"size": 300}, chunk_size=10_000, dtype=np.float32)
    assert small.doc_topic.dtype == small.doc_topic_dirichlet.dtype == np.float32
    np.testing.assert_array_equal(small.doc_topic_dirichlet, gamma64.astype(np.float32))
    np.testing.assert_array_equal(small.doc_topic, (gamma64 / gamma64.sum(axis=1, keepdims=True)).astype(np.float32))
    np.testing.assert_array_equal(small.doc_topic, whole.doc_topic)
    assert small.passage_ids is ids and list(whole.passage_ids) == list(ids)  # fits can share one id array
    # the float64 default is unchanged: the block-wise proportions equal gamma / gamma.sum
    np.testing.assert_array_equal(extend_fit(fit, data, sample={}, chunk_size=50).doc_topic,
                                  gamma64 / gamma64.sum(axis=1, keepdims=True))


def _extended(briefs, seeds=(0, 1)):
    tokenized, data, _ = briefs
    fits = []
    for seed in seeds:
        fit = fit_lda(tokenized.tokens[:300], n_topics=4, passes=10, random_state=seed, progress=False)
        fits.append(extend_fit(fit, data, sample={"size": 300}, dtype=np.float32))
    return fits


@pytest.mark.filterwarnings("ignore:LDA .* did not converge")
def test_posterior_draws_in_row_chunks_are_the_same_draws(briefs, monkeypatch):
    fits = _extended(briefs)
    alpha = fits[0].doc_topic_dirichlet
    rng_a, rng_b = np.random.default_rng(11), np.random.default_rng(11)
    gamma = rng_a.standard_gamma(alpha.astype(np.float64))  # independent: one draw of the whole array
    expected = gamma / gamma.sum(axis=1, keepdims=True)
    drawn = prevalence_module._posterior_draw(fits[0], rng_b, chunk_rows=7)
    np.testing.assert_array_equal(drawn, expected)
    assert rng_a.random() == rng_b.random()  # the generator is left in the same state
    passages = briefs[0].passages
    kwargs = dict(group_column="outlet", n_draws=4, n_boot=8, random_state=5)
    monkeypatch.setattr(prevalence_module, "DRAW_CHUNK_ROWS", 10**9)
    whole = estimate_prevalence(fits, passages, **kwargs)
    monkeypatch.setattr(prevalence_module, "DRAW_CHUNK_ROWS", 13)
    chunked = estimate_prevalence(fits, passages, **kwargs)
    for name in ("by_group", "difference", "divergence", "variance_components"):
        pd.testing.assert_frame_equal(getattr(whole, name), getattr(chunked, name), check_exact=True)


@pytest.mark.filterwarnings("ignore:LDA .* did not converge")
def test_topic_responsibilities_by_block_equal_the_direct_calculation(briefs):
    _, data, fit = briefs
    fit32 = extend_fit(fit, data, sample={"size": 300}, dtype=np.float32)
    counts, vocab, ids = data.counts, np.asarray(data.vocabulary, dtype=object), data.rows["passage_id"].to_numpy()
    small = topic_token_counts(fit32, counts, vocab, ids, block_entries=5)
    whole = topic_token_counts(fit32, counts, vocab, ids, block_entries=10**9)
    for a, b in zip(small, whole):
        assert np.array_equal(a.indptr, b.indptr) and np.array_equal(a.indices, b.indices)
        np.testing.assert_array_equal(a.data, b.data)
    # independent: dense n_dw * theta_dk phi_kw / sum_j theta_dj phi_jw on the model's terms
    known = pd.Index(fit32.vocabulary).get_indexer(vocab)
    dense = np.asarray(sp.csr_matrix(counts).todense(), dtype=float)[:, known >= 0]
    phi = fit32.topic_term[:, known[known >= 0]]
    theta = fit32.doc_topic.astype(float)
    total = theta @ phi
    for k, matrix in enumerate(small):
        expected = np.divide(dense * theta[:, [k]] * phi[k], total, out=np.zeros_like(dense), where=total > 0)
        np.testing.assert_allclose(matrix.toarray()[:, known >= 0], expected, rtol=1e-9, atol=1e-12)
        assert matrix.toarray()[:, known < 0].sum() == 0  # terms the model dropped own no tokens
    summed = sum(m.toarray() for m in small)[:, known >= 0]
    np.testing.assert_allclose(summed, dense, rtol=1e-9)


@pytest.fixture(scope="module")
def stores(tmp_path_factory):
    """The same 400 generated briefs prepared in memory and on disk (passages, tokens, counts)."""
    import json

    from textlab.preprocessing.pipeline import prepare_data

    folder = tmp_path_factory.mktemp("briefs")
    path = folder / "briefs.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in generate_briefs(400, random_state=4)), encoding="utf-8")
    memory = prepare_data(path, store="memory", n_jobs=1, progress=False).data
    disk = prepare_data(path, store="disk", cache_dir=folder / "cache", n_jobs=1, progress=False).data
    return memory, disk


@pytest.mark.filterwarnings("ignore:LDA .* did not converge")
def test_perspectives_streamed_from_the_disk_store_equal_those_in_memory(stores):
    from textlab.analysis.perspectives import score_perspectives

    memory, disk = stores
    fit = fit_lda([list(t) for t in memory.tokens][:200], n_topics=3, passes=10, random_state=0, progress=False)
    fit = extend_fit(fit, memory, sample={"size": 200}, dtype=np.float32)
    kwargs = dict(group_column="outlet", n_boot=20, n_perm=40, min_count=2, n_evidence_terms=0)
    in_memory = score_perspectives(fit, memory, **kwargs).table
    on_disk = score_perspectives(fit, disk, **kwargs).table
    assert len(in_memory) > 0
    pd.testing.assert_frame_equal(in_memory, on_disk, check_exact=True)


def test_compact_passage_topics_hold_the_values_of_the_plain_table(stores):
    from textlab.study.builtin_steps import _compact_passage_topics

    _, disk = stores
    passages = disk.rows
    theta = np.random.default_rng(0).dirichlet(np.ones(4), size=len(passages)).astype(np.float32)
    compact = _compact_passage_topics(passages, theta, "outlet")
    plain = pd.DataFrame({"passage_id": passages["passage_id"].to_numpy(), "doc_id": passages["doc_id"].to_numpy(),
                          "group": passages["outlet"].astype(str).to_numpy(),
                          "position": passages["position"].to_numpy(),
                          **{f"topic_{k + 1}": theta[:, k] for k in range(4)}})
    assert list(compact.columns) == list(plain.columns)
    for column in plain.columns:
        assert compact[column].tolist() == plain[column].tolist(), column
    assert compact["topic_1"].dtype == np.float32 and np.shares_memory(compact["topic_2"].to_numpy(), theta)
