"""Tests for textlab.analysis.topics.lda: planted-topic recovery, determinism, convergence, filtering, errors."""

from __future__ import annotations

import warnings
from collections import Counter

import numpy as np
import pandas as pd
import pytest
from gensim.corpora import Dictionary
from gensim.models import LdaModel
from scipy.optimize import linear_sum_assignment
from scipy.special import digamma, gammaln, logsumexp

from textlab._errors import ConfigError, EstimationError, TextlabWarning
from textlab.analysis.topics.lda import LdaFit, _document_bound, _flatten, fit_lda
from textlab.preprocessing.tokens import TokenizedCorpus

K, V, N_DOCS, LENGTH = 4, 120, 150, 60

# short fits in some tests do not converge; that warning is tested on its own below
pytestmark = pytest.mark.filterwarnings("ignore::textlab._errors.TextlabWarning")


@pytest.fixture(scope="module")
def planted():
    """Documents drawn from K planted topics with disjoint supports of V/K words each."""
    rng = np.random.default_rng(1)
    width = V // K
    topics = np.zeros((K, V))
    for k in range(K):
        topics[k, k * width : (k + 1) * width] = rng.dirichlet(np.full(width, 5.0))
    docs = []
    for _ in range(N_DOCS):
        mix = rng.dirichlet(np.full(K, 0.2)) @ topics
        docs.append([f"w{i:03d}" for i in rng.choice(V, size=LENGTH, p=mix)])
    return docs, topics


def matched_cosine(fit: LdaFit, topics: np.ndarray) -> float:
    """Mean cosine of fitted to planted topics (restricted to the kept vocabulary) after Hungarian matching."""
    cols = [int(w[1:]) for w in fit.vocabulary]
    truth = topics[:, cols]
    a = truth / np.linalg.norm(truth, axis=1, keepdims=True)
    b = fit.topic_term / np.linalg.norm(fit.topic_term, axis=1, keepdims=True)
    cos = a @ b.T
    rows, match = linear_sum_assignment(-cos)
    return float(cos[rows, match].mean())


@pytest.fixture(scope="module")
def default_fit(planted):
    return fit_lda(planted[0], n_topics=K, progress=False)


@pytest.fixture(scope="module")
def gensim_fit(planted):
    return fit_lda(planted[0], n_topics=K, engine="gensim", passes=20, chunksize=50, progress=False,
                   keep_model=True)


def test_default_engine_recovers_planted_topics(default_fit, planted):
    assert default_fit.params["engine"] == "tomotopy"
    assert matched_cosine(default_fit, planted[1]) >= 0.9


def test_gensim_engine_recovers_planted_topics(gensim_fit, planted):
    assert gensim_fit.params["engine"] == "gensim"
    assert matched_cosine(gensim_fit, planted[1]) >= 0.9


def test_gensim_topics_equal_plain_gensim(gensim_fit, planted):
    """The convergence trace must not change training: same topics as a plain LdaModel."""
    docs = planted[0]
    dictionary = Dictionary(docs)
    dictionary.filter_extremes(no_below=2, no_above=0.5, keep_n=100_000)
    bow = [dictionary.doc2bow(d) for d in docs]
    plain = LdaModel(bow, id2word=dictionary, num_topics=K, passes=20, chunksize=50, iterations=100,
                     alpha="auto", eta=0.01,
                     random_state=0, eval_every=None, dtype=np.float64)
    assert list(gensim_fit.vocabulary) == [dictionary[i] for i in range(len(dictionary))]
    np.testing.assert_allclose(gensim_fit.topic_term, plain.get_topics(), rtol=1e-10, atol=1e-12)


