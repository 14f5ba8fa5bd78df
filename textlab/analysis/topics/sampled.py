"""Topic models as the scale requires: fit on a stratified sample, then infer every row with the topics frozen.

Above :data:`SAMPLE_ABOVE` rows a study does not fit LDA to every passage.  It

1. draws a stratified sample of :data:`SAMPLE_SIZE` rows (:func:`sample_rows`: proportional
   allocation over the strata, e.g. the groups compared, largest remainders, seeded);
2. fits the models (model selection, seeds for stability) on the sample only, exactly as on a
   small corpus;
3. infers every row's topic proportions with the fitted topics frozen (:func:`infer_topics`), a
   block of rows at a time, on ``n_jobs`` processes, so prevalence and passage topics still
   cover every document.

The inference is the variational E-step of LDA with the topic-word distributions held fixed
(the step gensim's ``LdaModel.inference`` runs; Blei, Ng & Jordan 2003, eq. 6-7): for each row,
``gamma = alpha + sum_w n_w phi_w`` with ``phi_wk ∝ beta_kw exp(E[log theta_k])``, iterated until
the row's mean absolute change in ``gamma`` is below ``tol``.  It reads only the counts (so it
works on count-only data, memory or disk stores alike), needs nothing but plain arrays of the
fit (so it runs on any worker and on a fit read back from a results folder), is deterministic,
and gives each row the same answer whatever the block size or the number of processes.  Its
``gamma`` plays the role the Gibbs topic counts + ``alpha`` play for a full tomotopy fit: the
Dirichlet parameters from which prevalence draws passage proportions.

Examples
--------
>>> import numpy as np
>>> from textlab.analysis.topics.lda import fit_lda
>>> docs = [["cloud", "server", "data"], ["trade", "tariff", "export"]] * 20
>>> fit = fit_lda(docs[:20], n_topics=2, no_below=1, no_above=1.0, progress=False)
>>> from textlab.preprocessing.tokens import TokenizedCorpus
>>> from textlab.preprocessing.counts import count_terms
>>> data = count_terms(TokenizedCorpus(pd.DataFrame({"passage_id": [str(i) for i in range(40)]}), docs))
>>> gamma = infer_topics(fit, data)
>>> gamma.shape
(40, 2)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.special import digamma

from textlab._errors import ConfigError, bad_value

__all__ = ["SAMPLE_ABOVE", "SAMPLE_SIZE", "sample_rows", "sample_corpus", "study_sample", "infer_topics", "infer_block",
           "extend_fit", "fit_sampled_lda", "use_sample", "row_ids"]

#: Rows above which the study fits topic models on a sample (``[lda] sample_above``).
SAMPLE_ABOVE = 100_000
#: Rows in that sample (``[lda] sample_size``).
SAMPLE_SIZE = 20_000
#: Rows inferred per block (memory ~ block non-zeros x K x 8 bytes x 3, per worker thread: 5,000 briefs of 30
#: terms at K = 14 about 50 MB; the answer does not depend on it).
CHUNK_ROWS = 5_000


def use_sample(n_rows: int, *, sample_above: int | None = SAMPLE_ABOVE) -> bool:
    """Whether a corpus of ``n_rows`` rows is fitted on a sample (``sample_above=None`` or 0: never).

    Examples
    --------
    >>> use_sample(1_000_000), use_sample(5_000), use_sample(1_000_000, sample_above=None)
    (True, False, False)
    """
    return bool(sample_above) and n_rows > int(sample_above)


# -- the sample ---------------------------------------------------------------------------------
def _allocate(sizes: np.ndarray, size: int) -> np.ndarray:
    """Proportional allocation of ``size`` over strata of ``sizes`` (largest remainders, ties by order)."""
    total = int(sizes.sum())
    quota = sizes * (size / total)
    take = np.minimum(np.floor(quota).astype(np.int64), sizes)
    left = size - int(take.sum())
    if left > 0:
        room = take < sizes
        order = np.lexsort((np.arange(len(sizes)), -(quota - take)))  # largest remainder first
        for i in order:
            if left == 0:
                break
            if room[i]:
                take[i] += 1
                left -= 1
    return take


def sample_rows(rows: pd.DataFrame, *, size: int, strata: Sequence[str] = (),
                random_state: int = 0) -> tuple[np.ndarray, pd.DataFrame]:
    """A stratified random sample of row positions: proportional to each stratum's size, seeded.

    Parameters
    ----------
    rows
        The row table (passages or documents).
    size
        Rows to draw (all rows when ``size >= len(rows)``).
    strata
        Columns whose value combinations are the strata (``()``: a simple random sample).
        Missing values form their own stratum.
    random_state
        Seed of the draw.

    Returns
    -------
    indices, table
        Sorted row positions, and one row per stratum: the strata columns, ``n_rows``,
        ``n_sample``.

    Examples
    --------
    >>> rows = pd.DataFrame({"group": ["a"] * 80 + ["b"] * 20})
    >>> idx, table = sample_rows(rows, size=10, strata=["group"], random_state=0)
    >>> table["n_sample"].tolist(), len(idx)
    ([8, 2], 10)
    """
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 1:
        raise bad_value("size", size, "a positive integer (rows in the sample)")
    missing = [c for c in strata if c not in rows.columns]
    if missing:
        raise ConfigError(f"strata={list(strata)!r}: column(s) {missing} are not in the rows; "
                          f"columns: {sorted(map(str, rows.columns))}")
    n = len(rows)
    if strata:
        keys = rows[list(strata)].astype(str).where(rows[list(strata)].notna(), "<missing>")
        codes, uniques = pd.MultiIndex.from_frame(keys).factorize(sort=True)
        labels = uniques.to_frame(index=False)
    else:
        codes, labels = np.zeros(n, dtype=np.int64), pd.DataFrame(index=[0])
    sizes = np.bincount(codes, minlength=len(labels)).astype(np.int64)
    take = sizes.copy() if size >= n else _allocate(sizes, int(size))
    rng = np.random.default_rng(random_state)
    order = np.argsort(codes, kind="stable")
    bounds = np.concatenate([[0], np.cumsum(sizes)])
    chosen = [rng.choice(order[bounds[s]:bounds[s + 1]], size=int(take[s]), replace=False)
              for s in range(len(sizes))]
    indices = np.sort(np.concatenate(chosen)) if chosen else np.zeros(0, dtype=np.int64)
    table = labels.reset_index(drop=True).assign(n_rows=sizes, n_sample=take)
    return indices.astype(np.int64), table


class _SampleCorpus:
    """Rows and tokens of a sample (what ``fit_lda`` and ``select_n_topics`` read as a TokenizedCorpus)."""

    def __init__(self, passages: pd.DataFrame, tokens: list[list[str]], surface_forms: dict, params: dict) -> None:
        self.passages, self.tokens, self.surface_forms, self.params = passages, tokens, surface_forms, params


def sample_corpus(tokenized: Any, indices: Sequence[int]) -> Any:
    """The rows ``indices`` of a tokenised corpus (``TokenizedCorpus`` or ``TextData`` with tokens), in memory.

    Token lists on disk are read only from the shards holding the sampled rows.

    Examples
    --------
    >>> from textlab.preprocessing.tokens import TokenizedCorpus
    >>> tc = TokenizedCorpus(pd.DataFrame({"passage_id": ["a", "b", "c"]}), [["x"], ["y"], ["z"]], {}, {})
    >>> sample_corpus(tc, [0, 2]).tokens
    [['x'], ['z']]
    """
    indices = np.asarray(indices, dtype=np.int64)
    tokens = getattr(tokenized, "tokens", None)
    if tokens is None:
        raise ConfigError("sample_corpus needs token lists; this data was read as counts only")
    picked = tokens.take(indices.tolist()) if hasattr(tokens, "take") else [tokens[int(i)] for i in indices]
    rows = tokenized.passages.iloc[indices].reset_index(drop=True)
    if "text" not in rows.columns and getattr(tokens, "has_text", False):  # on disk: the sample's texts only
        rows = rows.assign(text=tokens.read_texts(indices.tolist()))
    return _SampleCorpus(rows, [list(t) for t in picked], dict(tokenized.surface_forms),
                         dict(getattr(tokenized, "params", {}) or {}))


# -- inference with the topics frozen -----------------------------------------------------------
def _frozen(model_or_result: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(topic_term K x V, vocabulary V, alpha K)`` of an ``LdaFit`` or a mapping holding them."""
    if isinstance(model_or_result, Mapping):
        get = model_or_result.get
        topic_term, vocabulary, alpha = get("topic_term"), get("vocabulary"), get("alpha")
    else:
        topic_term = getattr(model_or_result, "topic_term", None)
        vocabulary = getattr(model_or_result, "vocabulary", None)
        alpha = (getattr(model_or_result, "params", None) or {}).get("alpha_fitted")
    if topic_term is None or vocabulary is None or alpha is None:
        raise bad_value("model_or_result", type(model_or_result).__name__,
                        "an LdaFit (topic_term, vocabulary, params['alpha_fitted']) or a mapping with "
                        "'topic_term', 'vocabulary' and 'alpha'")
    topic_term = np.asarray(topic_term, dtype=np.float64)
    k = topic_term.shape[0]
    alpha = np.broadcast_to(np.asarray(alpha, dtype=np.float64), (k,)).copy()
    return topic_term, np.asarray(vocabulary, dtype=str), alpha


