"""The tomotopy engine behind ``fit_lda``: word-id corpora built once, independent seeds, parallel fits.

A corpus is turned into :class:`WordIds` once (a flat ``int32`` array of term ids, sorted within
each passage, plus passage offsets and the kept vocabulary in sorted order), whatever it came
from: token lists, a bag of words, or the counts of a :class:`~textlab.data.TextData`.  The same
counts therefore give the same fit whichever input holds them.  Every fit reads that one object;
:func:`run_fits` runs many fits over it in worker processes (loky: fork + exec, no threads inherited),
each single-threaded and seeded, so the results equal a serial run.

This module imports only NumPy and tomotopy (no gensim, no pandas), so a worker starts quickly.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import chain
from typing import Any

import numpy as np

__all__ = ["WordIds", "chain_seeds", "fit_tomotopy", "resolve_n_jobs", "run_fits"]

TOMOTOPY_MAX_PASSES = 1000  # default Gibbs sweeps: stop when converged, at most this many
TOMOTOPY_MIN_PASSES = 100
RESTART_SWEEPS = 30  # sweeps of each short chain when restarts > 1
TOMOTOPY_WINDOW = 5  # recorded steps (10 sweeps each) compared for convergence and averaged for topic_term


@dataclass(frozen=True)
class WordIds:
    """A corpus as term ids: what every tomotopy fit of a selection reads (built once, picklable).

    Attributes
    ----------
    vocabulary
        Kept terms, sorted; term id ``i`` is ``vocabulary[i]``.
    ids
        ``int32`` term ids of all tokens, passage after passage, sorted within each passage.
    offsets
        ``n_passages + 1`` positions: passage ``d`` is ``ids[offsets[d]:offsets[d + 1]]``.
    report
        Filter report: terms before/after and removed by ``no_below`` / ``no_above``.
    """

    vocabulary: tuple[str, ...]
    ids: np.ndarray
    offsets: np.ndarray
    report: dict

    @property
    def n_docs(self) -> int:
        """Number of passages (rows), empty ones included."""
        return len(self.offsets) - 1


def _filter_ids(dfs: np.ndarray, n_docs: int, no_below: int, no_above: float, keep_n: int | None) -> np.ndarray:
    """Mask of terms kept by gensim's ``filter_extremes`` rule (ties at ``keep_n`` broken by term order)."""
    keep = (dfs >= no_below) & (dfs <= no_above * n_docs)
    if keep_n is not None and keep.sum() > keep_n:
        candidates = np.flatnonzero(keep)
        top = candidates[np.argsort(-dfs[candidates], kind="stable")[:keep_n]]
        keep = np.zeros_like(keep)
        keep[top] = True
    return keep


_CHUNK_ROWS = 2_000  # passages encoded at a time: transient arrays stay chunk-sized (~15 MB at 150 tokens)


def _build(terms: np.ndarray, dfs: np.ndarray, chunks: list[tuple[np.ndarray, np.ndarray]],
           no_below: int, no_above: float, keep_n: int | None) -> WordIds:
    """Sort and filter the vocabulary, then re-number each chunk's ``codes`` and sort every passage by term.

    ``chunks`` holds, per block of passages, the term index of every token (``int32``) and the
    passages' lengths; each chunk is replaced by its result as it is done, so memory stays near
    4 bytes per token plus one chunk's working arrays.
    """
    lengths_all = np.concatenate([lengths for _, lengths in chunks]) if chunks else np.zeros(0, np.int64)
    n_docs = len(lengths_all)
    order = np.argsort(terms, kind="stable")
    terms, dfs = terms[order], dfs[order]
    keep = _filter_ids(dfs, n_docs, no_below, no_above, keep_n)
    new = np.full(len(terms), -1, dtype=np.int64)
    new[keep] = np.arange(int(keep.sum()))
    to_new = np.empty(len(order), dtype=np.int64)
    to_new[order] = new  # old term index -> new id (-1: filtered out)
    kept_per_doc, parts = [], []
    while chunks:
        codes, lengths = chunks.pop(0)
        mapped = to_new[codes]
        rows = np.repeat(np.arange(len(lengths), dtype=np.int32), lengths)
        kept = mapped >= 0
        rows, mapped = rows[kept], mapped[kept]
        sort = np.lexsort((mapped, rows))  # passage, then term id
        parts.append(mapped[sort].astype(np.int32))
        kept_per_doc.append(np.bincount(rows, minlength=len(lengths)))
        del codes, mapped, rows, sort
    ids = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int32)
    offsets = np.zeros(n_docs + 1, dtype=np.int64)
    if kept_per_doc:
        np.cumsum(np.concatenate(kept_per_doc), out=offsets[1:])
    report = {"n_terms_before": int(len(terms)), "n_terms_after": int(keep.sum()),
              "n_removed_no_below": int(np.sum(dfs < no_below)),
              "n_removed_no_above": int(np.sum(dfs > no_above * n_docs))}
    return WordIds(vocabulary=tuple(str(t) for t in terms[keep]), ids=ids, offsets=offsets, report=report)


