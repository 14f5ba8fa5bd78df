"""LDA topic models behind one result type: tomotopy (Gibbs sampling, default) or gensim (online VB).

``fit_lda`` takes passages' tokens (a :class:`~textlab.preprocessing.tokens.TokenizedCorpus` or a list of
token lists) or a re-iterable gensim bag-of-words stream, filters the vocabulary with gensim's
``Dictionary.filter_extremes``, fits the chosen engine with a fixed seed and returns an
:class:`LdaFit` of plain arrays plus a per-pass convergence table.  Why tomotopy is the default
(planted-topic recovery per second) is documented, with the measurements, in ``docs/lda_engine.md``.
"""

from __future__ import annotations

import copy
import warnings
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import chain, repeat

import numpy as np
import pandas as pd
from gensim.corpora import Dictionary
from gensim.matutils import dirichlet_expectation
from gensim.models import LdaModel
from scipy.special import gammaln

from textlab._errors import EstimationError, TextlabWarning, bad_value
from textlab._progress import progress

__all__ = ["LdaFit", "fit_lda"]

ENGINES = ("auto", "gensim", "tomotopy")
DEFAULT_PASSES = {"gensim": 20, "tomotopy": None}
TOMOTOPY_MAX_PASSES = 1000  # default Gibbs sweeps: stop when converged, at most this many
TOMOTOPY_MIN_PASSES = 100
RESTART_SWEEPS = 30  # sweeps of each short chain when restarts > 1
TOMOTOPY_WINDOW = 5  # recorded steps (10 sweeps each) compared for convergence and averaged for topic_term
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


class _RemappedCorpus:
    """Re-iterable bag-of-words stream with term ids mapped through ``old_to_new`` (-1 drops)."""

    def __init__(self, bow: Iterable, old_to_new: np.ndarray, length: int) -> None:
        self.bow, self.old_to_new, self.length = bow, old_to_new, length

    def __len__(self) -> int:
        return self.length

    def __iter__(self) -> Iterator[list[tuple[int, int]]]:
        table = self.old_to_new.tolist()  # plain-list lookups beat NumPy calls on short documents
        for doc in self.bow:
            yield [(new, c) for new, c in ((table[i], c) for i, c in doc) if new >= 0]


def _is_bow(first: object) -> bool:
    return isinstance(first, (list, tuple)) and len(first) > 0 and isinstance(first[0], (tuple, list))


def _prepare(corpus, dictionary, passage_ids, no_below, no_above, keep_n):
    """Return (bow, id2word Dictionary, passage_ids, filter report)."""
    tokens = None
    if hasattr(corpus, "tokens") and hasattr(corpus, "passages"):
        tokens = corpus.tokens
        if passage_ids is None and "passage_id" in corpus.passages:
            passage_ids = corpus.passages["passage_id"].astype(str).to_numpy()
    elif isinstance(corpus, (str, bytes)) or not isinstance(corpus, Iterable):
        raise bad_value("corpus", type(corpus).__name__,
                        "a TokenizedCorpus, a list of token lists, or a re-iterable bag-of-words with dictionary=")
    elif iter(corpus) is corpus:
        raise bad_value("corpus", type(corpus).__name__,
                        "a list or re-iterable corpus (a generator is consumed after one pass)")
    else:
        first = next((doc for doc in corpus if len(doc) > 0), None)
        if first is not None and not _is_bow(first):
            tokens = corpus if isinstance(corpus, list) else list(corpus)
    if tokens is not None:
        tokens = [list(doc) for doc in tokens] if not isinstance(tokens, list) else tokens
        full = Dictionary(tokens)
        n_docs = len(tokens)
    else:
        if dictionary is None:
            raise bad_value("dictionary", None, "a gensim Dictionary or {id: word} mapping when corpus is bag-of-words")
        if isinstance(dictionary, Dictionary) and dictionary.num_docs > 0:
            full = dictionary  # copied by _filter before anything is removed
        else:  # a plain mapping: count document frequencies with one pass
            full = _dictionary_from_bow(corpus, dict(dictionary.items()))
        n_docs = len(corpus) if hasattr(corpus, "__len__") else sum(1 for _ in corpus)
    if n_docs == 0:
        raise EstimationError("corpus is empty: fit_lda needs at least 2 passages with tokens")
    report = _filter(full, n_docs, no_below, no_above, keep_n)
    if tokens is not None:
        bow = [report["dictionary"].doc2bow(doc) for doc in tokens]
    else:
        old_to_new = np.full(max(_full_ids_max(dictionary, full), 0) + 1, -1, dtype=np.int64)
        for word, new_id in report["dictionary"].token2id.items():
            old_to_new[report["old_ids"][word]] = new_id
        identity = np.array_equal(old_to_new, np.arange(len(old_to_new)))
        if identity and hasattr(corpus, "__len__"):
            bow = corpus  # nothing filtered out, ids unchanged: train on the caller's corpus as is
        elif isinstance(corpus, list):
            bow = list(_RemappedCorpus(corpus, old_to_new, n_docs))  # remap once, not every pass
        else:
            bow = _RemappedCorpus(corpus, old_to_new, n_docs)
    if passage_ids is None:
        passage_ids = np.array([str(i) for i in range(n_docs)])
    passage_ids = np.asarray(passage_ids, dtype=str)
    if len(passage_ids) != n_docs:
        raise bad_value("passage_ids", f"<{len(passage_ids)} ids>", f"one id per document ({n_docs})")
    return bow, report["dictionary"], passage_ids, report


