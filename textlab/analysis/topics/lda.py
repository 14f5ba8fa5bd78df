"""LDA topic models behind one result type: tomotopy (Gibbs sampling, default) or gensim (online VB).

``fit_lda`` takes passages' tokens (a :class:`~textlab.preprocessing.tokens.TokenizedCorpus` or a list of
token lists) or a re-iterable gensim bag-of-words stream, filters the vocabulary with gensim's
``Dictionary.filter_extremes``, fits the chosen engine with a fixed seed and returns an
:class:`LdaFit` of plain arrays plus a per-pass convergence table.  Why tomotopy is the default
(planted-topic recovery per second) is documented, with the measurements, in ``docs/lda_engine.md``.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping, Sequence
from itertools import chain
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from gensim.corpora import Dictionary

from textlab._errors import EstimationError, TextlabWarning, bad_value
from textlab.analysis.topics._engine import (  # noqa: F401  (constants re-exported for callers and tests)
    RESTART_SWEEPS, TOMOTOPY_MAX_PASSES, TOMOTOPY_MIN_PASSES, TOMOTOPY_WINDOW, WordIds, _windowed_change,
    fit_tomotopy, run_fits, word_ids_from_counts, word_ids_from_tokens,
)
from textlab.analysis.topics._gensim import (  # noqa: F401
    _document_bound, _flatten, _is_bow, _TracedLdaModel, fit_gensim, prepare_bow,
)

__all__ = ["LdaFit", "fit_lda"]

ENGINES = ("auto", "gensim", "tomotopy")
DEFAULT_PASSES = {"gensim": 20, "tomotopy": None}
DEFAULT_ITERATIONS = {"gensim": 100, "tomotopy": None}
FLAT_CACHE_NNZ = 10_000_000  # streamed gensim corpora: keep flattened chunks for the bound up to this (~120 MB)
_CONVERGENCE_COLUMNS = ["pass", "perplexity_bound", "perplexity", "relative_change", "converged"]


@dataclass(frozen=True)
class LdaFit:
    """A fitted topic model as plain arrays.

    Attributes
    ----------
    topic_term
        ``K x V`` topic-word probabilities (rows sum to 1).
    doc_topic
        ``N x K`` posterior-mean topic proportions per passage (rows sum to 1).
    doc_topic_dirichlet
        ``N x K`` Dirichlet parameters of each passage's topic proportions
        (gensim's variational ``gamma``; for tomotopy ``alpha`` + the passage's sampled
        topic counts, the exact conditional posterior), for posterior draws.
    vocabulary
        ``V`` term strings.
    passage_ids
        ``N`` passage ids, row order of ``doc_topic``.
    convergence
        Per-pass diagnostics: ``pass`` (pass over the corpus; Gibbs sweep for tomotopy),
        ``perplexity_bound`` (per-word log-likelihood bound for gensim, per-word
        log-likelihood for tomotopy), ``perplexity`` (``exp(-perplexity_bound)``),
        ``relative_change`` (of ``perplexity_bound`` since the previous row) and
        ``converged`` (``relative_change < tol``).
    params
        ``n_topics``, ``random_state``, ``passes``, ``iterations``, ``alpha`` (as given),
        ``alpha_fitted`` (final vector), ``eta``, ``engine`` (the engine actually used), the
        dictionary filter settings and sizes, ``converged``.
    model
        The engine's model object when ``fit_lda(..., keep_model=True)``, else ``None``; not
        compared, not saved. Prefer :meth:`topic_tokens` for gensim's ``CoherenceModel(topics=...)``.
    """

    topic_term: np.ndarray
    doc_topic: np.ndarray
    doc_topic_dirichlet: np.ndarray
    vocabulary: np.ndarray
    passage_ids: np.ndarray
    convergence: pd.DataFrame
    params: dict = field(default_factory=dict)
    model: object | None = field(default=None, repr=False, compare=False)

    @property
    def n_topics(self) -> int:
        """Number of topics ``K``."""
        return int(self.topic_term.shape[0])

    @property
    def converged(self) -> bool:
        """Whether the last recorded pass changed the objective by less than ``tol``."""
        return bool(self.params.get("converged", False))

    def topic_tokens(self, n_terms: int = 10) -> list[list[str]]:
        """Top ``n_terms`` terms per topic, for gensim's ``CoherenceModel(topics=...)``.

        Examples
        --------
        >>> fit = fit_lda([["a", "b"], ["a", "b"], ["c", "d"], ["c", "d"]], n_topics=2,
        ...               no_below=1, no_above=1.0, passes=20, progress=False)
        >>> sorted(sorted(t) for t in fit.topic_tokens(2))
        [['a', 'b'], ['c', 'd']]
        """
        order = np.argsort(-self.topic_term, axis=1, kind="stable")[:, :n_terms]
        return [[str(term) for term in self.vocabulary[row]] for row in order]



def _convergence_table(values: Sequence[float], passes: Sequence[int], tol: float, window: int = 1) -> pd.DataFrame:
    """Per-pass table; ``window > 1`` smooths the sampling noise of Gibbs log-likelihoods."""
    values = np.asarray(values, dtype=float)
    change = _windowed_change(values, window)
    return pd.DataFrame({"pass": np.asarray(passes, dtype=int), "perplexity_bound": values,
                         "perplexity": np.exp(-values), "relative_change": change,
                         "converged": change < tol}, columns=_CONVERGENCE_COLUMNS)


def fit_lda(
    corpus,
    *,
    n_topics: int,
    engine: str = "auto",
    random_state: int = 0,
    passes: int | None = None,
    iterations: int | None = None,
    alpha: str | float = "auto",
    eta: float | str | None = 0.01,
    chunksize: int = 2000,
    update_every: int = 1,
    gamma_threshold: float = 0.001,
    tol: float = 1e-3,
    no_below: int = 2,
    no_above: float = 0.5,
    keep_n: int | None = 100_000,
    dictionary: Dictionary | Mapping[int, str] | None = None,
    passage_ids: Sequence[str] | None = None,
    workers: int = 1,
    restarts: int = 3,
    keep_model: bool = False,
    progress: bool = True,
) -> LdaFit:
    """Fit an LDA topic model to passages and return its topics and passage proportions.

    Parameters
    ----------
    corpus
        A :class:`~textlab.data.TextData` (its tokens, or its counts when it was read as counts
        only), a :class:`~textlab.preprocessing.tokens.TokenizedCorpus`, a list of token lists, or a
        re-iterable gensim bag-of-words stream (list of ``(term_id, count)`` per document, with
        ``dictionary=``).  For tomotopy every input becomes the same term-id corpus (vocabulary
        sorted, each passage's tokens ordered by term), so equal counts give equal fits.
    n_topics
        Number of topics ``K`` (2 .. number of passages).
    engine
        ``"tomotopy"`` (collapsed Gibbs sampling), ``"gensim"`` (online variational Bayes) or
        ``"auto"`` = ``"tomotopy"``: on planted-topic corpora it recovers topics better in less wall
        time than gensim, tuned or not (see ``docs/lda_engine.md``). Use ``"gensim"`` for corpora
        streamed from disk that do not fit in memory. ``params["engine"]`` records the engine used.
    random_state
        Seed (>= 0). gensim gets it as ``random_state``; tomotopy chains get the seeds
        ``SeedSequence(random_state).spawn(restarts)`` (recorded in ``params["chain_seeds"]``), so
        the chains of different ``random_state`` values never coincide. The same seed gives
        identical arrays.
    passes
        gensim: training passes over the corpus (default 20). tomotopy: Gibbs sweeps; by default
        (``None``) sweep in steps of 10 until converged (at least 100, at most 1000 sweeps);
        an integer runs exactly that many. ``params["passes"]`` records the number run.
    iterations
        gensim only: maximum variational iterations per document and E-step (default 100);
        a document stops early when its ``gamma`` changes less than ``gamma_threshold``.
    alpha
        Document-topic prior: ``"auto"`` (learned asymmetric prior: gensim ``alpha="auto"``,
        tomotopy hyperparameter optimisation every 10 sweeps from 0.1), ``"symmetric"`` (1/K) or a
        float.
    eta
        Topic-word prior (float; gensim also accepts ``"auto"``; ``None`` = engine default).
    chunksize, update_every
        gensim only: documents per E-step chunk and chunks per M-step (0 = batch).
    gamma_threshold
        gensim only: per-document convergence threshold of the E-step.
    tol
        A pass is ``converged`` when the per-word bound changes by less than ``tol`` relative to
        the previous pass (gensim), or the mean per-word log-likelihood of the last 50 sweeps
        changes by less than ``tol`` relative to the 50 before (tomotopy, whose topic-word
        estimate is the mean of the samples taken every 10 sweeps over those last 50).
    no_below, no_above, keep_n
        Dictionary filtering (gensim ``Dictionary.filter_extremes``): keep terms in at least
        ``no_below`` passages and at most ``no_above`` (fraction) of them, then the ``keep_n``
        most frequent (``None`` = all).
    dictionary
        gensim ``Dictionary`` or ``{id: word}`` mapping of a bag-of-words ``corpus``.
    passage_ids
        Row ids (default: the ``passage_id`` column of a TokenizedCorpus, else ``"0"``, ``"1"`` ...).
    workers
        tomotopy sampling threads; keep 1 for reproducible results (gensim always uses one).
    restarts
        tomotopy only: run this many 30-sweep chains from independent seeds and continue the one
        with the highest log-likelihood (default 3; 1 = a single chain). Guards against a chain
        stuck with merged/split topics: on a 20,000-passage planted corpus a single chain
        recovered 0.933 and plain tomotopy (200 sweeps) 0.870, the likeliest of 3 chains 0.997
        (``docs/lda_engine.md``). Costs ``30 * restarts`` sweeps and a second model in memory
        while choosing. ``select_n_topics`` and ``fit_seeds`` use 1 unless told otherwise: their
        several seeds already are independent chains.
    keep_model
        Attach the engine's model object to ``LdaFit.model`` (for ``infer``-style reuse);
        off by default so that a fit is a plain value.
    progress
        Show a progress bar over passes.

    Returns
    -------
    LdaFit
        Topics, passage proportions, convergence table and the settings used.

    Warns
    -----
    TextlabWarning
        When the last pass is not ``converged`` (the fit is still returned, with
        ``params["converged"] = False``).

    Raises
    ------
    EstimationError
        ``n_topics`` above the number of passages, or no terms left after filtering.
    ConfigError
        A parameter outside its allowed values.

    Examples
    --------
    >>> docs = [["cloud", "server", "data"], ["cloud", "data", "server"],
    ...         ["trade", "tariff", "export"], ["export", "trade", "tariff"]]
    >>> fit = fit_lda(docs, n_topics=2, no_below=1, no_above=1.0, progress=False)
    >>> fit.doc_topic.shape, fit.params["engine"]
    ((4, 2), 'tomotopy')
    >>> bool(np.allclose(fit.doc_topic.sum(axis=1), 1.0))
    True
    """
    opts = _options(n_topics=n_topics, engine=engine, random_state=random_state, passes=passes,
                    iterations=iterations, alpha=alpha, eta=eta, chunksize=chunksize, update_every=update_every,
                    gamma_threshold=gamma_threshold, tol=tol, no_below=no_below, no_above=no_above, keep_n=keep_n,
                    workers=workers, restarts=restarts, progress=progress)
    prepared = _prepare(corpus, opts, dictionary, passage_ids)
    return _fit_prepared(prepared, opts, keep_model=keep_model, stacklevel=3)


def _options(**given: Any) -> dict:
    """Validate ``fit_lda``'s settings; return them with the engine resolved (``engine_requested`` kept)."""
    engine = given["engine"]
    if engine not in ENGINES:
        raise bad_value("engine", engine, " or ".join(repr(e) for e in ENGINES))
    used = "tomotopy" if engine == "auto" else engine
    n_topics, random_state = given["n_topics"], given["random_state"]
    if not isinstance(n_topics, (int, np.integer)) or isinstance(n_topics, bool) or n_topics < 2:
        raise bad_value("n_topics", n_topics, "an integer >= 2")
    if not isinstance(random_state, (int, np.integer)) or isinstance(random_state, bool) or random_state < 0:
        raise bad_value("random_state", random_state, "an integer seed >= 0")
    passes = DEFAULT_PASSES[used] if given["passes"] is None else given["passes"]
    iterations = DEFAULT_ITERATIONS[used] if given["iterations"] is None else given["iterations"]
    if not (passes is None and used == "tomotopy") and not (isinstance(passes, (int, np.integer)) and passes >= 1):
        raise bad_value("passes", passes, "an integer >= 1")
    if used == "gensim" and not (isinstance(iterations, (int, np.integer)) and iterations >= 1):
        raise bad_value("iterations", iterations, "an integer >= 1")
    alpha, eta = given["alpha"], given["eta"]
    if not (alpha in ("auto", "symmetric") or (isinstance(alpha, (int, float)) and alpha > 0)):
        raise bad_value("alpha", alpha, "'auto', 'symmetric' or a positive number")
    if not (eta is None or (eta == "auto" and used == "gensim") or (isinstance(eta, (int, float)) and eta > 0)):
        raise bad_value("eta", eta, "a positive number or None (and 'auto' with engine='gensim')")
    for name in ("restarts", "workers"):
        if not (isinstance(given[name], (int, np.integer)) and given[name] >= 1):
            raise bad_value(name, given[name], "an integer >= 1")
    if not (isinstance(given["no_below"], (int, np.integer)) and given["no_below"] >= 1):
        raise bad_value("no_below", given["no_below"], "an integer >= 1 (minimum number of passages containing a term)")
    if not (0 < given["no_above"] <= 1):
        raise bad_value("no_above", given["no_above"], "a fraction in (0, 1] (maximum share of passages containing a term)")
    return {**given, "engine": used, "engine_requested": engine, "n_topics": int(n_topics),
            "random_state": int(random_state), "passes": passes, "iterations": iterations,
            "chunksize": int(given["chunksize"]), "update_every": int(given["update_every"]),
            "workers": int(given["workers"]), "restarts": int(given["restarts"])}


@dataclass(frozen=True)
class _Prepared:
    """A corpus ready for one engine, built once and shared by every fit of a selection."""

    engine: str
    passage_ids: np.ndarray
    report: dict
    words: WordIds | None = None  # tomotopy
    bow: Any = None  # gensim
    id2word: Any = None

    @property
    def vocabulary(self) -> np.ndarray:
        if self.words is not None:
            return np.array(self.words.vocabulary, dtype=str)
        return np.array([self.id2word[i] for i in range(len(self.id2word))], dtype=str)


def _row_ids(corpus: Any, passage_ids: Sequence[str] | None) -> Sequence[str] | None:
    if passage_ids is not None:
        return passage_ids
    rows = getattr(corpus, "passages", None)
    for column in ("passage_id", "doc_id"):
        if rows is not None and column in rows:
            return rows[column].astype(str).to_numpy()
    return None


def _counts_as_bow(data: Any) -> tuple[list, dict[int, str]]:
    """Bag of words and ``{id: term}`` of a counts-only :class:`~textlab.data.TextData` (gensim engine)."""
    bow = []
    for _, block in data.store.iter_blocks():
        block = block.tocsr()
        for r in range(block.shape[0]):
            sl = slice(block.indptr[r], block.indptr[r + 1])
            bow.append([(int(i), int(c)) for i, c in zip(block.indices[sl], block.data[sl]) if c > 0])
    return bow, dict(enumerate(data.vocabulary.tolist()))


def _prepare(corpus: Any, opts: dict, dictionary: Any = None, passage_ids: Sequence[str] | None = None) -> _Prepared:
    """Turn any accepted corpus into the engine's input: word ids (tomotopy) or a filtered bag of words."""
    filt = dict(no_below=opts["no_below"], no_above=opts["no_above"], keep_n=opts["keep_n"])
    ids = _row_ids(corpus, passage_ids)
    counts_only = getattr(corpus, "store", None) is not None and getattr(corpus, "tokens", None) is None
    if opts["engine"] == "gensim":
        if counts_only:
            corpus, dictionary = _counts_as_bow(corpus)
        bow, id2word, ids, report = prepare_bow(corpus, dictionary, ids, **filt)
        return _Prepared("gensim", ids, report, bow=bow, id2word=id2word)
    if counts_only:
        words = word_ids_from_counts(corpus.store.iter_blocks(), corpus.vocabulary, corpus.shape[0], **filt)
    else:
        tokens = _tokens_or_bow(corpus, dictionary)
        if isinstance(tokens, tuple):  # a bag of words with its dictionary: as counts
            n_rows = len(corpus) if hasattr(corpus, "__len__") else None
            words = word_ids_from_counts(tokens[0], tokens[1], n_rows, **filt)
        else:
            words = word_ids_from_tokens(tokens, **filt)
    n_docs = words.n_docs
    if n_docs == 0:
        raise EstimationError("corpus is empty: fit_lda needs at least 2 passages with tokens")
    if not words.vocabulary:
        rep = words.report
        raise EstimationError(
            f"no terms are left after dictionary filtering: {rep['n_terms_before']} terms in {n_docs} passages; "
            f"no_below={filt['no_below']} removes {rep['n_removed_no_below']} (terms in fewer passages), "
            f"no_above={filt['no_above']} removes {rep['n_removed_no_above']} (terms in more than "
            f"{filt['no_above']:.0%} of passages). Try no_below=1 or no_above=1.0.")
    ids = np.array([str(i) for i in range(n_docs)]) if ids is None else np.asarray(ids, dtype=str)
    if len(ids) != n_docs:
        raise bad_value("passage_ids", f"<{len(ids)} ids>", f"one id per document ({n_docs})")
    return _Prepared("tomotopy", ids, words.report, words=words)


def _tokens_or_bow(corpus: Any, dictionary: Any):
    """Token lists, or ``(count blocks, vocabulary)`` for a bag-of-words corpus; refuse what cannot be read twice."""
    if hasattr(corpus, "tokens") and hasattr(corpus, "passages"):
        return corpus.tokens
    if isinstance(corpus, (str, bytes)) or not isinstance(corpus, Iterable):
        raise bad_value("corpus", type(corpus).__name__,
                        "a TextData, a TokenizedCorpus, a list of token lists, or a re-iterable bag-of-words "
                        "with dictionary=")
    if iter(corpus) is corpus:
        raise bad_value("corpus", type(corpus).__name__,
                        "a list or re-iterable corpus (a generator is consumed after one pass)")
    first = next((doc for doc in corpus if len(doc) > 0), None)
    if first is None or not _is_bow(first):
        return corpus
    if dictionary is None:
        raise bad_value("dictionary", None, "a gensim Dictionary or {id: word} mapping when corpus is bag-of-words")
    mapping = dict(dictionary.items())
    size = max(mapping, default=-1) + 1
    vocabulary = [str(mapping.get(i, f"<id {i}>")) for i in range(size)]
    return _bow_blocks(corpus, size), vocabulary


def _bow_blocks(bow: Iterable, size: int, block_rows: int = 5_000):
    """``(first_row, csr)`` blocks of a bag-of-words corpus (vectorised, a block of passages at a time)."""
    import scipy.sparse as sp

    block, first = [], 0
    for doc in chain(bow, [None]):
        if doc is not None:
            block.append(doc)
        if block and (doc is None or len(block) == block_rows):
            rows, ids, counts = _flatten(block)
            if len(ids) and (ids.max() >= size or ids.min() < 0):
                raise bad_value("dictionary", f"<{size} ids>", f"a mapping that covers every term id of the corpus "
                                f"(found id {int(ids.max())})")
            yield first, sp.csr_matrix((counts.astype(np.int64), (rows, ids)), shape=(len(block), size))
            first += len(block)
            block = []


def _fit_prepared(prepared: _Prepared, opts: dict, *, keep_model: bool = False, stacklevel: int = 2,
                  raw: dict | None = None) -> LdaFit:
    """Fit (or, with ``raw``, assemble a fit already run) and return the :class:`LdaFit`."""
    n_docs, used = len(prepared.passage_ids), prepared.engine
    if opts["n_topics"] > n_docs:
        raise EstimationError(f"n_topics={opts['n_topics']} is more than the {n_docs} passages: "
                              f"choose n_topics between 2 and {n_docs}")
    if raw is None and used == "tomotopy":
        raw = fit_tomotopy(prepared.words, opts, keep_model=keep_model)
    elif raw is None:
        out = fit_gensim(prepared.bow, prepared.id2word, n_docs, opts, FLAT_CACHE_NNZ)
        raw = dict(zip(("topic_term", "dirichlet", "values", "marks", "alpha_fit", "model", "n_words"), out))
        raw.update(restart_ll=[], chain_seeds=None, perplexity=float("nan"), n_held_out_tokens=0)
    convergence = _convergence_table(raw["values"], raw["marks"], opts["tol"],
                                     window=1 if used == "gensim" else TOMOTOPY_WINDOW)
    passes_run = int(convergence["pass"].iloc[-1])
    converged = bool(convergence["converged"].iloc[-1]) if len(convergence) else False
    if not converged:
        last = convergence["relative_change"].iloc[-1] if len(convergence) else float("nan")
        warnings.warn(
            f"LDA ({used}) did not converge in passes={passes_run}: last relative change of the per-word "
            f"bound {last:.2g} >= tol={opts['tol']}; increase passes", TextlabWarning, stacklevel=stacklevel)
    report, gensim = prepared.report, used == "gensim"
    params = {
        "n_topics": opts["n_topics"], "random_state": opts["random_state"], "engine": used,
        "engine_requested": opts["engine_requested"], "passes": passes_run, "passes_requested": opts["passes"],
        "iterations": opts["iterations"], "alpha": opts["alpha"], "alpha_fitted": raw["alpha_fit"].tolist(),
        "eta": opts["eta"], "chunksize": opts["chunksize"] if gensim else None,
        "update_every": opts["update_every"] if gensim else None,
        "gamma_threshold": opts["gamma_threshold"] if gensim else None, "tol": opts["tol"],
        "workers": opts["workers"], "no_below": opts["no_below"], "no_above": opts["no_above"],
        "keep_n": opts["keep_n"], "n_terms_before_filter": report["n_terms_before"],
        "n_terms": report["n_terms_after"], "n_terms_removed_no_below": report["n_removed_no_below"],
        "n_terms_removed_no_above": report["n_removed_no_above"],
        "restarts": None if gensim else opts["restarts"],
        "restart_log_likelihood": raw["restart_ll"] or None, "chain_seeds": raw["chain_seeds"],
        "held_out_fraction": float(opts.get("held_out_fraction") or 0.0),
        "n_passages": n_docs, "n_tokens": int(raw["n_words"]), "converged": converged,
        "convergence_measure": "per-word variational bound" if gensim else "per-word log-likelihood",
    }
    if params["held_out_fraction"]:
        params.update(perplexity=raw["perplexity"], n_held_out_tokens=raw["n_held_out_tokens"],
                      split_random_state=int(opts.get("split_random_state", 0)))
    dirichlet = raw["dirichlet"]
    return LdaFit(topic_term=raw["topic_term"], doc_topic=dirichlet / dirichlet.sum(axis=1, keepdims=True),
                  doc_topic_dirichlet=dirichlet, vocabulary=prepared.vocabulary, passage_ids=prepared.passage_ids,
                  convergence=convergence, params=params, model=raw.get("model") if keep_model else None)


def fit_grid(corpus: Any, grid: Sequence[tuple[int, int]], *, n_jobs: int | None = None,
             held_out_fraction: float = 0.0, split_random_state: int = 0, prepared: _Prepared | None = None,
             **lda_kwargs: Any) -> tuple[list[LdaFit], _Prepared]:
    """Fit ``fit_lda(corpus, n_topics=K, random_state=seed, **lda_kwargs)`` for every ``(K, seed)`` of ``grid``.

    The corpus is prepared once (or reused from ``prepared``) and shared by all fits; tomotopy
    fits run on ``n_jobs`` processes (``None`` / ``-1`` = every core), each single-threaded and
    seeded, so the fits equal ``fit_lda`` called one by one.  ``held_out_fraction > 0`` leaves that
    share of tokens out of every fit and records their perplexity in ``params["perplexity"]``
    (tomotopy only).  Returns the fits in grid order and the prepared corpus.
    """
    import inspect

    defaults = {name: p.default for name, p in inspect.signature(fit_lda).parameters.items()
                if p.kind is inspect.Parameter.KEYWORD_ONLY and p.default is not inspect.Parameter.empty}
    given = {**defaults, **lda_kwargs}
    for name in ("keep_model", "dictionary", "passage_ids"):
        given.pop(name, None)
    template = _options(n_topics=max(2, min(k for k, _ in grid)), random_state=0,
                        **{k: v for k, v in given.items() if k not in ("n_topics", "random_state")})
    if prepared is None:
        prepared = _prepare(corpus, template, lda_kwargs.get("dictionary"), lda_kwargs.get("passage_ids"))
    tasks = []
    for k, seed in grid:
        opts = _options(n_topics=k, random_state=seed,
                        **{key: v for key, v in given.items() if key not in ("n_topics", "random_state")})
        tasks.append({**opts, "held_out_fraction": float(held_out_fraction),
                      "split_random_state": int(split_random_state), "progress": False})
    if held_out_fraction and prepared.engine != "tomotopy":
        raise bad_value("held_out_fraction", held_out_fraction, "0 with engine='gensim' (held-out tokens are "
                        "scored inside tomotopy fits only)")
    for task in tasks:
        if task["n_topics"] > len(prepared.passage_ids):
            raise EstimationError(f"n_topics={task['n_topics']} is more than the {len(prepared.passage_ids)} "
                                  f"passages: choose n_topics between 2 and {len(prepared.passage_ids)}")
    raws = run_fits(prepared.words, tasks, n_jobs=n_jobs, desc="LDA fits (K, seed)") \
        if prepared.engine == "tomotopy" else [None] * len(tasks)
    fits = []
    for task, raw in zip(tasks, raws):  # a loop, not a comprehension: warnings point at fit_grid's caller's caller
        fits.append(_fit_prepared(prepared, task, raw=raw, stacklevel=4))
    return fits, prepared
