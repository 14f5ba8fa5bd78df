"""A full-data LDA fit whose variational E-step runs on Dask workers and whose M-step runs here.

The fallback of issue 17 for a user who wants every passage in the fit rather than a sample
(:mod:`textlab.analysis.topics.sampled`).  It is gensim's variational Bayes (Hoffman, Blei & Bach
2010, the algorithm of ``gensim.models.LdaModel``) with gensim's distributed layout, carried
over to Dask:

1. the counts are cut into chunks of ``chunk_size`` rows (vocabulary filtered as ``fit_lda``
   does), sent to the workers once and kept there;
2. for every group of ``update_every`` chunks (``0``: all chunks, one M-step per pass) each
   worker runs gensim's own E-step (``LdaModel.inference(..., collect_sstats=True)``) on its
   chunks against the current ``expElogbeta`` and returns the chunk's sufficient statistics;
3. the statistics are summed by a tree reduction in chunk order (:func:`textlab.compute.dask.tree_reduce`),
   and the driver runs gensim's M-step: ``LdaState.blend`` with gensim's learning rate
   ``rho = (offset + pass + n_updates / chunk_size) ** -decay``, then ``expElogbeta`` from the
   new ``lambda``; ``alpha="auto"`` takes one Newton step (gensim's ``update_dir_prior``) per
   M-step from the summed ``E[log theta]`` of the group (gensim's serial model updates it after
   every chunk, its Pyro-distributed model refuses ``alpha="auto"``).

Every random start is seeded by ``(random_state, pass, chunk)`` (gensim's serial model draws the
starts from one stream, which would tie them to the order the chunks are processed), and a group
is a number of *chunks*, not chunks times workers (gensim's distributed rule), so the result
does not depend on the number of workers: without a cluster the same chunks are processed and
summed in the same order in this process, and the fit is identical, bit for bit.

Examples
--------
>>> docs = [["cloud", "server", "data"], ["trade", "tariff", "export"]] * 20
>>> fit = fit_distributed_lda(docs, n_topics=2, passes=10, chunk_size=10, no_below=1, no_above=1.0,
...                           progress=False)
>>> fit.doc_topic.shape, fit.params["fit"]
((40, 2), 'distributed')
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from textlab._errors import EstimationError, bad_value
from textlab.compute.dask import local_tree_reduce, tree_reduce

__all__ = ["fit_distributed_lda", "fit_distributed_seeds", "DEFAULT_PASSES", "UPDATE_EVERY", "FAN_IN", "STUDY_OPTIONS"]

#: Passes over the corpus by default.
DEFAULT_PASSES = 20
#: Chunks per M-step by default (gensim's distributed default is 1 chunk per worker per M-step).
UPDATE_EVERY = 4
#: Partial sums combined per reduction task (the same grouping in process and on a cluster).
FAN_IN = 8


# -- the corpus as chunks -------------------------------------------------------------------------
def _as_counts(data: Any) -> Any:
    """A :class:`~textlab.data.TextData` of ``data`` (counts computed from tokens when needed)."""
    from textlab.data import TextData, as_text_data
    from textlab.preprocessing.counts import count_terms

    if isinstance(data, TextData) or getattr(data, "counts", None) is not None:
        return as_text_data(data, name="data")
    if hasattr(data, "tokens") and hasattr(data, "passages"):
        return count_terms(data)
    if isinstance(data, (str, bytes)) or not isinstance(data, Sequence):
        raise bad_value("data", type(data).__name__, "a TextData, a TokenizedCorpus or a list of token lists")
    from textlab.preprocessing.tokens import TokenizedCorpus

    rows = pd.DataFrame({"passage_id": [str(i) for i in range(len(data))]})
    return count_terms(TokenizedCorpus(rows, [list(doc) for doc in data]))


def _kept_columns(text_data: Any, no_below: int, no_above: float, keep_n: int | None) -> tuple[np.ndarray, dict]:
    """Columns kept by gensim's ``filter_extremes`` rule (document frequencies read block by block)."""
    from textlab.analysis.topics._engine import _filter_ids

    n_rows, n_terms = text_data.shape
    dfs = np.zeros(n_terms, dtype=np.int64)
    for _, block in text_data.store.iter_blocks(None):
        block = sp.csr_matrix(block)
        block.sum_duplicates()
        dfs += np.bincount(block.indices[block.data > 0], minlength=n_terms)
    keep = _filter_ids(dfs, n_rows, no_below, no_above, keep_n)
    report = {"n_terms_before": int(np.sum(dfs > 0)), "n_terms_after": int(keep.sum()),
              "n_removed_no_below": int(np.sum((dfs > 0) & (dfs < no_below))),
              "n_removed_no_above": int(np.sum(dfs > no_above * n_rows))}
    return np.flatnonzero(keep), report