def infer_block(counts: sp.spmatrix, topic_term: np.ndarray, alpha: np.ndarray, *, max_iter: int = 100,
                tol: float = 1e-3) -> np.ndarray:
    """Dirichlet parameters (``n x K``) of each row of ``counts`` (``n x V``, columns = topic_term's) with topics fixed.

    Each row iterates until its own mean absolute change of ``gamma`` is below ``tol`` (then it is
    frozen), so a row's answer does not depend on the other rows of the block.

    Examples
    --------
    >>> beta = np.array([[0.5, 0.5, 0.0], [0.0, 0.0, 1.0]])
    >>> g = infer_block(sp.csr_matrix([[2, 2, 0], [0, 0, 3]]), beta, np.array([0.1, 0.1]))
    >>> np.round(g, 2).tolist()
    [[4.1, 0.1], [0.1, 3.1]]
    """
    counts = sp.csr_matrix(counts, dtype=np.float64)
    counts.sum_duplicates()
    n, k = counts.shape[0], topic_term.shape[0]
    lengths = np.asarray(counts.sum(axis=1)).ravel()
    gamma = alpha[None, :] + (lengths / k)[:, None]
    work = np.flatnonzero(lengths > 0)  # rows still iterating; a converged row is frozen
    for _ in range(int(max_iter)):
        if not len(work):
            break
        sub = counts[work]
        x, indptr = sub.data, sub.indptr
        rows = np.repeat(np.arange(len(work)), np.diff(indptr))
        beta_t = topic_term.T[sub.indices]  # nnz x K
        g = gamma[work]
        exp_theta = np.exp(digamma(g) - digamma(g.sum(axis=1, keepdims=True)))
        norm = np.einsum("nk,nk->n", exp_theta[rows], beta_t) + 1e-100
        weights = sp.csr_matrix((x / norm, np.arange(len(x)), indptr), shape=(len(work), len(x)))
        new = alpha[None, :] + exp_theta * (weights @ beta_t)
        gamma[work] = new
        work = work[np.abs(new - g).mean(axis=1) >= tol]
    return gamma