def _dictionary_from_bow(bow: Iterable, id2word: dict[int, str]) -> Dictionary:
    """gensim ``Dictionary.from_corpus`` (document and collection frequencies), vectorised."""
    lengths, flat = [], []
    for doc in bow:
        lengths.append(len(doc))
        flat.extend(chain.from_iterable(doc))
    pairs = np.asarray(flat, dtype=np.int64).reshape(-1, 2)
    size = max(max(id2word, default=-1), int(pairs[:, 0].max(initial=-1))) + 1
    dfs = np.bincount(pairs[:, 0], minlength=size)
    cfs = np.bincount(pairs[:, 0], weights=pairs[:, 1], minlength=size).astype(np.int64)
    out = Dictionary()
    out.token2id = {str(id2word.get(i, i)): i for i in range(size) if i in id2word or dfs[i] > 0}
    out.dfs = {i: int(dfs[i]) for i in out.token2id.values()}
    out.cfs = {i: int(cfs[i]) for i in out.token2id.values()}
    out.num_docs, out.num_pos, out.num_nnz = len(lengths), int(pairs[:, 1].sum()), len(pairs)
    return out


def _full_ids_max(dictionary, full: Dictionary) -> int:
    ids = list(full.token2id.values())
    if isinstance(dictionary, Mapping):
        ids += list(dictionary.keys())
    return max(ids) if ids else 0


def _filter(full: Dictionary, n_docs: int, no_below: int, no_above: float, keep_n: int | None) -> dict:
    if not (isinstance(no_below, (int, np.integer)) and no_below >= 1):
        raise bad_value("no_below", no_below, "an integer >= 1 (minimum number of passages containing a term)")
    if not (0 < no_above <= 1):
        raise bad_value("no_above", no_above, "a fraction in (0, 1] (maximum share of passages containing a term)")
    dfs = np.array([full.dfs.get(i, 0) for i in full.token2id.values()])
    n_rare = int(np.sum(dfs < no_below))
    n_common = int(np.sum(dfs > no_above * full.num_docs))  # as filter_extremes counts
    old_ids = dict(full.token2id)
    n_before = len(full)
    compact = sorted(old_ids.values()) == list(range(n_before))
    if n_rare or n_common or not compact or (keep_n is not None and n_before > keep_n):
        kept = copy.deepcopy(full)  # never modify the caller's dictionary
        kept.filter_extremes(no_below=no_below, no_above=no_above, keep_n=keep_n)
    else:
        kept = full  # nothing to remove: skip the copy
    if len(kept) == 0:
        raise EstimationError(
            f"no terms are left after dictionary filtering: {n_before} terms in {n_docs} passages; "
            f"no_below={no_below} removes {n_rare} (terms in fewer passages), no_above={no_above} removes "
            f"{n_common} (terms in more than {no_above:.0%} of passages). Try no_below=1 or no_above=1.0."
        )
    return {"dictionary": kept, "old_ids": old_ids, "n_terms_before": n_before, "n_terms_after": len(kept),
            "n_removed_no_below": n_rare, "n_removed_no_above": n_common}