def _chunks(text_data: Any, columns: np.ndarray, chunk_size: int):
    """Consecutive ``chunk_size``-row CSR chunks over the kept columns, whatever the store's block sizes."""
    pending: list[sp.csr_matrix] = []
    held = 0
    for _, block in text_data.store.iter_blocks(chunk_size):
        block = sp.csr_matrix(block)[:, columns]
        block.sum_duplicates()
        pending.append(block)
        held += block.shape[0]
        while held >= chunk_size:
            whole = sp.vstack(pending, format="csr") if len(pending) > 1 else pending[0]
            yield whole[:chunk_size]
            rest = whole[chunk_size:]
            pending, held = ([rest] if rest.shape[0] else []), rest.shape[0]
    if held:
        yield sp.vstack(pending, format="csr") if len(pending) > 1 else pending[0]


# -- what runs on a worker ------------------------------------------------------------------------
def _chunk_seed(random_state: int, pass_: int, chunk: int) -> np.random.RandomState:
    """The random start of one chunk's E-step: independent of which worker runs it and when."""
    return np.random.RandomState(np.random.SeedSequence([random_state, pass_, chunk]).generate_state(4))


def _estep(chunk: sp.csr_matrix, expelogbeta: np.ndarray, alpha: np.ndarray, key: tuple[int, int, int],
           iterations: int, gamma_threshold: float, final: bool = False) -> dict:
    """gensim's E-step on one chunk: sufficient statistics, ``sum E[log theta]``, bound terms (or ``gamma``)."""
    from gensim.matutils import dirichlet_expectation
    from gensim.models import LdaModel

    docs = [list(zip(chunk.indices[a:b].tolist(), chunk.data[a:b].tolist()))
            for a, b in zip(chunk.indptr[:-1], chunk.indptr[1:])]
    model = SimpleNamespace(random_state=_chunk_seed(*key), num_topics=expelogbeta.shape[0], dtype=np.float64,
                            expElogbeta=expelogbeta, iterations=iterations, alpha=alpha,
                            gamma_threshold=gamma_threshold)
    # gensim's own per-document iteration (Lee & Seung form of the phi update), on a stand-in model
    gamma, sstats = LdaModel.inference(model, docs, collect_sstats=not final)
    if final:
        return {"gamma": gamma}
    bound, n_tokens = _chunk_bound(chunk, gamma, expelogbeta, alpha)
    return {"sstats": sstats, "elogtheta": dirichlet_expectation(gamma).sum(axis=0), "bound": bound,
            "n_tokens": n_tokens, "n_docs": int(chunk.shape[0])}


