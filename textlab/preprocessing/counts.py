"""Document-term counts from textlab tokens, in memory or on disk.

:func:`count_terms` turns a :class:`~textlab.preprocessing.tokens.TokenizedCorpus` into a
:class:`~textlab.data.TextData`, the container every analysis takes.  Token lists held in
memory are counted with scikit-learn's ``CountVectorizer`` into a
:class:`~textlab.store.memory.MemoryStore`; token lists held on disk
(:class:`~textlab.store.disk.DiskTokens`) are streamed twice (document frequencies, then
counts per shard with the same ``CountVectorizer`` and the vocabulary fixed) into counts
shards beside the tokens (:class:`~textlab.store.disk.DiskStore`).  Both paths give the same
counts, vocabulary order and term labels.

:class:`DocumentTermMatrix` is the older counts type; analyses accept either (a
``TextData`` answers to ``counts``, ``vocabulary`` and ``passages``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from numbers import Integral, Real

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer

from textlab._errors import ConfigError, EstimationError, bad_value
from textlab.data import TextData, as_text_data, require_tokens
from textlab.store.memory import MemoryStore

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


def _check_df(name: str, value: object) -> None:
    """``min_df``/``max_df``: an integer >= 1 (a number of rows) or a float in [0, 1] (a share)."""
    if isinstance(value, bool) or not isinstance(value, (Integral, Real)):
        raise bad_value(name, value, "an integer >= 1 (rows) or a float between 0 and 1 (share of rows)")
    if isinstance(value, Integral) and value < 1 or not isinstance(value, Integral) and not 0 <= value <= 1:
        raise bad_value(name, value, "an integer >= 1 (rows) or a float between 0 and 1 (share of rows)")


def _no_terms(min_df, max_df, detail: str) -> EstimationError:
    return EstimationError(f"no terms left to count with min_df={min_df!r}, max_df={max_df!r}: {detail}. "
                           "Lower min_df or raise max_df.")


def _vectorizer(vocabulary=None, min_df=1, max_df=1.0) -> CountVectorizer:
    return CountVectorizer(analyzer=_identity, lowercase=False, min_df=min_df, max_df=max_df,
                           vocabulary=vocabulary, dtype=np.int64)


def _count_memory(tokens: list, min_df, max_df, vocab_list) -> tuple[list[str], sp.csr_matrix]:
    vectorizer = _vectorizer(vocab_list, min_df, max_df)
    try:
        counts = vectorizer.fit_transform(tokens)
    except ValueError as exc:  # empty vocabulary, or min_df/max_df leaving no terms
        raise _no_terms(min_df, max_df, str(exc)) from exc
    counts = sp.csr_matrix(counts, dtype=np.int64)
    counts.sort_indices()
    return [str(t) for t in vectorizer.get_feature_names_out()], counts


def _disk_vocabulary(tokens, min_df, max_df) -> list[str]:
    """Terms kept by ``CountVectorizer``'s document-frequency rule, from one streamed pass."""
    from textlab.store.disk import document_frequencies

    df = document_frequencies(tokens)  # one task per shard, on the workers when a Dask cluster is active
    n_rows = len(tokens)
    high = max_df if isinstance(max_df, Integral) else max_df * n_rows
    low = min_df if isinstance(min_df, Integral) else min_df * n_rows
    if high < low:
        raise _no_terms(min_df, max_df, "max_df corresponds to < documents than min_df")
    if not df:
        raise _no_terms(min_df, max_df, "empty vocabulary; perhaps the documents only contain stop words")
    terms = sorted(t for t, n in df.items() if low <= n <= high)
    if not terms:
        raise _no_terms(min_df, max_df, "After pruning, no terms remain")
    return terms


