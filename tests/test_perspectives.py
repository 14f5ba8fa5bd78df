"""Wording within topics and frames: planted within-topic differences recovered, null controlled."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from textlab.analysis.frames import load_codebook
from textlab.analysis.keyness import score_keyness
from textlab.analysis.perspectives import score_frame_wording, score_perspectives, topic_token_counts
from textlab.preprocessing.counts import DocumentTermMatrix
from textlab.preprocessing.tokens import TokenizedCorpus

N_WORDS = 40  # per topic


def _planted(*, n_docs: int = 80, effect: float = 4.0, seed: int = 0):
    """Two topics (a*, b* words), two groups with different topic mixes; within topic A, group x says a0
    ``effect`` times as often and group y says a1 ``effect`` times as often; every other word is null."""
    rng = np.random.default_rng(seed)
    vocab = np.array([f"a{i}" for i in range(N_WORDS)] + [f"b{i}" for i in range(N_WORDS)], dtype=object)
    base = rng.dirichlet(np.full(N_WORDS, 5.0))
    phi_a = {}
    for group, word in (("x", 0), ("y", 1)):
        p = base.copy()
        p[word] *= effect
        phi_a[group] = p / p.sum()
    phi_b = rng.dirichlet(np.full(N_WORDS, 5.0))
    groups = np.array(["x"] * (n_docs // 2) + ["y"] * (n_docs // 2))
    rows, theta = [], []
    counts = np.zeros((2 * n_docs, 2 * N_WORDS))
    for d, g in enumerate(groups):
        share_a = rng.beta(7, 3) if g == "x" else rng.beta(3, 7)  # x writes more about topic A
        for p in range(2):  # two passages per document
            i = 2 * d + p
            n = 60
            n_a = rng.binomial(n, share_a)
            counts[i, :N_WORDS] = rng.multinomial(n_a, phi_a[g])
            counts[i, N_WORDS:] = rng.multinomial(n - n_a, phi_b)
            rows.append({"passage_id": f"d{d}:{p:03d}", "doc_id": f"d{d}", "side": g})
            theta.append([n_a / n, 1 - n_a / n])
    rows = pd.DataFrame(rows)
    phi = np.zeros((2, 2 * N_WORDS))
    phi[0, :N_WORDS] = (phi_a["x"] + phi_a["y"]) / 2
    phi[1, N_WORDS:] = phi_b
    fit = SimpleNamespace(topic_term=phi, doc_topic=np.clip(np.array(theta), 1e-3, None), vocabulary=vocab,
                          passage_ids=rows["passage_id"].to_numpy())
    dtm = DocumentTermMatrix(sp.csr_matrix(counts.astype(np.int64)), vocab, rows)
    return fit, dtm


def test_topic_token_counts_share_out_every_token():
    fit, dtm = _planted(n_docs=10)
    owned = topic_token_counts(fit, dtm.counts, dtm.vocabulary, dtm.passages["passage_id"])
    total = sum(owned)
    assert np.allclose(total.toarray(), dtm.counts.toarray())
    # disjoint vocabularies: topic 1 owns exactly the a-words
    assert np.allclose(owned[0].toarray()[:, :N_WORDS], dtm.counts.toarray()[:, :N_WORDS])
    assert owned[0].toarray()[:, N_WORDS:].sum() == 0


def test_a_topic_read_block_by_block_is_its_matrix_and_scores_the_same(monkeypatch):
    # the study scores each topic from a store that computes a block of rows at a time (memory: one block)
    import textlab.store.memory as memory
    from textlab.analysis.perspectives import _group_sums, _score_one

    monkeypatch.setattr(memory, "DEFAULT_BLOCK_ROWS", 7)  # many blocks, documents split across them
    fit, dtm = _planted(n_docs=40, seed=3)
    owned = topic_token_counts(fit, dtm.counts, dtm.vocabulary, dtm.passages["passage_id"])
    rows = dtm.passages
    for index in range(len(owned)):
        whole, store = owned[index], owned.store(index)
        blocks = [block for _, block in store.iter_blocks(None)]
        assert len(blocks) == -(-whole.shape[0] // 7) and store.shape == whole.shape
        assert (sp.vstack(blocks) != whole).nnz == 0 and np.array_equal(sp.vstack(blocks).data, whole.data)
        labels = rows["side"].to_numpy(dtype=object)
        sums = _group_sums(store, labels)
        for g in ("x", "y"):  # bit for bit the sum over the group's rows of the whole matrix
            assert np.array_equal(sums[g], np.asarray(whole[labels == g].sum(axis=0)).ravel())
        opts = {"n_boot": 30, "n_perm": 60, "fdr_level": 0.05, "min_count": 1, "resampling_unit": "document",
                "ci_level": 0.95}
        kwargs = {"group_column": "side", "contrast": None, "opts": opts, "random_state": index}
        by_blocks, _ = _score_one(rows, store, dtm.vocabulary, {}, **kwargs)
        at_once, _ = _score_one(rows, whole, dtm.vocabulary, {}, **kwargs)
        pd.testing.assert_frame_equal(by_blocks, at_once, check_exact=True)


def test_within_topic_wording_recovered_where_whole_group_keyness_is_confounded():
    fit, dtm = _planted()
    res = score_perspectives(fit, dtm, group_column="side", n_boot=200, n_perm=2000, min_count=5, random_state=1)
    t = res.table
    x1 = t[(t["topic"] == 1) & (t["group"] == "x")].set_index("term")
    assert x1.loc["a0", "key"] and x1.loc["a0", "z"] > 0 and x1.loc["a0", "ci_low"] > 0
    assert x1.loc["a1", "key"] and x1.loc["a1", "z"] < 0 and x1.loc["a1", "ci_high"] < 0
    null = x1.drop(index=["a0", "a1"])
    assert null["key"].sum() <= 2  # 38 null words at FDR 5 %
    assert t[t["topic"] == 2]["key"].sum() <= 2  # topic B has no planted difference
    # rates are shares of the topic's tokens: the topic-mix difference does not make a-words key ...
    assert (x1["rate_group"].sum(), x1["rate_reference"].sum()) == pytest.approx((1.0, 1.0), abs=0.02)
    # ... while whole-group keyness flags over half the null a-words for x (topic mix and wording confounded)
    whole = score_keyness(dtm, group_column="side", n_boot=0, n_perm=0, min_count=5).table
    whole_x = whole[whole["group"] == "x"].set_index("term")
    assert (whole_x.loc[[f"a{i}" for i in range(2, N_WORDS)], "z"] > 1.96).mean() > 0.5
    # intervals and counts are within the topic: counts sum to the topic's tokens of each side
    assert x1["count_group"].sum() == pytest.approx(x1["topic_tokens_group"].iloc[0], rel=0.01)


def test_null_within_topic_gives_few_key_terms():
    fit, dtm = _planted(effect=1.0, seed=3)
    res = score_perspectives(fit, dtm, group_column="side", n_boot=50, n_perm=1000, min_count=5, random_state=2)
    side = res.table[res.table["group"] == "x"]
    assert side["key"].sum() <= 2
    assert side["p_perm"].between(0, 1).all() and (side["n_perm_run"] > 0).all()


def test_perspective_evidence_shows_the_term_in_passages_of_the_topic():
    fit, dtm = _planted()
    tokens = [[t for t, c in zip(dtm.vocabulary, row) for _ in range(int(c))] for row in dtm.counts.toarray()]
    passages = dtm.passages.assign(text=[" ".join(tok) for tok in tokens])
    tc = TokenizedCorpus(passages, tokens)
    res = score_perspectives(fit, dtm, group_column="side", tokenized=tc, n_boot=50, n_perm=1000, topics=[1],
                             n_evidence=2)
    ev = res.evidence
    assert not ev.empty
    row = ev[(ev["group"] == "x") & (ev["term"] == "a0")]
    assert len(row) == 2 and (row["match"] == "a0").all()
    assert set(row["doc_id"]) <= set(passages.loc[passages["side"] == "x", "doc_id"])


def test_evidence_picks_the_passages_leaning_most_to_the_topic_that_contain_the_term():
    # 600 documents: a group of 600 passages, so the count-structure scan grows past its first chunks
    fit, dtm = _planted(n_docs=600)
    tokens = [[t for t, c in zip(dtm.vocabulary, row) for _ in range(int(c))] for row in dtm.counts.toarray()]
    passages = dtm.passages.assign(text=[" ".join(tok) for tok in tokens])
    order = np.arange(len(passages))[::-1]  # the tokenized corpus in another row order than the counts
    tc = TokenizedCorpus(passages.iloc[order].reset_index(drop=True), [tokens[i] for i in order])
    res = score_perspectives(fit, dtm, group_column="side", tokenized=tc, n_boot=20, n_perm=2000, topics=[1, 2],
                             n_evidence=3, n_evidence_terms=4)
    ev = res.evidence
    assert len(ev) == 6 and set(ev["term"]) == {"a0", "a1"}  # the planted key terms, 3 passages each
    share = dict(zip(fit.passage_ids, fit.doc_topic[:, 0])), dict(zip(fit.passage_ids, fit.doc_topic[:, 1]))
    for (topic, group, term), rows in ev.groupby(["topic", "group", "term"]):
        # independent choice: every passage of the group containing the term, by share of the topic, row order on ties
        candidates = [(i, pid) for i, pid in enumerate(tc.passages["passage_id"])
                      if tc.passages["side"].iat[i] == group and term in tc.tokens[i]]
        expected = [pid for _, pid in sorted(candidates, key=lambda c: -share[topic - 1][c[1]])[:3]]
        assert rows["passage_id"].tolist() == expected
        assert (rows["match"] == term).all()


def test_frame_wording_planted_entry_is_key_and_others_are_not():
    rng = np.random.default_rng(4)
    words = ["cost", "price", "jobs", "tax", "budget"]
    rows, toks = [], []
    for d in range(60):
        g = "x" if d < 30 else "y"
        p = np.array([1.0, 1, 1, 1, 1])
        p[0] *= 4 if g == "x" else 1  # x frames the economy through "cost"
        draw = list(rng.choice(words, size=12, p=p / p.sum())) + ["filler"] * 20
        rows.append({"passage_id": f"d{d}:000", "doc_id": f"d{d}", "side": g})
        toks.append(draw)
    tc = TokenizedCorpus(pd.DataFrame(rows), toks)
    book = load_codebook({"economy": words, "other": ["filler", "nothing"]})
    res = score_frame_wording(tc, book, group_column="side", n_boot=100, n_perm=2000)
    x = res.table[(res.table["frame"] == "economy") & (res.table["group"] == "x")].set_index("term")
    assert x.loc["cost", "key"] and x.loc["cost", "ci_low"] > 0
    assert x.drop(index="cost")["z"].lt(0).all()  # the others lose share to "cost"
    assert x["rate_group"].sum() == pytest.approx(1.0)