def word_ids_from_tokens(tokens: Sequence[Sequence[str]], *, no_below: int, no_above: float,
                         keep_n: int | None) -> WordIds:
    """Term ids of token lists, hash-coded (``pandas.factorize``) a block of passages at a time."""
    import pandas as pd  # parent process only

    index: dict[str, int] = {}
    dfs = np.zeros(1024, dtype=np.int64)
    chunks, block = [], []
    for doc in chain(tokens, [None]):
        if doc is not None:
            block.append(doc)
        if block and (doc is None or len(block) == _CHUNK_ROWS):
            lengths = np.fromiter((len(d) for d in block), dtype=np.int64, count=len(block))
            flat = np.fromiter(chain.from_iterable(block), dtype=object, count=int(lengths.sum()))
            local, uniques = pd.factorize(flat, sort=False)
            glob = np.fromiter((index.setdefault(u, len(index)) for u in uniques), dtype=np.int64,
                               count=len(uniques))
            if len(index) > len(dfs):
                dfs = np.concatenate([dfs, np.zeros(max(len(index), 2 * len(dfs)) - len(dfs), dtype=np.int64)])
            rows = np.repeat(np.arange(len(block), dtype=np.int64), lengths)
            pairs = np.unique(rows * max(len(uniques), 1) + local)
            dfs[glob] += np.bincount(pairs % max(len(uniques), 1), minlength=len(uniques))
            chunks.append((glob[local].astype(np.int32), lengths))
            block = []
            del flat, local, rows, pairs
    terms = np.array(list(index), dtype=object).astype(str) if index else np.zeros(0, dtype=str)
    return _build(terms, dfs[:len(index)], chunks, no_below, no_above, keep_n)


def word_ids_from_counts(blocks: Iterable[tuple[int, Any]], vocabulary: Sequence[str], n_docs: int, *,
                         no_below: int, no_above: float, keep_n: int | None) -> WordIds:
    """Term ids of a counts store (``iter_blocks`` of ``(first_row, csr)``): each term repeated by its count."""
    chunks, seen = [], 0
    dfs = np.zeros(len(vocabulary), dtype=np.int64)
    for first, block in blocks:
        block = block.tocsr()
        block.eliminate_zeros()
        if first != seen:
            raise ValueError(f"count blocks out of order: block at row {first}, expected {seen}")
        counts = np.asarray(block.data, dtype=np.int64)
        chunks.append((np.repeat(block.indices.astype(np.int32), counts),
                       np.asarray(block.sum(axis=1), dtype=np.int64).ravel()))
        dfs += np.bincount(block.indices, minlength=len(vocabulary))
        seen += block.shape[0]
    terms = np.asarray(vocabulary, dtype=object).astype(str)
    return _build(terms, dfs, chunks, no_below, no_above, keep_n)