def count_terms(
    tokenized,
    *,
    min_df: int | float = 1,
    max_df: int | float = 1.0,
    vocabulary: Iterable[str] | None = None,
) -> TextData:
    """Count terms per row (passage or document) into a :class:`~textlab.data.TextData`.

    Parameters
    ----------
    tokenized
        A :class:`~textlab.preprocessing.tokens.TokenizedCorpus` (``passages`` and ``tokens``),
        or anything with those two attributes.  When ``tokens`` is a
        :class:`~textlab.store.disk.DiskTokens`, counts are written as shards beside the
        tokens (replacing earlier counts there) and the store is a ``DiskStore``;
        otherwise the store is a ``MemoryStore``.
    min_df, max_df
        Drop terms in fewer / more rows than this (an int is a count, a float a share of
        rows), as in ``CountVectorizer``. Ignored when ``vocabulary`` is given.
    vocabulary
        Fixed list of terms to count (e.g. to compare two corpora on the same columns);
        kept in the order given.

    Returns
    -------
    TextData
        ``rows`` = the passage table (index reset), ``terms`` = ``term, label`` (label = the
        tokenized corpus's surface form), counts int64 in the store, ``tokens`` as given,
        ``params`` = the tokenizer params plus ``min_df, max_df, vocabulary_given, n_rows,
        n_terms, n_tokens, unit, store``.

    Examples
    --------
    >>> import pandas as pd
    >>> from textlab.preprocessing.tokens import TokenizedCorpus
    >>> tc = TokenizedCorpus(pd.DataFrame({"passage_id": ["a:000", "b:000"], "doc_id": ["a", "b"]}),
    ...                      [["ai", "hub", "ai"], ["hub"]])
    >>> data = count_terms(tc)
    >>> list(data.vocabulary), data.counts.toarray().tolist()
    (['ai', 'hub'], [[2, 1], [0, 1]])
    """
    from textlab.store.disk import DiskTokens, write_counts

    tokens = require_tokens(tokenized, "count_terms")
    passages = tokenized.passages.reset_index(drop=True)
    if len(tokens) != len(passages):
        raise ConfigError(
            f"tokenized has {len(tokens)} token lists but {len(passages)} passage rows; they must match"
        )
    if len(tokens) == 0:
        raise EstimationError("tokenized has no passages: nothing to count")
    _check_df("min_df", min_df)
    _check_df("max_df", max_df)
    vocab_list = None if vocabulary is None else [str(t) for t in dict.fromkeys(vocabulary)]
    if vocab_list is not None and not vocab_list:
        raise bad_value("vocabulary", vocabulary, "a non-empty list of terms (or None)")
    forms = dict(getattr(tokenized, "surface_forms", None) or {})
    on_disk = isinstance(tokens, DiskTokens)
    unit = getattr(tokenized, "unit", None) or (tokens.unit if on_disk else "passage")
    params = {**dict(getattr(tokenized, "params", {}) or {}), "min_df": min_df, "max_df": max_df,
              "vocabulary_given": vocabulary is not None, "n_rows": len(passages), "unit": unit,
              "store": "disk" if on_disk else "memory"}
    if on_disk:
        terms = vocab_list if vocab_list is not None else _disk_vocabulary(tokens, min_df, max_df)
        table = pd.DataFrame({"term": terms, "label": [forms.get(t, t) for t in terms]})
        store, n_tokens = write_counts(tokens, table, {**params, "n_terms": len(terms)})
    else:
        tokens = tokens if isinstance(tokens, list) else list(tokens)
        terms, matrix = _count_memory(tokens, min_df, max_df, vocab_list)
        table = pd.DataFrame({"term": terms, "label": [forms.get(t, t) for t in terms]})
        store, n_tokens = MemoryStore(matrix), int(matrix.sum())
    params.update({"n_terms": len(terms), "n_tokens": n_tokens})
    return TextData(rows=passages, terms=table, store=store, tokens=tokens, unit=unit, params=params)


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


def aggregate_counts(dtm, by: str) -> TextData:
    """Sum the rows of ``dtm`` per value of a row column: :func:`textlab.store.aggregate.aggregate`.

    Kept for older code; takes a :class:`~textlab.data.TextData` or a :class:`DocumentTermMatrix`.

    Examples
    --------
    >>> import pandas as pd, scipy.sparse as sp, numpy as np
    >>> dtm = DocumentTermMatrix(sp.csr_matrix(np.array([[1, 0], [2, 1], [0, 3]])), np.array(["a", "b"]),
    ...                          pd.DataFrame({"doc_id": ["d1", "d1", "d2"], "group": ["x", "x", "y"]}))
    >>> agg = aggregate_counts(dtm, "group")
    >>> agg.counts.toarray().tolist(), list(agg.passages["n_docs"])
    ([[3, 1], [0, 3]], [1, 1])
    """
    from textlab.store.aggregate import aggregate

    return aggregate(as_text_data(dtm, name="dtm"), by)


def counts_from_bow(
    bow: Iterable[Iterable[tuple[int, float]]],
    id2word: Mapping[int, str],
    *,
    passages: pd.DataFrame | None = None,
) -> DocumentTermMatrix:
    """Counts (a :class:`~textlab.data.TextData`) from a gensim bag-of-words corpus.

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
    TextData
        In a ``MemoryStore``; ``tokens`` is ``None`` (a bag of words has no running text).

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
    return as_text_data(DocumentTermMatrix(counts=counts, vocabulary=terms[order],
                                           passages=passages.reset_index(drop=True), params=params))