def _windowed_change(values: Sequence[float], window: int) -> np.ndarray:
    """Relative change of the mean of the last ``window`` values against the ``window`` before."""
    values = np.asarray(values, dtype=float)
    change = np.full(len(values), np.nan)
    for i in range(2 * window - 1, len(values)):
        now = values[i - window + 1 : i + 1].mean()
        before = values[i - 2 * window + 1 : i - window + 1].mean()
        change[i] = abs(now - before) / max(abs(before), 1e-300)
    return change


def _convergence_table(values: Sequence[float], passes: Sequence[int], tol: float, window: int = 1) -> pd.DataFrame:
    """Per-pass table; ``window > 1`` smooths the sampling noise of Gibbs log-likelihoods."""
    values = np.asarray(values, dtype=float)
    change = _windowed_change(values, window)
    return pd.DataFrame({"pass": np.asarray(passes, dtype=int), "perplexity_bound": values,
                         "perplexity": np.exp(-values), "relative_change": change,
                         "converged": change < tol}, columns=_CONVERGENCE_COLUMNS)


class _TracedLdaModel(LdaModel):
    """gensim ``LdaModel`` that records the variational bound of each pass as it trains.

    The bound of a pass sums, over chunks, the document terms of gensim's ``bound`` evaluated with
    the chunk's E-step ``gamma`` (no extra inference), plus the topic term after the pass's last
    M-step.  Training itself is untouched: topics equal a plain ``LdaModel`` with the same settings.
    """

    def _start_trace(self, n_docs: int, bar: Iterator | None, cache_nnz: int | None) -> None:
        """Reset the trace; keep the first pass's flattened chunks up to ``cache_nnz`` non-zeros (None: all)."""
        self._n_docs, self._bar, self._seen, self._doc_bound, self._trace = n_docs, bar, 0, 0.0, []
        self._n_words = 0.0  # tokens seen in the first pass
        # flattened chunks of the first pass (12 bytes per non-zero), reused by later passes so that a
        # streamed corpus is not converted again every pass; dropped if the corpus outgrows cache_nnz
        self._flat: dict[int, tuple] | None = {}
        self._flat_nnz, self._flat_budget, self._eta_terms = 0, cache_nnz, None

    def do_estep(self, chunk, state=None):
        gamma = super().do_estep(chunk, state)
        offset = self._seen % self._n_docs
        flat = self._flat.get(offset) if self._flat is not None else None
        if flat is None:
            flat = _flatten(chunk)
            if self._flat is not None and self._seen < self._n_docs:
                self._flat_nnz += len(flat[1])
                if self._flat_budget is None or self._flat_nnz <= self._flat_budget:
                    self._flat[offset] = flat
                else:
                    self._flat = None  # too large to keep: flatten each chunk as it streams
        bound, n_tokens = _document_bound(flat, gamma, self.expElogbeta, self.alpha)
        self._doc_bound += bound
        if self._seen < self._n_docs:
            self._n_words += n_tokens
        self._seen += gamma.shape[0]
        return gamma

    def do_mstep(self, rho, other, extra_pass=False):
        super().do_mstep(rho, other, extra_pass)
        if self._seen >= (len(self._trace) + 1) * self._n_docs:
            lam = self.state.get_lambda().astype(np.float64, copy=False)
            elogbeta = np.log(self.expElogbeta)  # set by this M-step from the same lambda
            eta = np.broadcast_to(np.asarray(self.eta, dtype=np.float64), lam.shape)
            if self._eta_terms is None or self.optimize_eta:  # prior-only terms: once unless eta is learned
                self._eta_terms = float(np.sum(gammaln(eta.sum(axis=1))) - np.sum(gammaln(eta)))
            topic = (np.sum((eta - lam) * elogbeta) + np.sum(gammaln(lam)) - np.sum(gammaln(lam.sum(axis=1)))
                     + self._eta_terms)
            self._trace.append(self._doc_bound + topic)
            self._doc_bound = 0.0
            if self._bar is not None:
                next(self._bar, None)


