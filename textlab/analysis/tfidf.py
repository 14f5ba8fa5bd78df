"""TF-IDF weights, distinctive terms per group and cosine similarity (scikit-learn).

All functions start from a :class:`~textlab.preprocessing.counts.DocumentTermMatrix`, so
they use textlab's own tokens (or any engine's counts) rather than re-tokenising.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfTransformer
from sklearn.metrics.pairwise import cosine_similarity

from textlab._errors import ConfigError, bad_value
from textlab.preprocessing.counts import DocumentTermMatrix, aggregate_counts

__all__ = ["TfidfResult", "fit_tfidf", "distinctive_terms", "similarity_table"]

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
        Row metadata (the ``passages`` table of the input matrix).
    params
        ``sublinear_tf``, ``norm``, ``smooth_idf`` and the row unit.
    """

    matrix: sp.csr_matrix
    vocabulary: np.ndarray
    rows: pd.DataFrame
    params: dict = field(default_factory=dict)


def fit_tfidf(
    dtm: DocumentTermMatrix,
    *,
    sublinear_tf: bool = False,
    norm: str | None = "l2",
    smooth_idf: bool = True,
) -> TfidfResult:
    """TF-IDF of each row of ``dtm`` with scikit-learn's ``TfidfTransformer``.

    Parameters
    ----------
    dtm
        Counts (rows are passages, documents or groups).
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
    >>> import pandas as pd, scipy.sparse as sp, numpy as np
    >>> dtm = DocumentTermMatrix(sp.csr_matrix(np.array([[1, 1], [0, 2]])), np.array(["ai", "hub"]),
    ...                          pd.DataFrame({"doc_id": ["a", "b"]}))
    >>> fit_tfidf(dtm, norm=None).matrix.toarray().round(3).tolist()
    [[1.405, 1.0], [0.0, 2.0]]
    """
    if norm not in _NORMS:
        raise bad_value("norm", norm, "'l1', 'l2' or None")
    transformer = TfidfTransformer(norm=norm, use_idf=True, smooth_idf=smooth_idf, sublinear_tf=sublinear_tf)
    matrix = sp.csr_matrix(transformer.fit_transform(dtm.counts))
    params = {
        "sublinear_tf": sublinear_tf,
        "norm": norm,
        "smooth_idf": smooth_idf,
        "unit": dtm.params.get("unit", "passage"),
        "n_rows": int(matrix.shape[0]),
    }
    return TfidfResult(matrix=matrix, vocabulary=np.asarray(dtm.vocabulary, dtype=object), rows=dtm.passages, params=params)


