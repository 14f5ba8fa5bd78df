"""Per-group sums of an on-disk store computed on the Dask workers, shard by shard, added up here in shard order.

:func:`sum_rows_on_cluster` gives exactly :func:`textlab.store.aggregate.sum_rows` of a
:class:`~textlab.store.disk.DiskStore` (integer sums: the order of additions cannot change them);
:func:`count_units_on_cluster` does the same for the per-group, per-unit (document or random
block of documents) and per-document-presence sums of :func:`textlab.stats.count_units`.
Each worker reads its counts shard from the store's folder, so on a cluster that folder
(``[compute] cache_dir``) must be on storage every node sees.

Memory on a worker is bounded by one shard, not by the corpus: a task gets the shard's index and
the shard's slice of the row codes (or of the :class:`~textlab.stats._unit_sums.RowPlan`), returns
the sums of the groups (units) that shard touches only, and at most
:func:`~textlab.compute.dask.map_ordered`'s ``in_flight`` tasks are on the cluster at a time. The
partial sums are added in this process as they arrive, the way the one-process path adds its
blocks, so nothing of the size of the whole result (a documents x terms matrix for per-document
sums) is ever built, kept or combined on a worker.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from textlab._memory import release_memory

__all__ = ["sum_rows_on_cluster", "count_units_on_cluster", "shard_group_sums"]


def shard_group_sums(block: sp.csr_matrix, codes: np.ndarray) -> tuple[np.ndarray, sp.csr_matrix]:
    """``(groups present, their sums)``: a shard's rows summed by ``codes``, one row per group the shard touches.

    Examples
    --------
    >>> present, sums = shard_group_sums(sp.csr_matrix([[1, 0], [2, 1], [0, 3]]), np.array([7, 7, 2]))
    >>> present.tolist(), sums.toarray().tolist()
    ([2, 7], [[0, 3], [3, 1]])
    """
    from textlab.store.aggregate import _indicator

    present, local = np.unique(np.asarray(codes, dtype=np.int64), return_inverse=True)
    sums = sp.csr_matrix(_indicator(local.ravel(), len(present)) @ sp.csr_matrix(block, dtype=np.int64), dtype=np.int64)
    sums.sum_duplicates()  # canonical rows: they can be copied into the total as they are
    return present, sums


@dataclass(frozen=True)
class _ShardSum:
    """Task ``(shard index, its rows' codes) -> (groups present, their sums)``."""

    store: Any  # DiskStore: folder, shard names, lengths (small)

    def __call__(self, item: tuple[int, np.ndarray]) -> tuple[np.ndarray, sp.csr_matrix]:
        index, codes = item
        return shard_group_sums(self.store._read(index), codes)  # noqa: SLF001 - the store's own shard reader


def _starts(store: Any) -> np.ndarray:
    return np.concatenate([[0], np.cumsum(store.lengths)]).astype(np.int64)


def _one_shard_groups(codes: np.ndarray, starts: np.ndarray, n_groups: int) -> np.ndarray:
    """Whether each group's rows all lie in one shard (then that shard's row of sums is the group's total)."""
    shards = np.zeros(n_groups, dtype=np.int64)
    for i in range(len(starts) - 1):
        shards[np.unique(codes[starts[i]:starts[i + 1]])] += 1
    return shards == 1


def _place(pieces: list[tuple[np.ndarray, sp.csr_matrix]], n_groups: int, n_terms: int) -> sp.csr_matrix:
    """One ``n_groups x n_terms`` CSR from canonical rows of distinct groups, each piece freed once copied."""
    lengths = np.zeros(n_groups, dtype=np.int64)
    for groups, rows in pieces:
        lengths[groups] = np.diff(rows.indptr)
    indptr = np.concatenate([[0], np.cumsum(lengths)])
    index = np.int32 if max(int(indptr[-1]), n_groups, n_terms) < np.iinfo(np.int32).max else np.int64
    indices, data = np.empty(int(indptr[-1]), dtype=index), np.empty(int(indptr[-1]), dtype=np.int64)
    while pieces:
        groups, rows = pieces.pop(0)
        to = np.repeat(indptr[groups] - rows.indptr[:-1], np.diff(rows.indptr)) + np.arange(rows.nnz)
        indices[to], data[to] = rows.indices, rows.data
    return sp.csr_matrix((data, indices, indptr.astype(index)), shape=(n_groups, n_terms))


def sum_rows_on_cluster(client: Any, store: Any, codes: np.ndarray, n_groups: int) -> sp.csr_matrix:
    """``n_groups x n_terms`` int64 sums of a disk store's rows by ``codes``: one task per shard, added here.

    Each task returns only the groups its shard touches. A group whose rows all lie in one shard
    (most documents, for per-document sums) gets that shard's row as it is; the groups shared by
    several shards are added up as :func:`textlab.store.aggregate.sum_rows` adds its blocks.
    The rows are then copied into one CSR matrix, so this process holds about the result and a
    worker one shard. Integer sums: equal to one process, entry for entry.

    Examples
    --------
    >>> sums = sum_rows_on_cluster(client, data.store, codes, n_groups)  # doctest: +SKIP
    """
    from textlab.compute.dask import map_ordered
    from textlab.store.aggregate import _compact

    n_terms = store.shape[1]
    starts = _starts(store)
    alone = _one_shard_groups(codes, starts, n_groups)
    shared = sp.csr_matrix((n_groups, n_terms), dtype=np.int64)
    pieces, pending, n_pending = [], [], 0
    items = ((i, (i, np.asarray(codes[starts[i]:starts[i + 1]]))) for i in range(len(store.shards)))
    for _, (present, part) in map_ordered(client, _ShardSum(store), items, items_per_task=1):
        own = alone[present]
        pieces.append((present[own], part[np.flatnonzero(own)]))
        coo = part[np.flatnonzero(~own)].tocoo()
        pending.append(sp.coo_matrix((coo.data, (present[~own][coo.row], coo.col)), shape=(n_groups, n_terms)))
        n_pending += coo.nnz
        if n_pending > max(shared.nnz, 1_000_000):
            shared = _compact(shared, pending, n_groups, n_terms)
            pending, n_pending = [], 0
    shared = _compact(shared, pending, n_groups, n_terms)
    rows = np.flatnonzero(~alone)
    pieces.append((rows, shared[rows]))
    total = _place(pieces, n_groups, n_terms)
    release_memory()  # the pieces' pages (about the size of the result) back to the system
    return total


@dataclass(frozen=True)
class _ShardUnits:
    """Task ``(shard index, first row, the plan's window over the shard) -> Partial``."""

    store: Any  # DiskStore

    def __call__(self, item: tuple[int, int, Any]) -> Any:
        from textlab.stats._unit_sums import count_block

        index, first, plan = item
        return count_block(first, self.store._read(index), plan)  # noqa: SLF001 - the store's own shard reader


def count_units_on_cluster(client: Any, store: Any, plan: Any) -> Any:
    """The :class:`~textlab.stats._unit_sums.Partial` sums of every shard of a disk store, one task per shard.

    Each task gets the shard's window of ``plan`` (a :class:`~textlab.stats._unit_sums.RowPlan`:
    group, document and unit of the shard's rows, first and last row of its documents), not the
    whole plan; the partial sums are merged here in shard order as they arrive, as the
    one-process path merges its blocks. Counts are integers, so the result equals one pass over
    the store on this process.

    Examples
    --------
    >>> total = count_units_on_cluster(client, data.store, plan)  # doctest: +SKIP
    """
    from textlab.compute.dask import map_ordered
    from textlab.stats._unit_sums import count_block, merge

    if not store.shards:
        return count_block(0, sp.csr_matrix((0, store.shape[1])), plan)
    starts = _starts(store)
    items = ((i, (i, int(starts[i]), plan.window(int(starts[i]), int(store.lengths[i]))))
             for i in range(len(store.shards)))
    total = None
    for _, part in map_ordered(client, _ShardUnits(store), items, items_per_task=1):
        total = part if total is None else merge(total, part)
    return total
