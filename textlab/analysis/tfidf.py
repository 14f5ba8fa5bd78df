"""TF-IDF weights, distinctive terms per group and cosine similarity.

Every function takes a :class:`~textlab.data.TextData` (or an older ``DocumentTermMatrix``)
and reads the counts through its store, block by block, so counts on disk give the same
numbers as counts in memory.  TF-IDF follows scikit-learn's ``TfidfTransformer`` exactly
(``idf = ln((1 + n) / (1 + df)) + 1`` with ``smooth_idf``; rows normalised), computed in
one pass for document frequencies and one for the weights.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.metrics.pairwise import cosine_similarity
from sklearn.preprocessing import normalize as _normalize

from textlab._errors import ConfigError, TextlabWarning, bad_value
from textlab.data import Result, TextData, as_text_data
from textlab.store.aggregate import aggregate

__all__ = ["TfidfResult", "DistinctiveTerms", "Similarity", "fit_tfidf", "distinctive_terms", "similarity_table"]

_NORMS = ("l1", "l2", None)
_LEVELS = {"document": "doc_id", "passage": "passage_id"}


@dataclass(frozen=True)
class TfidfResult:
    """TF-IDF weights of the rows of a document-term matrix.

    Attributes
    ----------
    matrix
        ``n_rows x n_terms`` CSR matrix of TF-IDF weights.
    vocabulary
        Term strings, column order of ``matrix``.
    rows
        Row metadata (the ``rows`` table of the input).
    params
        ``sublinear_tf``, ``norm``, ``smooth_idf``, the row unit and ``idf``-relevant sizes.
    """

    matrix: sp.csr_matrix
    vocabulary: np.ndarray
    rows: pd.DataFrame
    params: dict = field(default_factory=dict)


@dataclass(frozen=True)
class DistinctiveTerms(Result):
    """Top TF-IDF terms per group: ``table`` has ``group, rank, term, label, tfidf``."""

    table: pd.DataFrame


@dataclass(frozen=True)
class Similarity(Result):
    """Square cosine-similarity ``table`` indexed and columned by row id (``params`` say which rows)."""

    table: pd.DataFrame


def fit_tfidf(
    data: TextData,
    *,
    sublinear_tf: bool = False,
    norm: str | None = "l2",
    smooth_idf: bool = True,
) -> TfidfResult:
    """TF-IDF of each row of ``data``, as scikit-learn's ``TfidfTransformer`` computes it.

    Parameters
    ----------
    data
        Counts (rows are passages, documents or groups), in any store.
    sublinear_tf
        Use ``1 + log(tf)`` instead of raw counts.
    norm
        Row normalisation: ``"l2"`` (default), ``"l1"`` or ``None``.
    smooth_idf
        ``idf = ln((1 + n) / (1 + df)) + 1`` (default) instead of ``ln(n / df) + 1``.

    Returns
    -------
    TfidfResult

    Examples
    --------
    >>> from textlab.preprocessing.counts import DocumentTermMatrix
    >>> dtm = DocumentTermMatrix(sp.csr_matrix(np.array([[1, 1], [0, 2]])), np.array(["ai", "hub"]),
    ...                          pd.DataFrame({"doc_id": ["a", "b"]}))
    >>> fit_tfidf(dtm, norm=None).matrix.toarray().round(3).tolist()
    [[1.405, 1.0], [0.0, 2.0]]
    """
    if norm not in _NORMS:
        raise bad_value("norm", norm, "'l1', 'l2' or None")
    data = as_text_data(data)
    n_rows, n_terms = data.shape
    df = np.zeros(n_terms, dtype=np.int64)
    for _, block in data.store.iter_blocks():
        block = sp.csr_matrix(block)
        df += np.bincount(block.indices[block.data > 0], minlength=n_terms)
    with np.errstate(divide="ignore"):
        idf = np.log((n_rows + int(smooth_idf)) / (df + int(smooth_idf)).astype(np.float64)) + 1.0
    blocks = []
    for _, block in data.store.iter_blocks():
        weights = sp.csr_matrix(block, dtype=np.float64, copy=True)
        weights.eliminate_zeros()
        if sublinear_tf:
            np.log(weights.data, out=weights.data)
            weights.data += 1.0
        weights.data *= idf[weights.indices]
        blocks.append(_normalize(weights, norm=norm, copy=False) if norm else weights)
    matrix = sp.csr_matrix(sp.vstack(blocks, format="csr")) if blocks else sp.csr_matrix((n_rows, n_terms))
    params = {"sublinear_tf": sublinear_tf, "norm": norm, "smooth_idf": smooth_idf, "unit": data.unit,
              "n_rows": int(n_rows)}
    return TfidfResult(matrix=matrix, vocabulary=np.asarray(data.vocabulary, dtype=object), rows=data.rows,
                       params=params)


def _by(by: str | None, group_column: str | None) -> str:
    column = by if by is not None else group_column
    if column is None:
        raise ConfigError("by= is needed: the row column whose values are the groups (e.g. by='outlet')")
    return column


def distinctive_terms(
    data: TextData,
    *,
    by: str | None = None,
    n_terms: int = 15,
    surface_forms: Mapping[str, str] | None = None,
    sublinear_tf: bool = False,
    smooth_idf: bool = True,
    drop_shared: bool = True,
    group_column: str | None = None,
) -> DistinctiveTerms:
    """Top TF-IDF terms of each group (or document).

    Each group is treated as **one document made of all its rows concatenated**: the
    counts are summed per group (:func:`~textlab.store.aggregate.aggregate`), then TF-IDF
    is computed across the groups (``idf`` counts in how many *groups* a term occurs), rows
    l2-normalised.  With ``by="doc_id"`` this gives the distinctive terms of each document.
    Terms with zero weight are never listed; ties are broken alphabetically.

    With few groups idf has few distinct values (with two groups a term is either in one or
    in both), so for group contrasts prefer :func:`textlab.analysis.keyness.score_keyness`,
    which also gives uncertainty.

    Parameters
    ----------
    data
        Counts per passage (any store).
    by
        Row column to group by (``"outlet"``, ``"doc_id"`` ...).
    n_terms
        Terms per group.
    surface_forms
        ``term -> readable label``; default the labels of ``data.terms``.
    sublinear_tf, smooth_idf
        Passed to :func:`fit_tfidf`.
    drop_shared
        Leave out terms that occur in *every* group (scikit-learn's idf adds 1, so such terms
        keep weight ``tf`` and the most frequent shared words would top every list while
        distinguishing none); ``False`` keeps them.
    group_column
        Older name of ``by`` (``by`` wins when both are given).

    Returns
    -------
    DistinctiveTerms
        ``.table``: ``group, rank, term, label, tfidf`` (``rank`` from 1); ``.params``: the settings.

    Examples
    --------
    >>> from textlab.preprocessing.counts import DocumentTermMatrix
    >>> dtm = DocumentTermMatrix(sp.csr_matrix(np.array([[2, 1, 0], [0, 1, 3]])),
    ...                          np.array(["cloud", "hub", "tariff"]), pd.DataFrame({"outlet": ["a", "h"]}))
    >>> distinctive_terms(dtm, by="outlet", n_terms=1).table[["group", "term"]].values.tolist()
    [['a', 'cloud'], ['h', 'tariff']]
    """
    if isinstance(n_terms, bool) or not isinstance(n_terms, (int, np.integer)) or n_terms < 1:
        raise bad_value("n_terms", n_terms, "an integer >= 1")
    column = _by(by, group_column)
    data = as_text_data(data)
    aggregated = aggregate(data, column)
    tfidf = fit_tfidf(aggregated, sublinear_tf=sublinear_tf, smooth_idf=smooth_idf, norm="l2")
    forms = dict(data.surface_forms) if surface_forms is None else dict(surface_forms)
    vocab = tfidf.vocabulary
    counts = aggregated.counts
    matrix = tfidf.matrix
    if drop_shared and counts.shape[0] > 1:
        in_groups = np.asarray((counts > 0).sum(axis=0)).ravel()
        matrix = sp.csr_matrix(matrix @ sp.diags((in_groups < counts.shape[0]).astype(float)))
        matrix.eliminate_zeros()
    table = _top_terms(matrix, vocab, aggregated.rows[column], n_terms, forms)
    params = {"by": column, "n_terms": int(n_terms), "sublinear_tf": sublinear_tf, "smooth_idf": smooth_idf,
              "drop_shared": drop_shared, "norm": "l2", "n_groups": int(counts.shape[0]), "unit": data.unit}
    return DistinctiveTerms(table, params=params)


def _top_terms(matrix: sp.csr_matrix, vocab: np.ndarray, groups: pd.Series, n_terms: int,
               forms: Mapping[str, str]) -> pd.DataFrame:
    """The ``n_terms`` largest positive weights of each row (ties alphabetical) as a long table."""
    records = []
    for row, group in enumerate(groups):
        start, end = matrix.indptr[row], matrix.indptr[row + 1]
        cols, vals = matrix.indices[start:end], matrix.data[start:end]
        cols, vals = cols[vals > 0], vals[vals > 0]
        order = np.lexsort((vocab[cols].astype(str), -vals))[:n_terms]
        for rank, k in enumerate(order, start=1):
            term = vocab[cols[k]]
            records.append((group, rank, term, forms.get(term, term), float(vals[k])))
    return pd.DataFrame.from_records(records, columns=["group", "rank", "term", "label", "tfidf"])


def _similarity_rows(data: TextData, level: str, by: str | None) -> tuple[TextData, str]:
    """The rows compared at ``level`` and the column naming them."""
    if level == "group":
        column = _by(by, None)
        return aggregate(data, column), column
    column = _LEVELS[level]
    if column not in data.rows.columns:
        raise ConfigError(f"level={level!r} needs a {column!r} column in the rows; "
                          f"available: {[str(c) for c in data.rows.columns]}")
    if level == "document" and data.unit != "document":
        return aggregate(data, column), column
    return data, column


def similarity_table(
    data: TextData,
    *,
    level: str = "document",
    by: str | None = None,
    weighting: str = "tfidf",
    max_rows: int = 2_000,
    random_state: int = 0,
) -> Similarity:
    """Cosine similarity between documents, passages or groups (scikit-learn ``cosine_similarity``).

    A square table grows with the square of its rows (2,833 documents give an unreadable
    8-million-cell table and a 111 MB CSV), so beyond ``max_rows`` rows it is not built as
    asked: with ``by`` the rows are summed per group of ``by`` instead; without it a uniform
    random sample of ``max_rows`` rows (``random_state``, kept in row order) is compared.
    Either way a :class:`~textlab._errors.TextlabWarning` says so and ``params`` records it
    (``level_shown``, ``n_rows_total``, ``n_rows_shown``, ``sampled``).

    Parameters
    ----------
    data
        Counts per passage (any store).
    level
        ``"document"`` (passages summed per ``doc_id`` first), ``"passage"`` or ``"group"``
        (summed per ``by``).
    by
        Group column: needed for ``level="group"``; otherwise the fallback beyond ``max_rows``.
    weighting
        ``"tfidf"`` (default; :func:`fit_tfidf` at that level, l2-normalised) or ``"counts"``.
    max_rows
        Largest square table built (default 2,000).
    random_state
        Seed of the sample beyond ``max_rows``.

    Returns
    -------
    Similarity
        ``.table`` indexed and columned by ``doc_id`` / ``passage_id`` / the ``by`` values;
        1 on the diagonal for non-empty rows.

    Examples
    --------
    >>> from textlab.preprocessing.counts import DocumentTermMatrix
    >>> dtm = DocumentTermMatrix(sp.csr_matrix(np.array([[1, 0], [1, 0], [0, 1]])), np.array(["ai", "hub"]),
    ...                          pd.DataFrame({"passage_id": ["a:0", "a:1", "b:0"], "doc_id": ["a", "a", "b"]}))
    >>> similarity_table(dtm, weighting="counts").table.values.tolist()
    [[1.0, 0.0], [0.0, 1.0]]
    """
    if level not in (*_LEVELS, "group"):
        raise bad_value("level", level, "'document', 'passage' or 'group'")
    if weighting not in ("tfidf", "counts"):
        raise bad_value("weighting", weighting, "'tfidf' or 'counts'")
    if isinstance(max_rows, bool) or not isinstance(max_rows, (int, np.integer)) or max_rows < 2:
        raise bad_value("max_rows", max_rows, "an integer >= 2")
    data = as_text_data(data)
    table, column = _similarity_rows(data, level, by)
    n_total, shown, sampled = table.shape[0], level, False
    if n_total > max_rows and by is not None and level != "group":
        table, column = _similarity_rows(data, "group", by)
        shown = "group"
        warnings.warn(f"similarity_table: {n_total} {level}s exceed max_rows={max_rows}; showing the similarity "
                      f"of the {table.shape[0]} groups of {by!r} instead", TextlabWarning, stacklevel=2)
    if table.shape[0] > max_rows:
        keep = np.sort(np.random.default_rng(random_state).choice(table.shape[0], size=max_rows, replace=False))
        sampled = True
        warnings.warn(f"similarity_table: {table.shape[0]} rows exceed max_rows={max_rows}; showing a random sample "
                      f"of {max_rows} (random_state={random_state}); pass by= to compare groups instead",
                      TextlabWarning, stacklevel=2)
    matrix = fit_tfidf(table).matrix if weighting == "tfidf" else table.counts.astype(float)
    labels = table.rows[column].astype(str)
    if sampled:
        matrix, labels = matrix[keep], labels.iloc[keep]
    index = pd.Index(labels.to_numpy(), name=column)
    square = pd.DataFrame(cosine_similarity(matrix, dense_output=True), index=index, columns=index.rename(None))
    params = {"level": level, "level_shown": shown, "by": by, "weighting": weighting, "max_rows": int(max_rows),
              "n_rows_total": int(n_total), "n_rows_shown": int(len(index)), "sampled": sampled,
              "random_state": random_state, "unit": data.unit}
    return Similarity(square, params=params)