def _chunk_bound(chunk: sp.csr_matrix, gamma: np.ndarray, expelogbeta: np.ndarray, alpha: np.ndarray,
                 block: int = 16_384) -> tuple[float, float]:
    """Document part of gensim's variational bound of one chunk (``LdaModel.bound``), in float64 throughout."""
    from gensim.matutils import dirichlet_expectation
    from scipy.special import gammaln

    elogtheta = dirichlet_expectation(gamma)
    exptheta, beta_t = np.exp(elogtheta), np.ascontiguousarray(expelogbeta.T)
    rows = np.repeat(np.arange(chunk.shape[0]), np.diff(chunk.indptr))
    score = 0.0
    for start in range(0, chunk.nnz, block):
        sl = slice(start, start + block)
        norm = np.einsum("ik,ik->i", exptheta[rows[sl]], beta_t[chunk.indices[sl]])
        score += float(np.sum(chunk.data[sl] * np.log(norm + np.finfo(np.float64).tiny)))
    score += float(np.sum((alpha - gamma) * elogtheta) + np.sum(gammaln(gamma) - gammaln(alpha))
                   + np.sum(gammaln(alpha.sum()) - gammaln(gamma.sum(axis=1))))
    return score, float(chunk.data.sum())


def _combine(a: dict, b: dict) -> dict:
    """Sum two E-step results (new arrays: inputs are never changed)."""
    return {key: a[key] + b[key] for key in a}


class _Runner:
    """Runs E-steps over the chunks: on a Dask client (chunks kept on the workers) or in this process."""

    def __init__(self, client: Any, chunks: Iterable[sp.csr_matrix]) -> None:
        self.client = client
        if client is None:
            self.chunks = list(chunks)
        else:  # one chunk at a time, round-robin over the workers, kept there for every pass
            self.chunks = [client.scatter([chunk], hash=False)[0] for chunk in chunks]
        self.n_chunks = len(self.chunks)

    def estep_sum(self, indices: Sequence[int], expelogbeta: np.ndarray, alpha: np.ndarray, pass_: int,
                  random_state: int, iterations: int, gamma_threshold: float) -> dict:
        args = (iterations, gamma_threshold)
        if self.client is None:
            parts = [_estep(self.chunks[i], expelogbeta, alpha, (random_state, pass_, i), *args) for i in indices]
            return local_tree_reduce(parts, _combine, fan_in=FAN_IN)

        [beta] = self.client.scatter([expelogbeta], broadcast=True, hash=False)
        futures = [self.client.submit(_estep, self.chunks[i], beta, alpha, (random_state, pass_, i), *args,
                                      pure=False) for i in indices]
        try:
            return tree_reduce(self.client, futures, _combine, fan_in=FAN_IN)
        finally:
            beta.release()

    def gammas(self, expelogbeta: np.ndarray, alpha: np.ndarray, pass_: int, random_state: int,
               iterations: int, gamma_threshold: float) -> np.ndarray:
        args = (iterations, gamma_threshold, True)
        if self.client is None:
            parts = [_estep(c, expelogbeta, alpha, (random_state, pass_, i), *args)["gamma"]
                     for i, c in enumerate(self.chunks)]
        else:
            [beta] = self.client.scatter([expelogbeta], broadcast=True, hash=False)
            futures = [self.client.submit(_estep, c, beta, alpha, (random_state, pass_, i), *args, pure=False)
                       for i, c in enumerate(self.chunks)]
            parts = [f["gamma"] for f in self.client.gather(futures)]
            beta.release()
        return np.vstack(parts) if parts else np.zeros((0, len(alpha)))

    def close(self) -> None:
        if self.client is not None:
            for future in self.chunks:
                future.release()


# -- the driver: gensim's M-step --------------------------------------------------------------------
def _topic_bound(lam: np.ndarray, eta: float) -> float:
    """The topic part of gensim's variational bound (as ``fit_lda``'s gensim trace computes it)."""
    from gensim.matutils import dirichlet_expectation
    from scipy.special import gammaln

    elogbeta = dirichlet_expectation(lam)
    v = lam.shape[1]
    prior = lam.shape[0] * (gammaln(eta * v) - v * gammaln(eta))
    return float(np.sum((eta - lam) * elogbeta) + np.sum(gammaln(lam)) - np.sum(gammaln(lam.sum(axis=1))) + prior)