def distinctive_terms(
    dtm: DocumentTermMatrix,
    *,
    group_column: str = "narrative",
    by: str | None = None,
    n_terms: int = 15,
    surface_forms: Mapping[str, str] | None = None,
    sublinear_tf: bool = False,
    smooth_idf: bool = True,
    drop_shared: bool = True,
) -> pd.DataFrame:
    """Top TF-IDF terms of each group (or document).

    Each group is treated as **one document made of all its passages
    concatenated**: the counts are summed per group, then TF-IDF is computed across
    the groups (``idf`` counts in how many *groups* a term occurs), rows
    l2-normalised. With ``group_column="doc_id"`` this gives the distinctive terms of
    each document. Terms with zero weight are never listed; ties are broken
    alphabetically.

    Note that with few groups idf has few distinct values (with two groups a term
    is either in one or in both), so for group contrasts prefer
    :func:`textlab.analysis.keyness.score_keyness`, which also gives uncertainty.

    Parameters
    ----------
    dtm
        Counts per passage.
    group_column
        Column of ``dtm.passages`` to group by (``"narrative"``, ``"doc_id"`` ...).
    by
        Alias of ``group_column`` (as in :func:`aggregate_counts`); wins when given.
    n_terms
        Terms per group.
    surface_forms
        ``term -> readable label``; the ``label`` column is ``surface_forms.get(term, term)``.
    sublinear_tf, smooth_idf
        Passed to :func:`fit_tfidf`.
    drop_shared
        Leave out terms that occur in *every* group. scikit-learn's idf adds 1,
        so such terms keep weight ``tf`` and, with few groups, the most
        frequent shared words ("ai") would top every list while distinguishing
        none; ``False`` keeps them.

    Returns
    -------
    pandas.DataFrame
        Columns ``group, rank, term, label, tfidf`` (``rank`` from 1).

    Examples
    --------
    >>> import pandas as pd, scipy.sparse as sp, numpy as np
    >>> dtm = DocumentTermMatrix(sp.csr_matrix(np.array([[2, 1, 0], [0, 1, 3]])),
    ...                          np.array(["aws", "hub", "huawei"]), pd.DataFrame({"narrative": ["a", "h"]}))
    >>> distinctive_terms(dtm, n_terms=1)[["group", "term"]].values.tolist()
    [['a', 'aws'], ['h', 'huawei']]
    """
    if not isinstance(n_terms, (int, np.integer)) or n_terms < 1:
        raise bad_value("n_terms", n_terms, "an integer >= 1")
    if by is not None:
        group_column = by
    aggregated = aggregate_counts(dtm, group_column)
    tfidf = fit_tfidf(aggregated, sublinear_tf=sublinear_tf, smooth_idf=smooth_idf, norm="l2")
    forms = dict(surface_forms or {})
    vocab = tfidf.vocabulary
    records = []
    matrix = tfidf.matrix
    if drop_shared and aggregated.counts.shape[0] > 1:
        in_groups = np.asarray((aggregated.counts > 0).sum(axis=0)).ravel()
        keep = sp.diags((in_groups < aggregated.counts.shape[0]).astype(float))
        matrix = sp.csr_matrix(matrix @ keep)
        matrix.eliminate_zeros()
    for row, group in enumerate(aggregated.passages[group_column]):
        start, end = matrix.indptr[row], matrix.indptr[row + 1]
        cols, vals = matrix.indices[start:end], matrix.data[start:end]
        nonzero = vals > 0
        cols, vals = cols[nonzero], vals[nonzero]
        order = np.lexsort((vocab[cols].astype(str), -vals))[:n_terms]
        for rank, k in enumerate(order, start=1):
            term = vocab[cols[k]]
            records.append((group, rank, term, forms.get(term, term), float(vals[k])))
    return pd.DataFrame.from_records(records, columns=["group", "rank", "term", "label", "tfidf"])


def similarity_table(
    dtm: DocumentTermMatrix,
    *,
    level: str = "document",
    weighting: str = "tfidf",
    max_rows: int = 20_000,
) -> pd.DataFrame:
    """Cosine similarity between documents or passages (scikit-learn ``cosine_similarity``).

    Parameters
    ----------
    dtm
        Counts per passage.
    level
        ``"document"`` (passages summed per ``doc_id`` first) or ``"passage"``.
    weighting
        ``"tfidf"`` (default; :func:`fit_tfidf` at that level, l2-normalised) or
        ``"counts"`` (raw counts).
    max_rows
        Refuse to build a dense square table with more rows than this (memory grows
        with the square).

    Returns
    -------
    pandas.DataFrame
        Square table indexed and columned by ``doc_id`` (or ``passage_id``); 1 on the
        diagonal for non-empty rows.

    Examples
    --------
    >>> import pandas as pd, scipy.sparse as sp, numpy as np
    >>> dtm = DocumentTermMatrix(sp.csr_matrix(np.array([[1, 0], [1, 0], [0, 1]])), np.array(["ai", "hub"]),
    ...                          pd.DataFrame({"passage_id": ["a:0", "a:1", "b:0"], "doc_id": ["a", "a", "b"]}))
    >>> similarity_table(dtm, weighting="counts").values.tolist()
    [[1.0, 0.0], [0.0, 1.0]]
    """
    if level not in _LEVELS:
        raise bad_value("level", level, "'document' or 'passage'")
    if weighting not in ("tfidf", "counts"):
        raise bad_value("weighting", weighting, "'tfidf' or 'counts'")
    column = _LEVELS[level]
    if column not in dtm.passages.columns:
        raise ConfigError(
            f"level={level!r} needs a {column!r} column in the passages table; available: {list(dtm.passages.columns)}"
        )
    table = aggregate_counts(dtm, column) if level == "document" else dtm
    n_rows = table.counts.shape[0]
    if n_rows > max_rows:
        raise ConfigError(
            f"similarity_table would build a {n_rows} x {n_rows} dense table (max_rows={max_rows}); "
            "select fewer rows or raise max_rows"
        )
    matrix = fit_tfidf(table).matrix if weighting == "tfidf" else table.counts.astype(float)
    labels = pd.Index(table.passages[column].astype(str), name=column)
    return pd.DataFrame(cosine_similarity(matrix, dense_output=True), index=labels, columns=labels.rename(None))