def test_document_bound_matches_gensim_formula(gensim_fit, planted):
    """Vectorised per-chunk bound equals gensim's ``bound`` document terms, computed doc by doc."""
    model = gensim_fit.model
    bow = [model.id2word.doc2bow(d) for d in planted[0][:40]]
    gamma = gensim_fit.doc_topic_dirichlet[:40]
    elogbeta = np.log(model.expElogbeta)
    alpha = np.asarray(model.alpha, dtype=float)
    expected = 0.0
    for doc, g in zip(bow, gamma):  # LdaModel.bound's loop body, written out with scipy
        elogtheta = digamma(g) - digamma(g.sum())
        expected += sum(c * logsumexp(elogtheta + elogbeta[:, i]) for i, c in doc)
        expected += np.sum((alpha - g) * elogtheta) + np.sum(gammaln(g) - gammaln(alpha))
        expected += gammaln(alpha.sum()) - gammaln(g.sum())
    # a small block exercises the blocked loop
    got, n_tokens = _document_bound(_flatten(bow), gamma, model.expElogbeta, alpha, block=100)
    assert got == pytest.approx(expected, rel=1e-6)  # float32 gathers
    assert n_tokens == sum(c for doc in bow for _, c in doc)


@pytest.mark.parametrize("engine", ["tomotopy", "gensim"])
def test_output_shapes_and_normalisation(engine, default_fit, gensim_fit, planted):
    fit = default_fit if engine == "tomotopy" else gensim_fit
    n_terms = fit.params["n_terms"]
    assert fit.topic_term.shape == (K, n_terms) and fit.doc_topic.shape == (N_DOCS, K)
    np.testing.assert_allclose(fit.topic_term.sum(axis=1), 1.0, atol=1e-9)
    np.testing.assert_allclose(fit.doc_topic.sum(axis=1), 1.0, atol=1e-9)
    assert (fit.doc_topic_dirichlet > 0).all()
    np.testing.assert_allclose(fit.doc_topic, fit.doc_topic_dirichlet / fit.doc_topic_dirichlet.sum(1, keepdims=True))
    assert list(fit.passage_ids) == [str(i) for i in range(N_DOCS)]


def test_tomotopy_dirichlet_is_alpha_plus_token_counts(default_fit, planted):
    """For Gibbs sampling, sum of (dirichlet - alpha) per passage = number of kept tokens."""
    kept = set(default_fit.vocabulary)
    n_tokens = np.array([sum(w in kept for w in doc) for doc in planted[0]])
    alpha = np.asarray(default_fit.params["alpha_fitted"])
    counts = default_fit.doc_topic_dirichlet - alpha
    np.testing.assert_allclose(counts.sum(axis=1), n_tokens)
    np.testing.assert_allclose(counts, np.round(counts), atol=1e-9)