def _train(runner: _Runner, n_docs: int, n_terms: int, opts: dict) -> dict:
    """gensim's ``LdaModel.update`` loop with the E-steps on the runner; returns the raw pieces of an LdaFit."""
    from gensim.matutils import dirichlet_expectation
    from gensim.models.ldamodel import update_dir_prior

    from textlab._progress import progress

    k, seed, eta = opts["n_topics"], opts["random_state"], float(opts["eta"])
    alpha = np.full(k, float(opts["alpha"]) if isinstance(opts["alpha"], (int, float)) else 1.0 / k)
    sstats = np.random.RandomState(seed).gamma(100.0, 1.0 / 100.0, (k, n_terms))  # gensim's start
    expelogbeta = np.exp(dirichlet_expectation(sstats))
    numdocs, num_updates = n_docs, 0  # LdaModel.update adds the corpus size to the state first
    group = opts["update_every"] or runner.n_chunks
    groups = [list(range(i, min(i + group, runner.n_chunks))) for i in range(0, runner.n_chunks, group)]
    trace, n_words = [], 0.0
    bar = progress(range(opts["passes"]), desc="LDA (distributed VB) passes", unit="pass",
                   disable=not opts["progress"] or None)
    for pass_ in bar:
        doc_bound = 0.0
        for indices in groups:
            other = runner.estep_sum(indices, expelogbeta, alpha, pass_, seed, opts["iterations"],
                                     opts["gamma_threshold"])
            rho = (opts["offset"] + pass_ + num_updates / min(n_docs, opts["chunksize"])) ** -opts["decay"]
            doc_bound += other["bound"]
            if pass_ == 0:
                n_words += other["n_tokens"]
            if opts["alpha"] == "auto":  # one Newton step per M-step (gensim: per chunk, serial only)
                alpha = update_dir_prior(alpha, float(other["n_docs"]), other["elogtheta"] / other["n_docs"], rho)
            # LdaState.blend(rho, other, targetsize=numdocs): both stretched to the corpus size
            scale_other = 1.0 if other["n_docs"] in (0, numdocs) else numdocs / other["n_docs"]
            sstats = sstats * (1.0 - rho) + rho * scale_other * other["sstats"]
            expelogbeta = np.exp(dirichlet_expectation(eta + sstats))
            if pass_ == 0:
                num_updates += other["n_docs"]
        trace.append(doc_bound + _topic_bound(eta + sstats, eta))
    gamma = runner.gammas(expelogbeta, alpha, opts["passes"], seed, opts["iterations"], opts["gamma_threshold"])
    lam = eta + sstats
    return {"topic_term": lam / lam.sum(axis=1, keepdims=True), "dirichlet": gamma.astype(np.float64),
            "values": np.asarray(trace) / max(n_words, 1.0), "marks": np.arange(1, len(trace) + 1),
            "alpha_fit": np.asarray(alpha, dtype=float), "model": None, "n_words": n_words, "restart_ll": [],
            "chain_seeds": None, "perplexity": float("nan"), "n_held_out_tokens": 0}