def _column_map(data_terms: np.ndarray, fit_terms: np.ndarray) -> sp.csr_matrix:
    """``V_data x V_fit`` 0/1 matrix sending each data column to the fit's column of the same term."""
    index = {t: i for i, t in enumerate(fit_terms.tolist())}
    pairs = [(j, index[t]) for j, t in enumerate(data_terms.tolist()) if t in index]
    src = np.array([p[0] for p in pairs], dtype=np.int64)
    dst = np.array([p[1] for p in pairs], dtype=np.int64)
    return sp.csr_matrix((np.ones(len(pairs)), (src, dst)), shape=(len(data_terms), len(fit_terms)))


def _as_counts(data: Any) -> tuple[Iterable, int, np.ndarray]:
    """``(iter_blocks(chunk) function, n_rows, vocabulary)`` of a TextData / DocumentTermMatrix-like input."""
    from textlab.data import as_text_data

    text_data = as_text_data(data, name="data")
    return text_data.store.iter_blocks, text_data.shape[0], text_data.vocabulary


def infer_topics(model_or_result: Any, data: Any, *, chunk_size: int = CHUNK_ROWS, n_jobs: int = 1,
                 random_state: int = 0, max_iter: int = 100, tol: float = 1e-3) -> np.ndarray:
    """Every row's topic Dirichlet parameters (``N x K``), the topics of ``model_or_result`` held fixed.

    Parameters
    ----------
    model_or_result
        An :class:`~textlab.analysis.topics.lda.LdaFit` (``topic_term``, ``vocabulary``,
        ``params["alpha_fitted"]``), or a mapping with ``topic_term``, ``vocabulary``, ``alpha``.
    data
        A :class:`~textlab.data.TextData` (memory or disk store; tokens not needed) or a
        ``DocumentTermMatrix``. Terms the fit does not know are ignored.
    chunk_size
        Rows per block (bounds memory: about ``3 x`` the block's non-zeros ``x K x 8`` bytes).
    n_jobs
        Processes over blocks (1: in this process, -1: every core). The answer does not depend
        on it nor on ``chunk_size``.
    random_state
        Accepted for a uniform signature with the fitting functions; the inference is
        deterministic (it starts every row from ``alpha + length / K``), so it changes nothing.
    max_iter, tol
        Per-row iteration limit and convergence threshold (mean absolute change of ``gamma``).

    Returns
    -------
    numpy.ndarray
        ``N x K`` Dirichlet parameters; ``gamma / gamma.sum(axis=1, keepdims=True)`` are the
        topic proportions.  Rows without a known term get ``alpha``.

    Examples
    --------
    >>> from textlab.store.load import load_counts
    >>> beta = np.array([[0.5, 0.5, 0.0], [0.0, 0.0, 1.0]])
    >>> frozen = {"topic_term": beta, "vocabulary": ["chip", "export", "tariff"], "alpha": [0.1, 0.1]}
    >>> counts = load_counts(pd.DataFrame({"doc_id": ["a", "b", "b"], "term": ["tariff", "chip", "unknown"],
    ...                                    "count": [2, 1, 1]}))
    >>> gamma = infer_topics(frozen, counts)
    >>> np.round(gamma / gamma.sum(axis=1, keepdims=True), 2).tolist()
    [[0.05, 0.95], [0.92, 0.08]]
    """
    gamma, _ = _infer_arrays(model_or_result, data, chunk_size=chunk_size, n_jobs=n_jobs, max_iter=max_iter,
                             tol=tol, dtype=np.float64, proportions=False)
    return gamma