def chain_seeds(random_state: int, n_chains: int) -> list[int]:
    """Tomotopy seeds of the chains of one ``random_state``: ``SeedSequence(random_state).spawn(n_chains)``.

    Streams spawned from different ``random_state`` values never coincide (unlike ``s, s + 1, ...``,
    where seed 0's second chain was seed 1's first).

    Examples
    --------
    >>> a, b = chain_seeds(0, 3), chain_seeds(1, 3)
    >>> len(set(a) | set(b))
    6
    """
    children = np.random.SeedSequence(int(random_state)).spawn(int(n_chains))
    return [int(child.generate_state(1, dtype=np.uint32)[0]) for child in children]


def _held_out_mask(words: WordIds, fraction: float, random_state: int) -> np.ndarray:
    """Tokens held out for perplexity: each token independently with probability ``fraction`` (seeded)."""
    if not fraction:
        return np.zeros(len(words.ids), dtype=bool)
    return np.random.default_rng(random_state).random(len(words.ids)) < fraction


def _chain(words: WordIds, ids: np.ndarray, offsets: np.ndarray, opts: dict, seed: int):
    import tomotopy as tp

    k, alpha = opts["n_topics"], opts["alpha"]
    alpha0 = 0.1 if alpha == "auto" else (1.0 / k if alpha == "symmetric" else float(alpha))
    eta = 0.01 if opts["eta"] is None else float(opts["eta"])
    model = tp.LDAModel(k=k, alpha=alpha0, eta=eta, seed=seed)
    model.optim_interval = 10 if alpha == "auto" else 0
    for word, prior in (opts.get("word_prior") or {}).items():  # guided topics only (textlab.analysis.topics.guided)
        model.set_word_prior(word, prior)
    vocab = np.asarray(words.vocabulary, dtype=object)  # the same str objects for every token: no copies
    present = np.diff(offsets) > 0
    for d in np.flatnonzero(present):
        model.add_doc(vocab[ids[offsets[d]:offsets[d + 1]]].tolist())
    return model, present


def _perplexity(words: WordIds, mask: np.ndarray, topic_term: np.ndarray, dirichlet: np.ndarray) -> tuple[float, int]:
    """exp(-mean log p) of the held-out tokens, theta from the passage's training tokens (posterior mean)."""
    rows = np.repeat(np.arange(words.n_docs), np.diff(words.offsets))[mask]
    cols = words.ids[mask]
    seen = topic_term.sum(axis=0)[cols] > 0  # terms the training tokens never contained are skipped
    rows, cols = rows[seen], cols[seen]
    if not len(cols):
        return float("nan"), 0
    theta = dirichlet / dirichlet.sum(axis=1, keepdims=True)
    log_lik = 0.0
    for start in range(0, len(cols), 200_000):  # blocks keep memory at 200k x K
        r, c = rows[start:start + 200_000], cols[start:start + 200_000]
        prob = np.einsum("nk,kn->n", theta[r], topic_term[:, c])
        log_lik += float(np.log(np.maximum(prob, 1e-300)).sum())
    return float(np.exp(-log_lik / len(cols))), int(len(cols))


def _windowed_change(values: Sequence[float], window: int) -> np.ndarray:
    """Relative change of the mean of the last ``window`` values against the ``window`` before."""
    values = np.asarray(values, dtype=float)
    change = np.full(len(values), np.nan)
    for i in range(2 * window - 1, len(values)):
        now = values[i - window + 1 : i + 1].mean()
        before = values[i - 2 * window + 1 : i - window + 1].mean()
        change[i] = abs(now - before) / max(abs(before), 1e-300)
    return change