def _check(n_topics: int, passes: int, chunk_size: int, update_every: int, alpha: Any, eta: Any,
           decay: float, offset: float) -> None:
    for name, value, low in (("passes", passes, 1), ("chunk_size", chunk_size, 1), ("update_every", update_every, 0)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
            raise bad_value(name, value, f"an integer >= {low}")
    if not (alpha in ("auto", "symmetric") or (isinstance(alpha, (int, float)) and not isinstance(alpha, bool)
                                               and alpha > 0)):
        raise bad_value("alpha", alpha, "'auto', 'symmetric' or a positive number")
    if isinstance(eta, bool) or not isinstance(eta, (int, float)) or eta <= 0:
        raise bad_value("eta", eta, "a positive number (the topic-word prior)")
    if not 0.5 <= decay <= 1:
        raise bad_value("decay", decay, "a number in [0.5, 1] (gensim's kappa)")
    if offset < 1:
        raise bad_value("offset", offset, "a number >= 1 (gensim's tau_0)")


def fit_distributed_lda(
    data: Any,
    *,
    n_topics: int,
    passes: int = DEFAULT_PASSES,
    chunk_size: int = 2000,
    update_every: int = UPDATE_EVERY,
    random_state: int = 0,
    iterations: int = 100,
    gamma_threshold: float = 0.001,
    alpha: str | float = "auto",
    eta: float = 0.01,
    decay: float = 0.5,
    offset: float = 1.0,
    tol: float = 1e-3,
    no_below: int = 2,
    no_above: float = 0.5,
    keep_n: int | None = 100_000,
    client: Any = None,
    progress: bool = True,
) -> Any:
    """Fit LDA to every row by gensim's variational Bayes, the E-step on Dask workers, the M-step here.

    Parameters
    ----------
    data
        A :class:`~textlab.data.TextData` (memory or disk store, tokens not needed), a
        ``TokenizedCorpus`` or a list of token lists (counted first).
    n_topics
        ``K`` (2 .. number of rows).
    passes
        Passes over the corpus (default 20).
    chunk_size
        Rows per chunk: the unit of work of one E-step task (gensim's ``chunksize``).
    update_every
        Chunks per M-step (default 4); their E-steps run in parallel, so set it to at least the
        number of workers to keep them all busy; ``0`` = all chunks, i.e. batch VB, one M-step
        per pass. A number of chunks, not chunks per worker as in gensim's Pyro version, so the
        fit does not depend on the cluster. Several M-steps per pass converge in fewer passes:
        on 5,000 planted documents in 10 chunks, 10 passes recovered 0.98 (1 - JSD) with 4
        chunks per M-step and 0.83 in batch mode (0.95 after 20 passes).
    random_state
        Seed of the initial topics and of every chunk's E-step start ``(random_state, pass, chunk)``.
    iterations, gamma_threshold
        gensim's per-document E-step limit and convergence threshold.
    alpha
        ``"auto"`` (learned asymmetric prior, one Newton step per M-step), ``"symmetric"``
        (``1/K``) or a positive number.
    eta
        Topic-word prior (a positive number).
    decay, offset
        gensim's learning rate ``rho = (offset + pass + n_updates / chunk_size) ** -decay``.
    tol
        The last pass is ``converged`` when the per-word bound changes by less than ``tol``.
    no_below, no_above, keep_n
        Vocabulary filter, as in :func:`~textlab.analysis.topics.lda.fit_lda`.
    client
        A ``distributed.Client``; ``None`` = the active one of :func:`textlab.compute.use_compute`,
        or, without one, this process. The fit is identical either way.
    progress
        Show a bar over passes.

    Returns
    -------
    LdaFit
        As :func:`~textlab.analysis.topics.lda.fit_lda` returns (``params["engine"] = "gensim"``),
        with ``params["fit"] = "distributed"``, ``n_chunks``, ``update_every``, ``decay``,
        ``offset`` and ``n_workers`` (0: in process).

    Examples
    --------
    >>> docs = [["cloud", "server", "data"], ["trade", "tariff", "export"]] * 20
    >>> fit = fit_distributed_lda(docs, n_topics=2, passes=10, chunk_size=10, no_below=1, no_above=1.0,
    ...                           progress=False)
    >>> sorted(sorted(t) for t in fit.topic_tokens(3))
    [['cloud', 'data', 'server'], ['export', 'tariff', 'trade']]
    """
    from textlab.analysis.topics.lda import _fit_prepared, _options, _Prepared
    from textlab.compute import active_client

    _check(n_topics, passes, chunk_size, update_every, alpha, eta, decay, offset)
    opts = _options(n_topics=n_topics, engine="gensim", random_state=random_state, passes=int(passes),
                    iterations=iterations, alpha=alpha, eta=eta, chunksize=int(chunk_size),
                    update_every=int(update_every), gamma_threshold=gamma_threshold, tol=tol, no_below=no_below,
                    no_above=no_above, keep_n=keep_n, workers=1, restarts=1, progress=progress)
    opts.update(decay=float(decay), offset=float(offset))
    text_data = _as_counts(data)
    n_docs = text_data.shape[0]
    if n_docs < 2:
        raise EstimationError("data has fewer than 2 rows: fit_distributed_lda needs at least 2 passages")
    columns, report = _kept_columns(text_data, no_below, no_above, keep_n)
    if not len(columns):
        raise EstimationError(f"no terms are left after dictionary filtering (no_below={no_below}, "
                              f"no_above={no_above}); try no_below=1 or no_above=1.0")
    rows = text_data.rows
    id_column = next((c for c in ("passage_id", "doc_id") if c in rows.columns), None)
    ids = rows[id_column].astype(str).to_numpy() if id_column else np.arange(n_docs).astype(str)
    vocabulary = text_data.vocabulary[columns].tolist()
    prepared = _Prepared("gensim", ids, report, id2word=vocabulary)
    if opts["n_topics"] > n_docs:
        raise EstimationError(f"n_topics={opts['n_topics']} is more than the {n_docs} passages: "
                              f"choose n_topics between 2 and {n_docs}")
    client = client if client is not None else active_client()
    runner = _Runner(client, _chunks(text_data, columns, int(chunk_size)))
    try:
        raw = _train(runner, n_docs, len(columns), opts)
    finally:
        runner.close()
    fit = _fit_prepared(prepared, opts, raw=raw, stacklevel=3)
    n_workers = 0 if client is None else len(client.scheduler_info().get("workers", {}))
    params = {**fit.params, "fit": "distributed", "update_every": int(update_every), "n_chunks": runner.n_chunks,
              "decay": float(decay), "offset": float(offset), "n_workers": n_workers,
              "convergence_measure": "per-word variational bound (E-step gamma before each M-step)"}
    return replace(fit, params=params)


#: ``[lda]`` options (``fit_lda`` keywords) a study passes on to :func:`fit_distributed_lda`, renamed where needed.
STUDY_OPTIONS = {"passes": "passes", "chunksize": "chunk_size", "update_every": "update_every",
                 "iterations": "iterations", "gamma_threshold": "gamma_threshold", "alpha": "alpha", "eta": "eta",
                 "tol": "tol", "no_below": "no_below", "no_above": "no_above", "keep_n": "keep_n"}


def fit_distributed_seeds(data: Any, *, n_topics: int, random_states: Sequence[int],
                          lda_kwargs: dict | None = None, progress: bool = True) -> list:
    """One :func:`fit_distributed_lda` per seed, in order (a study's ``[lda] fit = "distributed"``).

    ``lda_kwargs`` are the study's ``[lda]`` options for ``fit_lda``; those that apply here
    (:data:`STUDY_OPTIONS`) are passed on, the others (``engine``, ``restarts`` ...) do not apply.

    Examples
    --------
    >>> docs = [["cloud", "server", "data"], ["trade", "tariff", "export"]] * 20
    >>> fits = fit_distributed_seeds(docs, n_topics=2, random_states=[0, 1], progress=False,
    ...                              lda_kwargs={"no_below": 1, "no_above": 1.0, "passes": 5, "engine": "tomotopy"})
    >>> [f.params["random_state"] for f in fits], fits[0].params["fit"]
    ([0, 1], 'distributed')
    """
    given = {STUDY_OPTIONS[k]: v for k, v in (lda_kwargs or {}).items() if k in STUDY_OPTIONS and v is not None}
    return [fit_distributed_lda(data, n_topics=n_topics, random_state=int(seed), progress=progress, **given)
            for seed in random_states]
