"""Tests for textlab.analysis.topics.stability: Hungarian topic matching and stability scores."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.spatial.distance import jensenshannon

from textlab._errors import ConfigError, EstimationError, SmallSampleWarning, TextlabWarning
from textlab.analysis.topics.lda import LdaFit
from textlab.analysis.topics.stability import assess_stability, match_topics, pairwise_topic_distances


def make_fit(topic_term, doc_topic=None, vocabulary=None, seed=0):
    topic_term = np.asarray(topic_term, dtype=float)
    topic_term = topic_term / topic_term.sum(axis=1, keepdims=True)
    k, v = topic_term.shape
    if doc_topic is None:
        doc_topic = np.random.default_rng(seed).dirichlet(np.ones(k), size=6)
    if vocabulary is None:
        vocabulary = np.array([f"w{j:02d}" for j in range(v)])
    return LdaFit(topic_term, doc_topic, doc_topic * 7.0, np.asarray(vocabulary),
                  np.array([f"d{i}:000" for i in range(doc_topic.shape[0])]), pd.DataFrame(),
                  {"n_topics": k, "random_state": seed})


@pytest.fixture
def beta():
    return np.random.default_rng(7).dirichlet(np.full(40, 0.2), size=5)


def test_pairwise_jsd_matches_scipy(beta):
    d = pairwise_topic_distances(beta, beta[::-1])
    for i in range(5):
        for j in range(5):
            assert d[i, j] == pytest.approx(jensenshannon(beta[i], beta[::-1][j], base=2), abs=1e-12)


@pytest.mark.parametrize("metric", ["jsd", "cosine"])
def test_match_topics_recovers_known_permutation(beta, metric):
    true_perm = np.array([3, 0, 4, 1, 2])
    noisy = beta[true_perm] * np.random.default_rng(1).uniform(0.8, 1.2, size=beta.shape)
    noisy /= noisy.sum(axis=1, keepdims=True)
    # noisy[j] is beta[true_perm[j]]; so beta[i] is matched by the j with true_perm[j] == i
    perm, dist = match_topics(beta, noisy, metric=metric)
    assert perm.tolist() == np.argsort(true_perm).tolist()
    np.testing.assert_allclose(noisy[perm], beta, atol=0.05)
    assert np.all(dist < 0.2) and np.all(dist >= 0)


def test_match_topics_rectangular(beta):
    perm, dist = match_topics(beta, beta[[4, 1]])
    assert perm.tolist() == [-1, 1, -1, -1, 0]
    assert np.isnan(dist[[0, 2, 3]]).all() and np.allclose(dist[[1, 4]], 0.0)
    perm, _ = match_topics(beta[[4, 1]], beta)  # more topics in b than a
    assert perm.tolist() == [4, 1]


def test_identical_runs_are_perfectly_stable_and_aligned(beta):
    fits = [make_fit(beta, seed=0), make_fit(beta[[2, 0, 1, 4, 3]], seed=1), make_fit(beta, seed=2)]
    result = assess_stability(fits)
    assert list(result.table.columns[:4]) == ["topic", "stability", "stable", "n_runs"]
    np.testing.assert_allclose(result.table["stability"], 1.0, atol=1e-7)
    assert result.table["stable"].all() and (result.table["n_runs"] == 3).all()
    for aligned in result.aligned:
        np.testing.assert_allclose(aligned.topic_term, fits[0].topic_term, atol=1e-12)
    # the doc_topic columns travel with their topics
    perm = np.array(result.aligned[1].params["topic_permutation"])
    assert perm.tolist() == [1, 2, 0, 4, 3]
    np.testing.assert_array_equal(result.aligned[1].doc_topic, fits[1].doc_topic[:, perm])
    np.testing.assert_array_equal(result.aligned[1].doc_topic_dirichlet, fits[1].doc_topic_dirichlet[:, perm])
    # inputs are not modified
    np.testing.assert_array_equal(fits[1].topic_term, beta[[2, 0, 1, 4, 3]] / beta[[2, 0, 1, 4, 3]].sum(1, keepdims=True))


def test_perturbed_run_lowers_stability_by_hand_computed_amount(beta):
    rng = np.random.default_rng(3)
    other = beta.copy()
    other[2] = rng.dirichlet(np.full(40, 0.2))  # topic 3 replaced by an unrelated topic
    fits = [make_fit(beta), make_fit(other[[1, 0, 2, 3, 4]], seed=1)]
    result = assess_stability(fits, threshold=0.5)
    table = result.table.set_index("topic")
    expected = 1 - jensenshannon(fits[0].topic_term[2], other[2] / other[2].sum(), base=2)
    assert table.loc[3, "stability"] == pytest.approx(expected, abs=1e-9)
    assert table.loc[3, "stability"] < 0.5 and not table.loc[3, "stable"]
    for topic in (1, 2, 4, 5):
        assert table.loc[topic, "stability"] == pytest.approx(1.0, abs=1e-7)
        assert table.loc[topic, "stable"]


def test_stability_aligns_differing_vocabularies(beta):
    order = np.random.default_rng(0).permutation(40)
    vocab = np.array([f"w{j:02d}" for j in range(40)])
    fits = [make_fit(beta, vocabulary=vocab), make_fit(beta[:, order][[4, 3, 2, 1, 0]], vocabulary=vocab[order])]
    result = assess_stability(fits)
    np.testing.assert_allclose(result.table["stability"], 1.0, atol=1e-7)
    assert result.aligned[1].params["topic_permutation"] == [4, 3, 2, 1, 0]


def test_assess_stability_rejects_bad_input(beta):
    with pytest.raises(ConfigError, match="at least 2"):
        assess_stability([make_fit(beta)])
    with pytest.raises(EstimationError, match="different numbers of topics"):
        assess_stability([make_fit(beta), make_fit(beta[:3])])
    with pytest.raises(ConfigError, match="reference"):
        assess_stability([make_fit(beta), make_fit(beta)], reference=2)
    with pytest.raises(ConfigError, match="metric"):
        pairwise_topic_distances(beta, beta, metric="kl")


@pytest.mark.filterwarnings("ignore::textlab._errors.TextlabWarning")
def test_fit_seeds_then_stability_on_planted_corpus():
    from textlab.analysis.topics.stability import fit_seeds

    rng = np.random.default_rng(0)
    planted = [[f"a{i}" for i in range(6)], [f"b{i}" for i in range(6)], [f"c{i}" for i in range(6)]]
    docs = [[planted[d % 3][rng.integers(6)] for _ in range(20)] for d in range(30)]
    fits = fit_seeds(docs, n_topics=3, random_states=(0, 1, 2), passes=60, no_below=1, no_above=1.0, progress=False)
    assert [f.params["random_state"] for f in fits] == [0, 1, 2]
    result = assess_stability(fits)
    # cleanly planted topics come back under every seed
    assert result.table["stable"].all() and (result.table["stability"] > 0.8).all()
    for aligned in result.aligned[1:]:
        top = [set(aligned.vocabulary[np.argsort(-row)[:6]]) for row in aligned.topic_term]
        ref = [set(result.aligned[0].vocabulary[np.argsort(-row)[:6]]) for row in result.aligned[0].topic_term]
        assert top == ref


@pytest.mark.filterwarnings("ignore::textlab._errors.TextlabWarning")
def test_fit_seeds_reuses_only_matching_fits():
    from textlab.analysis.topics.lda import fit_lda
    from textlab.analysis.topics.stability import fit_seeds

    docs = [["a", "b", "c", "a"], ["d", "e", "f", "d"]] * 6
    opts = dict(passes=30, no_below=1, no_above=1.0, progress=False)
    same = fit_lda(docs, n_topics=2, random_state=1, restarts=1, **opts)  # fit_seeds' default: one chain per seed
    other = fit_lda(docs, n_topics=2, random_state=2, restarts=1, **{**opts, "passes": 20})
    fits = fit_seeds(docs, n_topics=2, random_states=(1, 2), reuse={(2, 1): same, (2, 2): other}, **opts)
    assert fits[0] is same  # same settings: reused as is
    assert fits[1] is not other and fits[1].params["passes"] == 30  # other passes: refitted
    # defaults count too: a fit with non-default passes is not reused when passes is left out
    refit = fit_seeds(docs, n_topics=2, random_states=(1,), reuse={(2, 1): same}, no_below=1, no_above=1.0,
                      progress=False)
    assert refit[0] is not same and refit[0].params["passes"] != 30
    # fit_lda's own default (3 restarts) is another setting than fit_seeds' (1): not reused unless asked for
    three = fit_lda(docs, n_topics=2, random_state=1, **opts)
    assert fit_seeds(docs, n_topics=2, random_states=(1,), reuse={(2, 1): three}, **opts)[0] is not three
    assert fit_seeds(docs, n_topics=2, random_states=(1,), reuse={(2, 1): three}, restarts=3, **opts)[0] is three


def test_noise_ceiling_tracks_token_count(beta):
    def with_tokens(b, n):
        fit = make_fit(b)
        return LdaFit(fit.topic_term, fit.doc_topic, fit.doc_topic_dirichlet, fit.vocabulary, fit.passage_ids,
                      fit.convergence, {**fit.params, "n_tokens": n, "eta": 0.01})

    big = assess_stability([with_tokens(beta, 10_000_000), with_tokens(beta, 10_000_000)])
    assert (big.table["noise_ceiling"] > 0.97).all()
    flat = np.full((3, 2000), 1.0)  # uniform topics over 2000 words estimated from ~30 tokens each
    with pytest.warns(SmallSampleWarning, match="too few tokens"):
        small = assess_stability([with_tokens(flat, 100), with_tokens(flat, 100)])
    assert (small.table["noise_ceiling"] < 0.5).all()
    # overlap of top terms: identical runs share all of them
    np.testing.assert_allclose(big.table["top_terms_overlap"], 1.0)


@pytest.fixture(scope="module")
def mixed_docs():
    """Passages mixing three planted topics (so chains can disagree in detail)."""
    rng = np.random.default_rng(4)
    planted = [[f"{c}{i}" for i in range(12)] for c in "abc"]
    docs = []
    for _ in range(60):
        mix = rng.dirichlet([0.5, 0.5, 0.5])
        docs.append([planted[t][rng.integers(12)] for t in rng.choice(3, size=30, p=mix)])
    return docs


@pytest.mark.filterwarnings("ignore::textlab._errors.TextlabWarning")
def test_five_seeds_are_five_distinct_chains_and_the_table_says_so(mixed_docs):
    from textlab.analysis.topics.stability import fit_seeds

    fits = fit_seeds(mixed_docs, n_topics=3, random_states=range(5), passes=40, no_below=1, no_above=1.0,
                     n_jobs=1)
    assert len({f.topic_term.tobytes() for f in fits}) == 5  # seeds 0..4: five different fits
    assert len({seed for f in fits for seed in f.params["chain_seeds"]}) == 5
    result = assess_stability(fits)
    assert (result.table["n_distinct_chains"] == 5).all() and result.params["n_distinct_chains"] == 5
    # the same fit twice is one chain, and the result says so
    with pytest.warns(TextlabWarning, match="identical"):
        twice = assess_stability([fits[0], fits[0], fits[1]])
    assert (twice.table["n_distinct_chains"] == 2).all() and (twice.table["n_runs"] == 3).all()


@pytest.mark.filterwarnings("ignore::textlab._errors.TextlabWarning")
def test_fit_seeds_in_parallel_equals_serial_and_reuses_adaptive_fits(mixed_docs):
    from textlab.analysis.topics.lda import fit_lda
    from textlab.analysis.topics.stability import fit_seeds

    opts = dict(no_below=1, no_above=1.0)
    serial = fit_seeds(mixed_docs, n_topics=3, random_states=(0, 1, 2), n_jobs=1, **opts)
    parallel = fit_seeds(mixed_docs, n_topics=3, random_states=(0, 1, 2), n_jobs=2, **opts)
    for a, b in zip(serial, parallel):
        np.testing.assert_array_equal(a.topic_term, b.topic_term)
        np.testing.assert_array_equal(a.doc_topic_dirichlet, b.doc_topic_dirichlet)
        assert a.params == b.params
    # a default (adaptive) fit ran some number of sweeps but was requested with passes=None: reused
    done = fit_lda(mixed_docs, n_topics=3, random_state=1, restarts=1, progress=False, **opts)
    assert done.params["passes"] >= 100 and done.params["passes_requested"] is None
    again = fit_seeds(mixed_docs, n_topics=3, random_states=(1, 5), reuse={(3, 1): done}, n_jobs=1, **opts)
    assert again[0] is done and again[1].params["random_state"] == 5
    # a selection fit that left tokens out for perplexity is never reused
    from textlab.analysis.topics.lda import fit_grid

    (part,), _ = fit_grid(mixed_docs, [(3, 1)], n_jobs=1, held_out_fraction=0.2, **opts)
    held = fit_seeds(mixed_docs, n_topics=3, random_states=(1,), reuse={(3, 1): part}, n_jobs=1, **opts)
    assert held[0] is not part and held[0].params["n_tokens"] > part.params["n_tokens"]


def test_stability_result_is_a_result(beta):
    from textlab.analysis.topics.stability import StabilityResult
    from textlab.data import Result

    result = assess_stability([make_fit(beta), make_fit(beta[::-1])])
    assert isinstance(result, Result) and set(result.tables()) == {"table"}
    again = StabilityResult.from_tables(result.tables(), result.params)
    pd.testing.assert_frame_equal(again.table, result.table)
    assert again.params["n_runs"] == 2 and again.params["threshold"] == 0.5