def _flatten(chunk) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Row index, term id and count of every non-zero of a bag-of-words chunk."""
    lengths = np.fromiter(map(len, chunk), dtype=np.int64, count=len(chunk))
    flat = np.fromiter(chain.from_iterable(chain.from_iterable(chunk)), dtype=np.float64, count=2 * int(lengths.sum()))
    rows = np.repeat(np.arange(len(chunk), dtype=np.int32), lengths)
    return rows, flat[0::2].astype(np.int32), flat[1::2].astype(np.float32)


def _document_bound(flat: tuple, gamma: np.ndarray, expelogbeta: np.ndarray, alpha: np.ndarray,
                    block: int = 16_384) -> tuple[float, float]:
    """Document part of gensim's variational bound, vectorised over the chunk's non-zeros.

    The word term ``sum n_dw log sum_k exp(Elogtheta_dk + Elogbeta_kw)`` is computed as gensim's
    E-step does (``log(expElogtheta_d . expElogbeta_w)``), without its per-document Python loop.
    Returns the bound and the number of tokens in the chunk.
    """
    gamma = gamma.astype(np.float64)
    alpha = np.asarray(alpha, dtype=np.float64)
    elogtheta = dirichlet_expectation(gamma)
    # float32 for the gathers over non-zeros (half the memory traffic), float64 for the sums; blocks of
    # 16k non-zeros keep the gathered K-vectors in cache (large blocks cost page faults on every call)
    exptheta = np.exp(elogtheta).astype(np.float32)
    expbeta_t = np.ascontiguousarray(expelogbeta.T, dtype=np.float32)  # V x K: gather whole rows
    rows, ids, counts = flat
    score = 0.0
    for start in range(0, len(ids), block):
        sl = slice(start, start + block)
        # np.take is several times faster than fancy indexing for these row gathers
        norm = np.einsum("ik,ik->i", np.take(exptheta, rows[sl], axis=0), np.take(expbeta_t, ids[sl], axis=0))
        # float32 log, float64 sum; multiply-and-sum rather than ``@``, which would hand a long dot product to
        # a multi-threaded BLAS whose spinning threads take CPU from gensim's own work
        score += float(np.sum(counts[sl].astype(np.float64) * np.log(norm).astype(np.float64)))
    score += np.sum((alpha - gamma) * elogtheta) + np.sum(gammaln(gamma) - gammaln(alpha))
    score += np.sum(gammaln(alpha.sum()) - gammaln(gamma.sum(axis=1)))
    return float(score), float(counts.sum(dtype=np.float64))


def _fit_gensim(bow, id2word, n_docs, opts):
    model = _TracedLdaModel(
        id2word=id2word, num_topics=opts["n_topics"], random_state=opts["random_state"], passes=opts["passes"],
        iterations=opts["iterations"], alpha=opts["alpha"], eta=opts["eta"], chunksize=opts["chunksize"],
        update_every=opts["update_every"], gamma_threshold=opts["gamma_threshold"], eval_every=None,
        dtype=np.float64,
    )
    bar = progress(range(opts["passes"]), desc="LDA (gensim) passes", unit="pass", disable=not opts["progress"] or None)
    model._start_trace(n_docs, bar, cache_nnz=None if isinstance(bow, list) else FLAT_CACHE_NNZ)
    model.update(bow)
    gammas = []
    chunk: list = []
    for doc in bow:  # final E-step with the trained topics: doc_topic for every passage
        chunk.append(doc)
        if len(chunk) == opts["chunksize"]:
            gammas.append(model.inference(chunk)[0])
            chunk = []
    if chunk:
        gammas.append(model.inference(chunk)[0])
    gamma = np.vstack(gammas).astype(np.float64)
    n_words = model._n_words
    per_word = np.asarray(model._trace) / max(n_words, 1)
    return model.get_topics().astype(np.float64), gamma, per_word, np.arange(1, len(per_word) + 1), \
        np.asarray(model.alpha, dtype=float), model, n_words


def _fit_tomotopy(bow, id2word, n_docs, opts):
    import tomotopy as tp

    k = opts["n_topics"]
    alpha = opts["alpha"]
    alpha0 = 0.1 if alpha == "auto" else (1.0 / k if alpha == "symmetric" else alpha)
    eta = opts["eta"]
    eta = 0.01 if eta is None else eta
    words = [id2word[i] for i in range(len(id2word))]
    present = np.zeros(n_docs, dtype=bool)
    n_words = 0

    def build(seed: int):
        nonlocal n_words
        chain_model = tp.LDAModel(k=k, alpha=alpha0, eta=float(eta), seed=seed)
        chain_model.optim_interval = 10 if alpha == "auto" else 0
        n_words = 0
        for d, doc in enumerate(bow):  # tokens are streamed into tomotopy, never all held twice
            if doc:
                tokens = [word for i, c in doc for word in repeat(words[i], int(c))]
                chain_model.add_doc(tokens)
                n_words += len(tokens)
                present[d] = True
        return chain_model

    restart_ll = []
    # short chains never run past an explicit passes= (passes=20 runs 20 sweeps, not 30)
    short = RESTART_SWEEPS if opts["passes"] is None else min(RESTART_SWEEPS, opts["passes"])
    if opts["restarts"] > 1:  # short chains from seeds random_state, random_state + 1, ...; keep the likeliest
        best = None
        for r in range(opts["restarts"]):
            candidate = build(opts["random_state"] + r)
            candidate.train(short, workers=opts["workers"])
            restart_ll.append(float(candidate.ll_per_word))
            if best is None or restart_ll[-1] > restart_ll[best[0]]:
                best = (r, candidate)
        model = best[1]
        del best, candidate
    else:
        model = build(opts["random_state"])
    opts["restart_ll"] = restart_ll
    adaptive = opts["passes"] is None  # default: sweep until converged, at most TOMOTOPY_MAX_PASSES
    passes = TOMOTOPY_MAX_PASSES if adaptive else opts["passes"]
    step = 10 if passes >= 100 else max(1, passes // 10)

    def sample() -> np.ndarray:
        out = np.zeros((k, len(id2word)))
        out[:, cols] = np.vstack([model.get_topic_word_dist(t) for t in range(k)])
        return out

    model.train(0, workers=opts["workers"])  # initial random assignment: pass 0 of the table
    cols = np.array([id2word.token2id[w] for w in model.used_vocabs], dtype=np.intp)
    done = short if restart_ll else 0  # sweeps already run by the chosen chain
    values, marks, samples = [model.ll_per_word], [done], []
    bar = progress(range(step, passes + step, step), desc="LDA (tomotopy) sweeps", unit="step",
                   disable=not opts["progress"] or None)
    for stop in bar:
        stop = min(stop, passes)
        if stop <= done:
            continue
        model.train(stop - done, workers=opts["workers"])
        done = stop
        values.append(model.ll_per_word)
        marks.append(done)
        samples = (samples + [sample()])[-TOMOTOPY_WINDOW:]
        if adaptive and done >= TOMOTOPY_MIN_PASSES and _windowed_change(values, TOMOTOPY_WINDOW)[-1] < opts["tol"]:
            break
    # topic-word estimate: mean of the samples over the last window (less Gibbs noise than one sample)
    topic_term = np.mean(samples or [sample()], axis=0)
    topic_term /= topic_term.sum(axis=1, keepdims=True)
    alpha_fit = np.asarray(model.alpha, dtype=float)
    counts = np.zeros((n_docs, k))
    counts[present] = np.vstack([np.bincount(np.asarray(doc.topics), minlength=k) for doc in model.docs]) \
        if present.any() else counts[present]
    return topic_term, alpha_fit + counts, np.asarray(values), np.asarray(marks), alpha_fit, model, n_words


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
        A :class:`~textlab.preprocessing.tokens.TokenizedCorpus`, a list of token lists, or a re-iterable
        gensim bag-of-words stream (list of ``(term_id, count)`` per document, with ``dictionary=``).
    n_topics
        Number of topics ``K`` (2 .. number of passages).
    engine
        ``"tomotopy"`` (collapsed Gibbs sampling), ``"gensim"`` (online variational Bayes) or
        ``"auto"`` = ``"tomotopy"``: on planted-topic corpora it recovers topics better in less wall
        time than gensim, tuned or not (see ``docs/lda_engine.md``). Use ``"gensim"`` for corpora
        streamed from disk that do not fit in memory. ``params["engine"]`` records the engine used.
    random_state
        Seed (gensim ``random_state``, tomotopy ``seed``); the same seed gives identical arrays.
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
        tomotopy only: run this many 30-sweep chains (seeds ``random_state``,
        ``random_state + 1``, ...) and continue the one with the highest log-likelihood (default 3;
        1 = a single chain). Guards against chains stuck with merged/split topics, which on a
        100,000-document planted corpus cost 0.06 in recovery (see ``docs/lda_engine.md``);
        costs ``30 * restarts`` sweeps before the main run and two models in memory at a time.
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
    if engine not in ENGINES:
        raise bad_value("engine", engine, " or ".join(repr(e) for e in ENGINES))
    used = "tomotopy" if engine == "auto" else engine
    if not isinstance(n_topics, (int, np.integer)) or isinstance(n_topics, bool) or n_topics < 2:
        raise bad_value("n_topics", n_topics, "an integer >= 2")
    if not isinstance(random_state, (int, np.integer)) or isinstance(random_state, bool):
        raise bad_value("random_state", random_state, "an integer seed")
    passes = DEFAULT_PASSES[used] if passes is None else passes
    iterations = DEFAULT_ITERATIONS[used] if iterations is None else iterations
    if not (passes is None and used == "tomotopy") and not (isinstance(passes, (int, np.integer)) and passes >= 1):
        raise bad_value("passes", passes, "an integer >= 1")
    if used == "gensim" and not (isinstance(iterations, (int, np.integer)) and iterations >= 1):
        raise bad_value("iterations", iterations, "an integer >= 1")
    if not (alpha in ("auto", "symmetric") or (isinstance(alpha, (int, float)) and alpha > 0)):
        raise bad_value("alpha", alpha, "'auto', 'symmetric' or a positive number")
    if not (eta is None or (eta == "auto" and used == "gensim") or (isinstance(eta, (int, float)) and eta > 0)):
        raise bad_value("eta", eta, "a positive number or None (and 'auto' with engine='gensim')")
    if not (isinstance(restarts, (int, np.integer)) and restarts >= 1):
        raise bad_value("restarts", restarts, "an integer >= 1")
    if not (isinstance(workers, (int, np.integer)) and workers >= 1):
        raise bad_value("workers", workers, "an integer >= 1")
    bow, id2word, ids, report = _prepare(corpus, dictionary, passage_ids, no_below, no_above, keep_n)
    n_docs = len(ids)
    if n_topics > n_docs:
        raise EstimationError(
            f"n_topics={n_topics} is more than the {n_docs} passages: choose n_topics between 2 and {n_docs}"
        )
    opts = dict(n_topics=int(n_topics), random_state=int(random_state), passes=passes, iterations=iterations,
                alpha=alpha, eta=eta, chunksize=int(chunksize), update_every=int(update_every),
                gamma_threshold=gamma_threshold, workers=int(workers), progress=progress, tol=tol,
                restarts=int(restarts))
    fitter = _fit_gensim if used == "gensim" else _fit_tomotopy
    topic_term, dirichlet, values, marks, alpha_fit, model, n_words = fitter(bow, id2word, n_docs, opts)
    convergence = _convergence_table(values, marks, tol, window=1 if used == "gensim" else TOMOTOPY_WINDOW)
    passes_run = int(convergence["pass"].iloc[-1])
    converged = bool(convergence["converged"].iloc[-1]) if len(convergence) else False
    if not converged:
        last = convergence["relative_change"].iloc[-1] if len(convergence) else float("nan")
        warnings.warn(
            f"LDA ({used}) did not converge in passes={passes_run}: last relative change of the per-word "
            f"bound {last:.2g} >= tol={tol}; increase passes", TextlabWarning, stacklevel=2)
    vocabulary = np.array([id2word[i] for i in range(len(id2word))], dtype=str)
    params = {
        "n_topics": int(n_topics), "random_state": int(random_state), "engine": used, "engine_requested": engine,
        "passes": passes_run, "passes_requested": passes, "iterations": iterations,
        "alpha": alpha, "alpha_fitted": alpha_fit.tolist(),
        "eta": eta, "chunksize": int(chunksize) if used == "gensim" else None,
        "update_every": int(update_every) if used == "gensim" else None,
        "gamma_threshold": gamma_threshold if used == "gensim" else None, "tol": tol, "workers": int(workers),
        "no_below": no_below, "no_above": no_above, "keep_n": keep_n,
        "n_terms_before_filter": report["n_terms_before"], "n_terms": report["n_terms_after"],
        "n_terms_removed_no_below": report["n_removed_no_below"],
        "n_terms_removed_no_above": report["n_removed_no_above"],
        "restarts": int(restarts) if used == "tomotopy" else None,
        "restart_log_likelihood": opts.get("restart_ll") or None,
        "n_passages": n_docs, "n_tokens": int(n_words), "converged": converged,
        "convergence_measure": "per-word variational bound" if used == "gensim" else "per-word log-likelihood",
    }
    doc_topic = dirichlet / dirichlet.sum(axis=1, keepdims=True)
    return LdaFit(topic_term=topic_term, doc_topic=doc_topic, doc_topic_dirichlet=dirichlet,
                  vocabulary=vocabulary, passage_ids=ids, convergence=convergence, params=params,
                  model=model if keep_model else None)