def _infer_arrays(model_or_result: Any, data: Any, *, chunk_size: int, n_jobs: int, max_iter: int, tol: float,
                  dtype: Any, proportions: bool) -> tuple[np.ndarray, np.ndarray | None]:
    """``(gamma, theta)`` of every row stored as ``dtype``, filled block by block.

    Each block is inferred in float64 and its proportions ``gamma / gamma.sum(1)`` taken in
    float64 before both are cast, so the arrays equal the float64 answer cast to ``dtype``
    while no ``N x K`` float64 array is ever held (a million rows at K = 14: 56 MB per float32
    array instead of 112 MB per float64 one, and no float64 temporaries).
    """
    from textlab._progress import progress
    from textlab.preprocessing.stream import resolve_n_jobs

    topic_term, fit_terms, alpha = _frozen(model_or_result)
    if isinstance(chunk_size, bool) or not isinstance(chunk_size, (int, np.integer)) or chunk_size < 1:
        raise bad_value("chunk_size", chunk_size, "a positive integer (rows per block)")
    iter_blocks, n_rows, data_terms = _as_counts(data)
    mapping = _column_map(data_terms, fit_terms)
    gamma = np.empty((n_rows, topic_term.shape[0]), dtype=dtype)
    theta = np.empty((n_rows, topic_term.shape[0]), dtype=dtype) if proportions else None
    blocks = ((first, block @ mapping) for first, block in iter_blocks(int(chunk_size)))
    workers = resolve_n_jobs(n_jobs)
    total = -(-n_rows // int(chunk_size))
    if workers == 1:
        done = ((first, infer_block(b, topic_term, alpha, max_iter=max_iter, tol=tol)) for first, b in blocks)
    else:
        from joblib import Parallel, delayed

        # threads by default (NumPy and SciPy release the GIL in the heavy loops; no copies of the blocks, and no
        # clash with the loky workers of the LDA fits); a joblib backend set by the caller (e.g. Dask) wins
        done = Parallel(n_jobs=workers, prefer="threads", return_as="generator")(
            delayed(_infer_numbered)(first, b, topic_term, alpha, max_iter, tol) for first, b in blocks)
    for first, part in progress(done, desc="Inferring topics (topics frozen)", total=total, unit="block"):
        rows = slice(first, first + part.shape[0])
        gamma[rows] = part
        if theta is not None:
            theta[rows] = part / part.sum(axis=1, keepdims=True)
    return gamma, theta


def _infer_numbered(first: int, block: sp.csr_matrix, topic_term: np.ndarray, alpha: np.ndarray,
                    max_iter: int, tol: float) -> tuple[int, np.ndarray]:
    return first, infer_block(block, topic_term, alpha, max_iter=max_iter, tol=tol)


def extend_fit(fit: Any, data: Any, *, sample: Mapping[str, Any], chunk_size: int = CHUNK_ROWS,
               n_jobs: int = 1, dtype: Any = np.float64, passage_ids: np.ndarray | None = None) -> Any:
    """A copy of an LDA fit made on a sample whose passage proportions cover every row of ``data``.

    ``doc_topic`` / ``doc_topic_dirichlet`` / ``passage_ids`` are replaced by those inferred
    for all rows (:func:`infer_topics`), stored as ``dtype`` (the study uses ``float32``: half the
    memory, a million passages at K = 20 take 80 MB per array); ``params["sampled"]`` records the sample (``sample``:
    size, strata, seed, ...) and the inference; the topics are unchanged.  Both arrays are filled
    block by block (no ``N x K`` float64 array is held when ``dtype`` is float32); ``passage_ids``
    (the rows' ids, as this function would compute them) lets several fits share one array.

    Examples
    --------
    >>> from textlab.analysis.topics.lda import fit_lda
    >>> from textlab.store.load import load_counts
    >>> fit = fit_lda([["cloud", "server"], ["trade", "tariff"]] * 3, n_topics=2, no_below=1, no_above=1.0,
    ...               progress=False)
    >>> counts = load_counts(sp.csr_matrix(np.tile([[1, 1, 0, 0], [0, 0, 1, 1]], (10, 1))),
    ...                      vocabulary=["cloud", "server", "tariff", "trade"])
    >>> extend_fit(fit, counts, sample={"size": 6}).doc_topic.shape
    (20, 2)
    """
    from textlab.data import as_text_data

    text_data = as_text_data(data, name="data")
    gamma, theta = _infer_arrays(fit, text_data, chunk_size=chunk_size, n_jobs=n_jobs, max_iter=100, tol=1e-3,
                                 dtype=dtype, proportions=True)
    rows = text_data.rows
    ids = row_ids(rows) if passage_ids is None else passage_ids
    params = {**fit.params, "n_passages_fitted": fit.params.get("n_passages"), "n_passages": int(len(rows)),
              "sampled": {**dict(sample), "n_rows": int(len(rows)),
                          "inference": "variational E-step with the topics frozen (textlab.analysis.topics."
                                       "sampled.infer_topics)", "chunk_size": int(chunk_size)}}
    return replace(fit, doc_topic=theta, doc_topic_dirichlet=gamma, passage_ids=ids, params=params)


def row_ids(rows: pd.DataFrame) -> np.ndarray:
    """The ids :func:`extend_fit` gives the rows: ``passage_id``, else ``doc_id``, else positions, as strings.

    Examples
    --------
    >>> row_ids(pd.DataFrame({"doc_id": ["a", "b"]})).tolist()
    ['a', 'b']
    """
    column = "passage_id" if "passage_id" in rows.columns else "doc_id" if "doc_id" in rows.columns else None
    return rows[column].astype(str).to_numpy() if column else np.arange(len(rows)).astype(str)


def fit_sampled_lda(data: Any, *, n_topics: int, sample_size: int = SAMPLE_SIZE, strata: Sequence[str] = (),
                    random_state: int = 0, n_jobs: int = 1, chunk_size: int = CHUNK_ROWS,
                    **lda_kwargs: Any) -> Any:
    """Fit LDA on a stratified sample of ``data``'s rows, then infer every row with the topics frozen.

    Parameters
    ----------
    data
        A :class:`~textlab.data.TextData` with tokens (memory or disk store) or a
        ``TokenizedCorpus`` plus counts: the sample is fitted from its tokens, the inference
        reads the counts (``count_terms`` of a ``TokenizedCorpus`` is computed if needed).
    n_topics
        K.
    sample_size, strata, random_state
        The sample (:func:`sample_rows`); ``random_state`` seeds both the sample and the fit.
    n_jobs, chunk_size
        Of the inference (:func:`infer_topics`).
    **lda_kwargs
        Passed to :func:`~textlab.analysis.topics.lda.fit_lda`.

    Returns
    -------
    LdaFit
        Topics of the sample fit; ``doc_topic`` for every row; ``params["sampled"]`` says how.

    Examples
    --------
    >>> from textlab.preprocessing.counts import count_terms
    >>> from textlab.preprocessing.tokens import TokenizedCorpus
    >>> docs = [["cloud", "server", "data"], ["trade", "tariff", "export"]] * 50
    >>> rows = pd.DataFrame({"passage_id": [str(i) for i in range(100)]})
    >>> fit = fit_sampled_lda(count_terms(TokenizedCorpus(rows, docs)), n_topics=2, sample_size=30,
    ...                       no_below=1, no_above=1.0, progress=False)
    >>> fit.doc_topic.shape, fit.params["sampled"]["size"]
    ((100, 2), 30)
    """
    from textlab.analysis.topics.lda import fit_lda

    counts = data if hasattr(data, "store") or hasattr(data, "counts") else None
    if counts is None:
        from textlab.preprocessing.counts import count_terms

        counts = count_terms(data)
    rows = data.passages if hasattr(data, "passages") else data.rows
    indices, table = sample_rows(rows, size=sample_size, strata=strata, random_state=random_state)
    sample = sample_corpus(data, indices)
    fit = fit_lda(sample, n_topics=n_topics, random_state=random_state, **lda_kwargs)
    info = {"size": int(len(indices)), "size_requested": int(sample_size), "strata": list(strata),
            "random_state": int(random_state), "allocation": "proportional, largest remainders",
            "strata_table": table.to_dict(orient="list")}
    return extend_fit(fit, counts, sample=info, chunk_size=chunk_size, n_jobs=n_jobs)


def study_sample(tokenized: Any, *, sample_above: int | None, size: int, strata: Sequence[str],
                 random_state: int) -> tuple[Any, dict | None]:
    """The passages a study fits topic models on: all of them (``(tokenized, None)``), or above
    ``sample_above`` a stratified sample and what it is (``(sample, info)``; ``info`` goes to params).

    Examples
    --------
    >>> from textlab.preprocessing.tokens import TokenizedCorpus
    >>> tc = TokenizedCorpus(pd.DataFrame({"passage_id": list("abcd"), "g": list("xxyy")}), [["t"]] * 4, {}, {})
    >>> sample, info = study_sample(tc, sample_above=3, size=2, strata=["g"], random_state=0)
    >>> len(sample.tokens), info["strata_table"]["n_sample"]
    (2, [1, 1])
    >>> study_sample(tc, sample_above=10, size=2, strata=["g"], random_state=0)[1] is None
    True
    """
    rows = tokenized.passages
    if not use_sample(len(rows), sample_above=sample_above):
        return tokenized, None
    indices, table = sample_rows(rows, size=size, strata=strata, random_state=random_state)
    info = {"size": int(len(indices)), "size_requested": int(size), "n_rows": int(len(rows)),
            "sample_above": int(sample_above), "strata": list(strata), "random_state": int(random_state),
            "allocation": "proportional, largest remainders", "strata_table": table.to_dict(orient="list"),
            "why": f"{len(rows):,} passages > [lda] sample_above = {int(sample_above):,}: topic models are fitted "
                   f"on a stratified sample of {len(indices):,} passages, then every passage's topic proportions "
                   "are inferred with the topics frozen"}
    return sample_corpus(tokenized, indices), info
