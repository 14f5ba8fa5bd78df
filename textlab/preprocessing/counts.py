"""Document-term counts from textlab tokens (scikit-learn ``CountVectorizer``).

The counts are the common currency of the comparison stage: TF-IDF, keyness and
similarity all take a :class:`DocumentTermMatrix` and a grouping column, so they
work whatever produced the counts (textlab's tokenizer, a gensim bag-of-words,
another engine).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer

from textlab._errors import ConfigError, EstimationError, bad_value

__all__ = ["DocumentTermMatrix", "count_terms", "aggregate_counts", "counts_from_bow", "group_indicator"]


@dataclass(frozen=True)
class DocumentTermMatrix:
    """Term counts per passage (or document).

    Attributes
    ----------
    counts
        ``n_rows x n_terms`` CSR matrix of int64 counts.
    vocabulary
        Term strings, column order of ``counts``.
    passages
        Row metadata in the row order of ``counts``.
    params
        Settings that produced the matrix.
    """

    counts: sp.csr_matrix
    vocabulary: np.ndarray
    passages: pd.DataFrame
    params: dict = field(default_factory=dict)


def _identity(tokens: list[str]) -> list[str]:
    """Analyzer for ``CountVectorizer``: the tokens are already made (module level, so picklable)."""
    return tokens


def count_terms(
    tokenized,
    *,
    min_df: int | float = 1,
    max_df: int | float = 1.0,
    vocabulary: Iterable[str] | None = None,
) -> DocumentTermMatrix:
    """Count terms per passage with scikit-learn's ``CountVectorizer``.

    Parameters
    ----------
    tokenized
        A :class:`~textlab.preprocessing.tokens.TokenizedCorpus` (``passages`` and ``tokens``).
    min_df, max_df
        Drop terms in fewer / more passages than this (an int is a count, a float a
        share of passages), as in ``CountVectorizer``. Ignored when ``vocabulary``
        is given.
    vocabulary
        Fixed list of terms to count (e.g. to compare two corpora on the same
        columns); kept in the order given.

    Returns
    -------
    DocumentTermMatrix
        ``counts`` is ``n_passages x n_terms`` int64 CSR; ``passages`` is the
        tokenized corpus's passage table (index reset).

    Examples
    --------
    >>> import pandas as pd
    >>> from textlab.preprocessing.tokens import TokenizedCorpus
    >>> tc = TokenizedCorpus(pd.DataFrame({"passage_id": ["a:000", "b:000"], "doc_id": ["a", "b"]}),
    ...                      [["ai", "hub", "ai"], ["hub"]])
    >>> dtm = count_terms(tc)
    >>> list(dtm.vocabulary), dtm.counts.toarray().tolist()
    (['ai', 'hub'], [[2, 1], [0, 1]])
    """
    tokens = list(tokenized.tokens)
    passages = tokenized.passages.reset_index(drop=True)
    if len(tokens) != len(passages):
        raise ConfigError(
            f"tokenized has {len(tokens)} token lists but {len(passages)} passage rows; they must match"
        )
    if len(tokens) == 0:
        raise EstimationError("tokenized has no passages: nothing to count")
    vocab_list = None if vocabulary is None else list(dict.fromkeys(vocabulary))
    vectorizer = CountVectorizer(
        analyzer=_identity,
        lowercase=False,
        min_df=min_df,
        max_df=max_df,
        vocabulary=vocab_list,
        dtype=np.int64,
    )
    try:
        counts = vectorizer.fit_transform(tokens)
    except ValueError as exc:  # empty vocabulary, or min_df/max_df leaving no terms
        raise EstimationError(
            f"no terms left to count with min_df={min_df!r}, max_df={max_df!r}: {exc}. "
            "Lower min_df or raise max_df."
        ) from exc
    counts = sp.csr_matrix(counts, dtype=np.int64)
    counts.sort_indices()
    params = {
        "min_df": min_df,
        "max_df": max_df,
        "vocabulary_given": vocabulary is not None,
        "n_rows": int(counts.shape[0]),
        "n_terms": int(counts.shape[1]),
        "n_tokens": int(counts.sum()),
        "unit": "passage",
    }
    return DocumentTermMatrix(
        counts=counts,
        vocabulary=np.asarray(vectorizer.get_feature_names_out(), dtype=object),
        passages=passages,
        params=params,
    )


def group_indicator(labels: Sequence | pd.Series | np.ndarray) -> tuple[sp.csr_matrix, pd.Index]:
    """Sparse ``n_groups x n_rows`` 0/1 matrix putting each row in its label's group.

    Groups are in order of first appearance; ``indicator @ counts`` sums rows per group.

    Parameters
    ----------
    labels
        One label per row (missing labels are an error).

    Returns
    -------
    indicator, groups
        The CSR matrix and the group labels in its row order.

    Examples
    --------
    >>> ind, groups = group_indicator(["x", "y", "x"])
    >>> ind.toarray().tolist(), list(groups)
    ([[1, 0, 1], [0, 1, 0]], ['x', 'y'])
    """
    codes, uniques = pd.factorize(pd.Series(labels), sort=False)
    if (codes < 0).any():
        raise ConfigError(f"{int((codes < 0).sum())} rows have a missing group label; fill or drop them first")
    n = len(codes)
    indicator = sp.csr_matrix(
        (np.ones(n, dtype=np.int64), (codes, np.arange(n))), shape=(len(uniques), n)
    )
    return indicator, pd.Index(uniques)


def aggregate_counts(dtm: DocumentTermMatrix, by: str) -> DocumentTermMatrix:
    """Sum the rows of ``dtm`` per value of a metadata column (documents, groups ...).

    Parameters
    ----------
    dtm
        Counts per passage.
    by
        Column of ``dtm.passages`` to group by (``"doc_id"``, ``"narrative"`` ...).

    Returns
    -------
    DocumentTermMatrix
        One row per value of ``by`` (order of first appearance). ``passages`` has
        the column ``by``, ``n_passages``, ``n_docs`` (when ``doc_id`` exists) and
        every other column that is constant within each group.

    Examples
    --------
    >>> import pandas as pd, scipy.sparse as sp, numpy as np
    >>> dtm = DocumentTermMatrix(sp.csr_matrix(np.array([[1, 0], [2, 1], [0, 3]])), np.array(["a", "b"]),
    ...                          pd.DataFrame({"doc_id": ["d1", "d1", "d2"], "group": ["x", "x", "y"]}))
    >>> agg = aggregate_counts(dtm, "group")
    >>> agg.counts.toarray().tolist(), list(agg.passages["n_docs"])
    ([[3, 1], [0, 3]], [1, 1])
    """
    if by not in dtm.passages.columns:
        raise ConfigError(
            f"by={by!r} is not a column of the passages table; available: {list(dtm.passages.columns)}"
        )
    indicator, groups = group_indicator(dtm.passages[by].to_numpy())
    counts = sp.csr_matrix(indicator @ dtm.counts, dtype=np.int64)
    meta = dtm.passages.reset_index(drop=True)
    grouped = meta.groupby(meta[by].to_numpy(), sort=False)
    table = pd.DataFrame({by: groups})
    table["n_passages"] = np.asarray(indicator.sum(axis=1)).ravel()
    if "doc_id" in meta.columns and by != "doc_id":
        table["n_docs"] = grouped["doc_id"].nunique().reindex(groups).to_numpy()
    constant = grouped.nunique(dropna=False).eq(1).all(axis=0)
    skip = {by, "passage_id", "position", "text", "n_words", "n_passages", "n_docs"}
    for column in meta.columns:
        if column not in skip and bool(constant.get(column, False)):
            table[column] = grouped[column].first().reindex(groups).to_numpy()
    params = dict(dtm.params)
    params.update({"aggregated_by": by, "n_rows": int(counts.shape[0]), "unit": by})
    return DocumentTermMatrix(counts=counts, vocabulary=dtm.vocabulary, passages=table, params=params)


def counts_from_bow(
    bow: Iterable[Iterable[tuple[int, float]]],
    id2word: Mapping[int, str],
    *,
    passages: pd.DataFrame | None = None,
) -> DocumentTermMatrix:
    """Build a :class:`DocumentTermMatrix` from a gensim bag-of-words corpus.

    Lets keyness and TF-IDF run on counts made by any engine. Columns are sorted
    alphabetically, as scikit-learn orders them.

    Parameters
    ----------
    bow
        One list of ``(term_id, count)`` pairs per row (gensim's format).
    id2word
        ``term_id -> term`` (a ``gensim.corpora.Dictionary`` works).
    passages
        Row metadata, same order as ``bow``; default a table with ``passage_id``
        ``"0", "1", ...``.

    Returns
    -------
    DocumentTermMatrix

    Examples
    --------
    >>> dtm = counts_from_bow([[(0, 2), (1, 1)], [(1, 3)]], {0: "hub", 1: "ai"})
    >>> list(dtm.vocabulary), dtm.counts.toarray().tolist()
    (['ai', 'hub'], [[1, 2], [3, 0]])
    """
    rows, cols, vals = [], [], []
    n_rows = 0
    for i, doc in enumerate(bow):
        n_rows = i + 1
        for term_id, count in doc:
            rows.append(i)
            cols.append(int(term_id))
            vals.append(count)
    ids = np.array(sorted(int(k) for k in id2word.keys()), dtype=np.int64)
    if len(cols) and not np.isin(np.asarray(cols), ids).all():
        raise ConfigError("bow contains term ids that are not in id2word")
    terms = np.array([id2word[int(k)] for k in ids], dtype=object)
    order = np.argsort(terms, kind="stable")
    new_col = np.empty(len(ids), dtype=np.int64)
    new_col[order] = np.arange(len(ids))
    col_pos = new_col[np.searchsorted(ids, np.asarray(cols, dtype=np.int64))] if cols else np.array([], int)
    values = np.asarray(vals, dtype=float)
    if len(values) and not np.allclose(values, np.round(values)):
        raise bad_value("bow counts", "non-integer values", "integer term counts")
    counts = sp.csr_matrix(
        (np.round(values).astype(np.int64), (np.asarray(rows, dtype=np.int64), col_pos)),
        shape=(n_rows, len(ids)),
    )
    counts.sum_duplicates()
    if passages is None:
        passages = pd.DataFrame({"passage_id": [str(i) for i in range(n_rows)]})
    elif len(passages) != n_rows:
        raise ConfigError(f"passages has {len(passages)} rows but bow has {n_rows}; they must match")
    params = {"source": "bow", "n_rows": n_rows, "n_terms": len(ids), "n_tokens": int(counts.sum()), "unit": "passage"}
    return DocumentTermMatrix(counts=counts, vocabulary=terms[order], passages=passages.reset_index(drop=True), params=params)
