"""The tokens each topic owns: every count shared out by its posterior responsibility ``p(k | w, d)``.

:func:`topic_token_counts` (used by :func:`textlab.analysis.perspectives.score_perspectives`) gives,
for each topic ``k`` of a fitted model, the passage x term matrix ``n_dw * theta_dk phi_kw /
sum_j theta_dj phi_jw``.  The count structure is read a block at a time (twice) and held once,
shared by every topic; each topic's values are computed when its matrix is asked for.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

__all__ = ["topic_token_counts"]


def topic_token_counts(fit: Any, counts: sp.spmatrix, vocabulary: Sequence[str], passage_ids: Sequence[str], *,
                       topics: Sequence[int] | None = None, block_entries: int = 500_000) -> Sequence[sp.csr_matrix]:
    """Expected counts of the tokens each topic owns: ``n_dw * p(k | w, d)``, one matrix per topic.

    Parameters
    ----------
    fit
        An ``LdaFit`` (``topic_term``, ``doc_topic``, ``vocabulary``, ``passage_ids``).
    counts
        Passages x terms counts.
    vocabulary, passage_ids
        Column terms and row passage ids of ``counts``. Terms the model did not keep and
        passages it did not see own no tokens.
    topics
        Topic numbers (1..K) to return; default all.
    block_entries
        Non-zero entries processed at a time while normalising (memory: ``block_entries x K`` floats).

    Returns
    -------
    sequence of scipy.sparse.csr_matrix
        One matrix per topic, shaped like ``counts``, each built when it is read (so a loop over
        topics holds one at a time); summed over all topics they equal ``counts`` on the model's
        terms and passages.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> fit = SimpleNamespace(topic_term=np.array([[0.9, 0.1], [0.1, 0.9]]), doc_topic=np.array([[0.5, 0.5]]),
    ...                       vocabulary=np.array(["a", "b"]), passage_ids=np.array(["p"]))
    >>> [m.toarray().round(2).tolist() for m in topic_token_counts(fit, sp.csr_matrix([[10, 10]]), ["a", "b"], ["p"])]
    [[[9.0, 1.0]], [[1.0, 9.0]]]
    """
    counts = sp.csr_matrix(counts, dtype=np.float64)
    step = max(1, int(block_entries) // max(1, counts.nnz // max(1, counts.shape[0])))  # rows per block

    def blocks():
        return ((first, counts[first:first + step]) for first in range(0, counts.shape[0], step))

    return _topic_counts(fit, blocks, counts.shape, vocabulary, passage_ids, topics=topics,
                         block_entries=block_entries)


def _canonical(block: sp.spmatrix) -> sp.csr_matrix:
    """A float64 CSR block with sorted indices and no duplicates (the entry order of the topics' matrices)."""
    block = sp.csr_matrix(block, dtype=np.float64)
    if not block.has_canonical_format:
        block = block.copy()
        block.sum_duplicates()
    return block


def _topic_counts(fit: Any, blocks: Any, shape: tuple[int, int], vocabulary: Sequence[str],
                  passage_ids: Sequence[str], *, topics: Sequence[int] | None, block_entries: int) -> "_TopicCounts":
    """:func:`topic_token_counts` from ``blocks()`` (an iterable of ``(first_row, csr block)``, read twice).

    The first pass counts the entries kept (known term, known passage, non-zero) per row; the
    second fills their column indices and weights ``n_dw / sum_j theta_dj phi_jw`` into arrays of
    exactly that size, so the whole count matrix is never held (on the disk store it stays in its
    shards): memory is the kept entries' indices (4 bytes) and weights (8 bytes) plus one block.
    """
    phi = np.asarray(fit.topic_term, dtype=np.float64)
    theta = np.asarray(fit.doc_topic)  # float32 stays float32: rows are cast per block, exactly
    col = pd.Index(np.asarray(fit.vocabulary, dtype=object)).get_indexer(np.asarray(vocabulary, dtype=object))
    row = pd.Index(np.asarray(fit.passage_ids, dtype=object).astype(str)).get_indexer(
        np.asarray(passage_ids, dtype=object).astype(str))

    def kept(first: int, block: sp.csr_matrix) -> np.ndarray:
        known = np.repeat(row[first:first + block.shape[0]] >= 0, np.diff(block.indptr))
        return (col[block.indices] >= 0) & (block.data != 0) & known

    per_row = np.zeros(shape[0], dtype=np.int64)
    for first, block in blocks():
        block = _canonical(block)
        running = np.concatenate([[0], np.cumsum(kept(first, block), dtype=np.int64)])
        per_row[first:first + block.shape[0]] = np.diff(running[block.indptr])
    indptr = np.concatenate([[0], np.cumsum(per_row)])
    index_dtype = np.int32 if max(indptr[-1], shape[1]) < np.iinfo(np.int32).max else np.int64
    indptr = indptr.astype(index_dtype)
    indices = np.empty(int(indptr[-1]), dtype=index_dtype)
    weight = np.empty(int(indptr[-1]), dtype=np.float64)
    for first, block in blocks():
        block = _canonical(block)
        keep = kept(first, block)
        at = slice(int(indptr[first]), int(indptr[first + block.shape[0]]))
        indices[at], weight[at] = block.indices[keep], block.data[keep]
    del per_row
    for _, entries, r in _entry_blocks(indptr, block_entries):  # weight = n_dw / sum_j theta_dj phi_jw
        total = np.einsum("ij,ji->i", theta[row[r]].astype(np.float64, copy=False), phi[:, col[indices[entries]]])
        part = weight[entries]
        np.divide(part, total, out=part, where=total > 0)
        part[~(total > 0)] = 0.0
    k_all = range(1, phi.shape[0] + 1) if topics is None else topics
    # one topic's matrix at a time: K matrices of the corpus's size are never held together by the caller
    return _TopicCounts([int(k) for k in k_all], theta, phi, row, col, indices, indptr, weight, shape,
                        block_entries)


def _entry_blocks(indptr: np.ndarray, block_entries: int):
    """``(row slice, entry slice, row of each entry)`` over consecutive rows, about ``block_entries`` entries each."""
    n = len(indptr) - 1
    step = max(1, int(block_entries))
    start = 0
    while start < n:
        stop = int(np.searchsorted(indptr, indptr[start] + step, side="right")) - 1
        stop = min(n, max(stop, start + 1))
        r = np.repeat(np.arange(start, stop), np.diff(indptr[start:stop + 1]))
        yield slice(start, stop), slice(int(indptr[start]), int(indptr[stop])), r
        start = stop


class _TopicCounts(Sequence):
    """The per-topic expected-count matrices, each built when indexed (position in ``topics``).

    Every matrix shares the sparsity structure (``indices``, ``indptr``) of the kept entries; only
    its values are new (one float64 per entry), computed a block of rows at a time.
    """

    def __init__(self, topics, theta, phi, row, col, indices, indptr, weight, shape, block_entries):
        self.topics = topics
        self._args = (theta, phi, row, col, indices, indptr, weight, shape, block_entries)

    def __len__(self) -> int:
        return len(self.topics)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        _, _, _, _, indices, indptr, weight, shape, block_entries = self._args
        values = np.empty(len(weight))
        for _, entries, r in _entry_blocks(indptr, block_entries):
            values[entries] = self._values(index, entries, r)
        return sp.csr_matrix((values, indices, indptr), shape=shape)

    def _values(self, index: int, entries: slice, r: np.ndarray) -> np.ndarray:
        """Topic ``topics[index]``'s expected counts of the entries ``entries`` (rows ``r``)."""
        theta, phi, row, col, indices, _, weight, _, _ = self._args
        j = self.topics[index] - 1
        return weight[entries] * theta[row[r], j].astype(np.float64) * phi[j, col[indices[entries]]]

    def store(self, index: int) -> "TopicStore":
        """Topic ``topics[index]``'s matrix as a count store read a block of rows at a time (never held whole)."""
        return TopicStore(self, index)


class TopicStore:
    """One topic's expected-count matrix as a count store (``shape``, ``iter_blocks``, ``to_csr``).

    Each block's values are computed when the block is read, entry by entry with the same
    arithmetic as :class:`_TopicCounts` indexing, so the blocks are exactly the rows of that
    matrix; memory is one block instead of one float64 per entry of the corpus.
    """

    def __init__(self, owned: _TopicCounts, index: int):
        self._owned, self._index = owned, index

    @property
    def shape(self) -> tuple[int, int]:
        """``(n_rows, n_terms)``."""
        return tuple(self._owned._args[7])

    def iter_blocks(self, block_rows: int | None = None):
        """Yield ``(first_row, csr block)`` for consecutive blocks of ``block_rows`` rows."""
        from textlab.store.memory import DEFAULT_BLOCK_ROWS

        indices, indptr, shape = self._owned._args[4], self._owned._args[5], self._owned._args[7]
        step = int(block_rows or DEFAULT_BLOCK_ROWS)
        for start in range(0, shape[0], step):
            stop = min(shape[0], start + step)
            lo, hi = int(indptr[start]), int(indptr[stop])
            r = np.repeat(np.arange(start, stop), np.diff(indptr[start:stop + 1]))
            values = self._owned._values(self._index, slice(lo, hi), r)
            yield start, sp.csr_matrix((values, indices[lo:hi], indptr[start:stop + 1] - lo),
                                       shape=(stop - start, shape[1]))

    def to_csr(self) -> sp.csr_matrix:
        """The whole matrix (as indexing the topic counts gives it)."""
        return self._owned[self._index]