def fit_tomotopy(words: WordIds, opts: dict, *, keep_model: bool = False) -> dict:
    """One tomotopy fit (single-threaded, seeded) of ``words``; plain arrays out (picklable).

    ``opts``: ``n_topics, random_state, passes (None = adaptive), alpha, eta, tol, restarts,
    progress`` and optionally ``held_out_fraction`` / ``split_random_state`` (held-out tokens are
    left out of training and scored for perplexity in the same fit).
    """
    from textlab._progress import progress

    k = opts["n_topics"]
    mask = _held_out_mask(words, opts.get("held_out_fraction") or 0.0, opts.get("split_random_state", 0))
    ids, offsets = words.ids, words.offsets
    if mask.any():
        ids = words.ids[~mask]
        rows = np.repeat(np.arange(words.n_docs), np.diff(words.offsets))
        per_doc = np.bincount(rows[~mask], minlength=words.n_docs)
        offsets = np.zeros_like(words.offsets)
        np.cumsum(per_doc, out=offsets[1:])
    seeds = chain_seeds(opts["random_state"], opts["restarts"])
    short = RESTART_SWEEPS if opts["passes"] is None else min(RESTART_SWEEPS, opts["passes"])
    restart_ll, model = [], None
    if opts["restarts"] > 1:  # short chains from independent seeds; keep the likeliest (two alive at most)
        best_ll = -np.inf
        for seed in seeds:
            candidate, present = _chain(words, ids, offsets, opts, seed)
            candidate.train(short, workers=1)
            restart_ll.append(float(candidate.ll_per_word))
            if restart_ll[-1] > best_ll:
                model = None  # free the previous best before keeping this one
                model, kept_present, best_ll = candidate, present, restart_ll[-1]
            del candidate
        present = kept_present
    else:
        model, present = _chain(words, ids, offsets, opts, seeds[0])
    adaptive = opts["passes"] is None
    passes = TOMOTOPY_MAX_PASSES if adaptive else opts["passes"]
    step = 10 if passes >= 100 else max(1, passes // 10)
    model.train(0, workers=1)  # initial random assignment: pass 0 of the table
    cols = _columns(words.vocabulary, model.used_vocabs)

    def sample() -> np.ndarray:  # float32: tomotopy's own precision, half the memory of the window
        out = np.zeros((k, len(words.vocabulary)), dtype=np.float32)
        out[:, cols] = np.vstack([model.get_topic_word_dist(t) for t in range(k)])
        return out

    done = short if restart_ll else 0
    values, marks, samples = [model.ll_per_word], [done], []
    bar = progress(range(step, passes + step, step), desc="LDA (tomotopy) sweeps", unit="step",
                   disable=not opts["progress"] or None)
    for stop in bar:
        stop = min(stop, passes)
        if stop <= done:
            continue
        model.train(stop - done, workers=1)
        done = stop
        values.append(model.ll_per_word)
        marks.append(done)
        samples = (samples + [sample()])[-TOMOTOPY_WINDOW:]
        if adaptive and done >= TOMOTOPY_MIN_PASSES and _windowed_change(values, TOMOTOPY_WINDOW)[-1] < opts["tol"]:
            break
    topic_term = np.mean(np.asarray(samples or [sample()], dtype=np.float64), axis=0)
    del samples
    topic_term /= topic_term.sum(axis=1, keepdims=True)
    alpha_fit = np.asarray(model.alpha, dtype=float)
    counts = np.zeros((words.n_docs, k))
    if present.any():
        counts[present] = np.vstack([np.bincount(np.asarray(doc.topics), minlength=k) for doc in model.docs])
    dirichlet = alpha_fit + counts
    out = {"topic_term": topic_term, "dirichlet": dirichlet, "values": np.asarray(values),
           "marks": np.asarray(marks), "alpha_fit": alpha_fit, "n_words": int(len(ids)),
           "restart_ll": restart_ll, "chain_seeds": seeds, "perplexity": float("nan"), "n_held_out_tokens": 0}
    if mask.any():
        out["perplexity"], out["n_held_out_tokens"] = _perplexity(words, mask, topic_term, dirichlet)
    out["model"] = model if keep_model else None
    return out


def _columns(vocabulary: Sequence[str], used: Iterable[str]) -> np.ndarray:
    index = {w: i for i, w in enumerate(vocabulary)}
    return np.array([index[w] for w in used], dtype=np.intp)


# -- parallel fits -------------------------------------------------------------------------------
_CACHE: dict[str, WordIds] = {}


def _save(words: WordIds, folder: str) -> str:
    """Write ``words`` as ``.npy`` + JSON (no pickles) for workers to memory-map; return the folder."""
    import json

    np.save(os.path.join(folder, "ids.npy"), words.ids, allow_pickle=False)
    np.save(os.path.join(folder, "offsets.npy"), words.offsets, allow_pickle=False)
    with open(os.path.join(folder, "terms.json"), "w", encoding="utf-8") as handle:
        json.dump({"vocabulary": list(words.vocabulary), "report": words.report}, handle)
    return folder


def _load(folder: str) -> WordIds:
    """The corpus a worker reads: memory-mapped ids (shared page cache across workers), cached per folder."""
    import json

    if folder not in _CACHE:
        _CACHE.clear()  # one corpus at a time
        with open(os.path.join(folder, "terms.json"), encoding="utf-8") as handle:
            terms = json.load(handle)
        _CACHE[folder] = WordIds(vocabulary=tuple(terms["vocabulary"]), report=terms["report"],
                                 ids=np.load(os.path.join(folder, "ids.npy"), mmap_mode="r", allow_pickle=False),
                                 offsets=np.load(os.path.join(folder, "offsets.npy"), allow_pickle=False))
    return _CACHE[folder]


def _run_task(folder: str, opts: dict) -> dict:
    os.environ["TEXTLAB_PROGRESS"] = "0"  # workers never draw bars; the parent reports fits done
    return fit_tomotopy(_load(folder), opts)


def resolve_n_jobs(n_jobs: int | None, n_tasks: int) -> int:
    """Worker processes for ``n_tasks`` fits: ``None`` / ``-1`` = every core available, ``-2`` = all but one."""
    from textlab._errors import bad_value

    if n_jobs is not None and (isinstance(n_jobs, bool) or not isinstance(n_jobs, (int, np.integer)) or n_jobs == 0):
        raise bad_value("n_jobs", n_jobs, "a positive integer, -1 (every core) or None (every core)")
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    n = cores if n_jobs is None else (int(n_jobs) if n_jobs > 0 else max(1, cores + 1 + int(n_jobs)))
    return max(1, min(n, n_tasks))


def run_fits(words: WordIds, tasks: Sequence[dict], *, n_jobs: int | None, desc: str) -> list[dict]:
    """Run ``fit_tomotopy(words, task)`` for every task, in order, on ``n_jobs`` processes.

    Each fit is single-threaded and seeded by its task, so results equal a serial run.  Workers
    are loky processes (joblib's executor: started by fork + exec, so no parent thread is
    inherited, and a script without an ``if __name__ == "__main__":`` guard is not re-run);
    they stay up for a minute between calls, so a selection and its stability fits start them
    once.  The corpus reaches them as memory-mapped ``.npy`` files in a temporary folder, read
    once per worker and shared through the page cache, not copied into every task.
    """
    import tempfile

    from textlab._progress import progress

    from textlab.compute import active_client

    if active_client() is not None:  # [compute] scheduler = "dask": the fits run on the cluster's workers
        from textlab.compute.dask import run_fits as run_on_cluster

        return run_on_cluster(active_client(), words, tasks, desc=desc)
    n = resolve_n_jobs(n_jobs, len(tasks))
    if n == 1:
        return [fit_tomotopy(words, task) for task in progress(tasks, desc=desc, unit="fit")]
    from concurrent.futures import as_completed

    from joblib.externals.loky import get_reusable_executor

    order = sorted(range(len(tasks)), key=lambda i: -tasks[i]["n_topics"])  # largest K first: balanced end
    results: list[dict | None] = [None] * len(tasks)
    with tempfile.TemporaryDirectory(prefix="textlab-lda-") as folder:
        _save(words, folder)
        # the same size whatever the number of tasks, so that later calls reuse the running workers
        executor = get_reusable_executor(max_workers=resolve_n_jobs(n_jobs, 1 << 20), timeout=60)
        futures = {executor.submit(_run_task, folder, tasks[i]): i for i in order}
        for future in progress(as_completed(futures), desc=desc, total=len(futures), unit="fit"):
            results[futures[future]] = future.result()
    return results  # type: ignore[return-value]