def test_doc_topic_matches_dominant_planted_topic(default_fit, planted):
    """Each passage's largest fitted topic maps to the planted topic of most of its tokens."""
    docs, topics = planted
    cols = [int(w[1:]) for w in default_fit.vocabulary]
    rows, match = linear_sum_assignment(-(topics[:, cols] @ default_fit.topic_term.T))
    fitted_to_planted = dict(zip(match, rows))
    owner = np.array([[sum(int(w[1:]) // (V // K) == k for w in d) for k in range(K)] for d in docs])
    clear = owner.max(axis=1) >= 0.7 * LENGTH
    predicted = np.array([fitted_to_planted[k] for k in default_fit.doc_topic.argmax(axis=1)])
    assert (predicted[clear] == owner.argmax(axis=1)[clear]).mean() >= 0.95


@pytest.mark.parametrize("engine", ["tomotopy", "gensim"])
def test_same_seed_identical_other_seed_different(engine, planted):
    docs = planted[0][:60]
    kw = dict(n_topics=3, engine=engine, passes=10 if engine == "gensim" else 60, progress=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TextlabWarning)
        a, b = fit_lda(docs, random_state=3, **kw), fit_lda(docs, random_state=3, **kw)
        c = fit_lda(docs, random_state=4, **kw)
    np.testing.assert_array_equal(a.topic_term, b.topic_term)
    np.testing.assert_array_equal(a.doc_topic_dirichlet, b.doc_topic_dirichlet)
    pd.testing.assert_frame_equal(a.convergence, b.convergence)
    assert a.params == b.params and list(a.vocabulary) == list(b.vocabulary)
    assert not np.array_equal(a.topic_term, c.topic_term)


@pytest.mark.parametrize("engine", ["tomotopy", "gensim"])
def test_convergence_table(engine, default_fit, gensim_fit):
    fit = default_fit if engine == "tomotopy" else gensim_fit
    table = fit.convergence
    assert list(table.columns) == ["pass", "perplexity_bound", "perplexity", "relative_change", "converged"]
    assert table["pass"].is_monotonic_increasing and table["pass"].iloc[-1] == fit.params["passes"]
    # tomotopy: the chosen restart chain after its 30 sweeps; gensim: after the first pass
    assert table["pass"].iloc[0] == (30 if engine == "tomotopy" else 1)
    values = table["perplexity_bound"].to_numpy()
    assert (values < 0).all()
    # gensim: the bound improves from the first pass to the end. tomotopy: the first row is
    # already 30 sweeps in (restarts), so only no deterioration beyond sampling noise
    if engine == "gensim":
        assert values[-1] > values[0]
    else:
        assert values[-1] > values[0] - 0.005 * abs(values[0])
    assert fit.converged == bool(table["converged"].iloc[-1]) == fit.params["converged"] is True
    np.testing.assert_allclose(table["perplexity"], np.exp(-values))


def test_default_tomotopy_stops_when_converged(default_fit):
    from textlab.analysis.topics.lda import TOMOTOPY_MAX_PASSES, TOMOTOPY_MIN_PASSES

    table = default_fit.convergence
    assert TOMOTOPY_MIN_PASSES <= default_fit.params["passes"] < TOMOTOPY_MAX_PASSES
    assert default_fit.params["passes_requested"] is None
    eligible = table[table["pass"] >= TOMOTOPY_MIN_PASSES]
    assert eligible["converged"].iloc[-1] and not eligible["converged"].iloc[:-1].any()  # stopped at the first


def test_restarts_continue_the_likeliest_chain(planted):
    """restarts=3 keeps the short chain with the highest log-likelihood and continues it."""
    import tomotopy as tp

    docs = planted[0][:80]
    fit = fit_lda(docs, n_topics=3, random_state=5, passes=60, progress=False)  # restarts=3 by default
    lls = fit.params["restart_log_likelihood"]
    assert len(lls) == 3 and fit.params["restarts"] == 3
    # independent: the three chains of 30 sweeps, built directly with tomotopy from the seeds
    # SeedSequence(5).spawn(3) and each passage's kept tokens ordered by term
    seeds = [int(c.generate_state(1, dtype=np.uint32)[0]) for c in np.random.SeedSequence(5).spawn(3)]
    assert fit.params["chain_seeds"] == seeds
    kept = set(fit.vocabulary)
    direct = []
    for seed in seeds:
        model = tp.LDAModel(k=3, alpha=0.1, eta=0.01, seed=seed)
        model.optim_interval = 10
        for doc in docs:
            model.add_doc(sorted(w for w in doc if w in kept))
        model.train(30, workers=1)
        direct.append(model.ll_per_word)
    np.testing.assert_allclose(lls, direct)
    assert fit.convergence["pass"].iloc[0] == 30 and fit.convergence["pass"].iloc[-1] == 60
    assert fit.convergence["perplexity_bound"].iloc[0] == pytest.approx(max(direct))
    one = fit_lda(docs, n_topics=3, random_state=5, passes=60, restarts=1, progress=False)
    assert one.params["restart_log_likelihood"] is None and one.params["restarts"] == 1
    assert one.params["chain_seeds"] == seeds[:1]  # a single chain is the first of the spawned streams


def test_neighbouring_seeds_give_different_chains(planted):
    """Seeds s and s + 1 no longer share chains: five seeds, five different fits (restarts included)."""
    docs = planted[0][:60]
    fits = [fit_lda(docs, n_topics=3, random_state=s, passes=40, restarts=2, progress=False) for s in range(5)]
    chains = [seed for f in fits for seed in f.params["chain_seeds"]]
    assert len(set(chains)) == 10
    tops = {f.topic_term.tobytes() for f in fits}
    assert len(tops) == 5


def test_gensim_bound_nearly_monotone(gensim_fit):
    values = gensim_fit.convergence["perplexity_bound"].to_numpy()
    drops = np.diff(values)
    assert (drops > -1e-3 * np.abs(values[1:])).all()


def test_not_converged_warns(planted):
    with pytest.warns(TextlabWarning, match="did not converge"):
        fit = fit_lda(planted[0], n_topics=K, engine="gensim", passes=2, progress=False)
    assert fit.params["converged"] is False


def test_dictionary_filtering_respected(planted):
    docs = [d + ["everywhere"] for d in planted[0]] + [["w000", "rare_once"]]
    fit = fit_lda(docs, n_topics=K, passes=30, no_below=3, no_above=0.9, progress=False)
    vocab = set(fit.vocabulary)
    assert "everywhere" not in vocab and "rare_once" not in vocab
    dfs = Counter(w for d in docs for w in set(d))
    assert vocab == {w for w, n in dfs.items() if 3 <= n <= 0.9 * len(docs)}
    assert fit.params["no_below"] == 3 and fit.params["no_above"] == 0.9
    assert fit.params["n_terms"] == len(vocab)


def test_keep_n(planted):
    fit = fit_lda(planted[0], n_topics=K, passes=20, keep_n=30, progress=False)
    assert len(fit.vocabulary) == 30 == fit.params["n_terms"]


def test_tokenized_corpus_and_bow_inputs_agree(planted):
    docs = planted[0][:50]
    passages = pd.DataFrame({"passage_id": [f"d{i // 10}:{i % 10:03d}" for i in range(50)],
                             "doc_id": [f"d{i // 10}" for i in range(50)]})
    tok = TokenizedCorpus(passages=passages, tokens=docs)
    kw = dict(n_topics=3, passes=40, progress=False, no_below=1, no_above=1.0, keep_n=None)
    from_tokens = fit_lda(tok, **kw)
    assert list(from_tokens.passage_ids) == list(passages["passage_id"])
    dictionary = Dictionary(docs)
    bow = [dictionary.doc2bow(d) for d in docs]
    from_bow = fit_lda(bow, dictionary=dictionary, passage_ids=passages["passage_id"], **kw)
    assert set(from_bow.vocabulary) == set(from_tokens.vocabulary)
    order = [list(from_bow.vocabulary).index(w) for w in from_tokens.vocabulary]
    np.testing.assert_allclose(from_bow.topic_term[:, order], from_tokens.topic_term)
    np.testing.assert_array_equal(from_bow.doc_topic, from_tokens.doc_topic)


def test_bow_with_filtering_remaps_ids(planted):
    """Filtering a bag-of-words corpus re-numbers term ids; the fit must still see the same words."""
    docs = planted[0][:80]
    dictionary = Dictionary(docs)
    bow = [dictionary.doc2bow(d) for d in docs]
    kw = dict(n_topics=3, engine="gensim", passes=5, progress=False, no_below=5, no_above=0.3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TextlabWarning)
        from_bow = fit_lda(bow, dictionary=dictionary, **kw)
        from_tokens = fit_lda(docs, **kw)
    assert list(from_bow.vocabulary) == list(from_tokens.vocabulary)
    np.testing.assert_allclose(from_bow.topic_term, from_tokens.topic_term)
    assert dictionary.num_docs == 80 and len(dictionary) > len(from_bow.vocabulary)  # caller's not modified


def test_empty_passage_gets_prior(planted):
    docs = planted[0][:40] + [["zzz_unique"]]
    fit = fit_lda(docs, n_topics=3, passes=50, progress=False)
    alpha = np.asarray(fit.params["alpha_fitted"])
    np.testing.assert_allclose(fit.doc_topic_dirichlet[-1], alpha)


@pytest.mark.parametrize("bad", [1, 0, -3, 2.5, True])
def test_bad_n_topics(bad, planted):
    with pytest.raises(ConfigError, match="n_topics"):
        fit_lda(planted[0], n_topics=bad, progress=False)


def test_more_topics_than_passages():
    docs = [["a", "b", "c"], ["a", "b", "d"]] * 4 + [["c", "d"]]
    with pytest.raises(EstimationError, match="n_topics=12 is more than the 9 passages"):
        fit_lda(docs, n_topics=12, no_below=1, no_above=1.0, progress=False)


def test_empty_vocabulary_names_the_filter():
    docs = [["a", "b"], ["c", "d"], ["e", "f"]]
    with pytest.raises(EstimationError, match=r"6 terms in 3 passages; no_below=2 removes 6.*no_below=1"):
        fit_lda(docs, n_topics=2, progress=False)


@pytest.mark.parametrize("kw, name", [({"engine": "mallet"}, "engine"), ({"alpha": -1}, "alpha"),
                                      ({"no_above": 0}, "no_above"), ({"passes": 0}, "passes"),
                                      ({"eta": "auto"}, "eta"), ({"random_state": None}, "random_state"),
                                      ({"restarts": 0}, "restarts")])
def test_bad_options(kw, name, planted):
    with pytest.raises(ConfigError, match=name):
        fit_lda(planted[0], n_topics=3, progress=False, **kw)


def test_generator_and_bow_without_dictionary_refused(planted):
    with pytest.raises(ConfigError, match="generator"):
        fit_lda((d for d in planted[0]), n_topics=3, progress=False)
    dictionary = Dictionary(planted[0])
    with pytest.raises(ConfigError, match="dictionary"):
        fit_lda([dictionary.doc2bow(d) for d in planted[0]], n_topics=3, progress=False)


def test_topic_tokens_for_coherence(default_fit):
    tops = default_fit.topic_tokens(5)
    assert len(tops) == K and all(len(t) == 5 for t in tops)
    first = default_fit.topic_term[0]
    assert tops[0][0] == default_fit.vocabulary[first.argmax()]


class _Stream:
    """A re-iterable bag-of-words that is not a list (as a streamed MmCorpus is)."""

    def __init__(self, bow):
        self.bow = bow

    def __len__(self):
        return len(self.bow)

    def __iter__(self):
        return iter(self.bow)


def test_streamed_bow_trace_cached_or_not_equals_list(planted, monkeypatch):
    """The bound trace is the same whether chunks are flattened once (cached) or every pass."""
    import textlab.analysis.topics.lda as lda

    docs = planted[0][:90]
    dictionary = Dictionary(docs)
    bow = [dictionary.doc2bow(d) for d in docs]
    kw = dict(dictionary=dictionary, n_topics=3, engine="gensim", passes=4, chunksize=40, progress=False,
              no_below=1, no_above=1.0, keep_n=None)
    from_list = fit_lda(bow, **kw)
    cached = fit_lda(_Stream(bow), **kw)  # 90 docs: far below FLAT_CACHE_NNZ
    monkeypatch.setattr(lda, "FLAT_CACHE_NNZ", 50)  # budget exceeded in the first chunk: no cache
    streamed = fit_lda(_Stream(bow), **kw)
    for fit in (cached, streamed):
        np.testing.assert_array_equal(fit.topic_term, from_list.topic_term)
        np.testing.assert_allclose(fit.convergence["perplexity_bound"], from_list.convergence["perplexity_bound"],
                                   rtol=1e-12)
        assert fit.params["n_tokens"] == from_list.params["n_tokens"] == sum(map(len, docs))


def test_tomotopy_restarts_respect_short_passes(planted):
    """passes below the 30-sweep restart chains runs exactly that many sweeps."""
    fit = fit_lda(planted[0][:40], n_topics=2, passes=20, restarts=3, progress=False)
    assert fit.params["passes"] == 20 and fit.convergence["pass"].iloc[-1] == 20


def _text_data(docs, *, with_tokens: bool, block_rows: int | None = None):
    """A TextData over ``docs`` (counts built here by hand), with or without its tokens."""
    import scipy.sparse as sp

    from textlab.data import TextData
    from textlab.store.memory import MemoryStore

    vocab = sorted({w for d in docs for w in d})[::-1]  # column order unlike the fit's sorted vocabulary
    col = {w: i for i, w in enumerate(vocab)}
    counts = sp.lil_matrix((len(docs), len(vocab)), dtype=np.int64)
    for r, doc in enumerate(docs):
        for w, n in Counter(doc).items():
            counts[r, col[w]] = n

    class Store(MemoryStore):  # small blocks: the fit must stitch them in order
        def iter_blocks(self, rows=None):
            return super().iter_blocks(block_rows or rows)

    rows = pd.DataFrame({"passage_id": [f"p{i:03d}" for i in range(len(docs))]})
    terms = pd.DataFrame({"term": vocab, "label": vocab})
    return TextData(rows=rows, terms=terms, store=Store(counts.tocsr()), tokens=docs if with_tokens else None)


def test_textdata_with_tokens_or_counts_only_gives_the_same_fit(planted):
    """fit_lda takes a TextData; counts-only data (tokens=None) fits from the store's counts, same answer."""
    docs = planted[0][:70] + [[]]
    kw = dict(n_topics=3, passes=40, no_below=2, no_above=0.9, progress=False)
    from_list = fit_lda(docs, **kw)
    with_tokens = fit_lda(_text_data(docs, with_tokens=True), **kw)
    counts_only = fit_lda(_text_data(docs, with_tokens=False, block_rows=16), **kw)
    for fit in (with_tokens, counts_only):
        assert list(fit.passage_ids) == [f"p{i:03d}" for i in range(71)]
        assert list(fit.vocabulary) == list(from_list.vocabulary) == sorted(from_list.vocabulary)
        np.testing.assert_array_equal(fit.topic_term, from_list.topic_term)
        np.testing.assert_array_equal(fit.doc_topic_dirichlet, from_list.doc_topic_dirichlet)
        assert fit.params["n_tokens"] == from_list.params["n_tokens"]
    dfs = Counter(w for d in docs for w in set(d))
    assert set(counts_only.vocabulary) == {w for w, n in dfs.items() if 2 <= n <= 0.9 * 71}
    gensim = fit_lda(_text_data(docs, with_tokens=False), n_topics=3, engine="gensim", passes=3,
                     no_below=2, no_above=0.9, progress=False)
    assert set(gensim.vocabulary) == set(counts_only.vocabulary) and gensim.doc_topic.shape == (71, 3)


def test_fit_grid_in_parallel_equals_fit_lda_one_by_one(planted):
    from textlab.analysis.topics.lda import fit_grid

    docs = planted[0][:60]
    grid = [(2, 0), (3, 0), (3, 7)]
    fits, prepared = fit_grid(docs, grid, n_jobs=2, passes=30, restarts=2)
    assert prepared.words.n_docs == 60
    for (k, seed), fit in zip(grid, fits):
        alone = fit_lda(docs, n_topics=k, random_state=seed, passes=30, restarts=2, progress=False)
        np.testing.assert_array_equal(fit.topic_term, alone.topic_term)
        np.testing.assert_array_equal(fit.doc_topic_dirichlet, alone.doc_topic_dirichlet)
        pd.testing.assert_frame_equal(fit.convergence, alone.convergence)
        assert fit.params == alone.params
