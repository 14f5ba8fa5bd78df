"""Per-group sums of an on-disk store computed on the Dask workers, shard by shard, then a tree reduction.

:func:`sum_rows_on_cluster` gives exactly :func:`textlab.store.aggregate.sum_rows` of a
:class:`~textlab.store.disk.DiskStore` (integer sums: the order of additions cannot change them);
:func:`count_units_on_cluster` does the same for the per-group, per-unit (document or random
block of documents) and per-document-presence sums of :func:`textlab.stats.count_units`.
Each worker reads its counts shard from the store's folder, so on a cluster that folder
(``[compute] cache_dir``) must be on storage every node sees.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp

__all__ = ["sum_rows_on_cluster", "count_units_on_cluster"]


def _shard_sum(store: Any, index: int, codes: np.ndarray, n_groups: int) -> sp.csr_matrix:
    from textlab.store.aggregate import _compact, _indicator

    block = store._read(index)  # noqa: SLF001 - the store's own shard reader
    return _compact(_indicator(codes, n_groups, 0, block.shape[0]) @ block, [], n_groups, block.shape[1])


def _add(a: sp.csr_matrix, b: sp.csr_matrix) -> sp.csr_matrix:
    total = sp.csr_matrix(a + b, dtype=np.int64)
    total.sum_duplicates()
    total.sort_indices()
    return total


def sum_rows_on_cluster(client: Any, store: Any, codes: np.ndarray, n_groups: int) -> sp.csr_matrix:
    """``n_groups x n_terms`` int64 sums of a disk store's rows by ``codes``: one task per shard, summed in a tree.

    Examples
    --------
    >>> sums = sum_rows_on_cluster(client, data.store, codes, n_groups)  # doctest: +SKIP
    """
    from textlab.compute.dask import tree_reduce

    if not store.shards:
        return sp.csr_matrix((n_groups, store.shape[1]), dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(store.lengths)])
    [shared] = client.scatter([store], broadcast=True, hash=False)
    futures = [client.submit(_shard_sum, shared, i, np.asarray(codes[starts[i]:starts[i + 1]]), n_groups,
                             pure=False) for i in range(len(store.shards))]
    try:
        return tree_reduce(client, futures, _add)
    finally:
        shared.release()


def _shard_units(store: Any, index: int, first: int, plan: Any) -> Any:
    from textlab.stats._unit_sums import count_block

    return count_block(first, store._read(index), plan)  # noqa: SLF001 - the store's own shard reader


def _merge(a: Any, b: Any) -> Any:
    from textlab.stats._unit_sums import merge

    return merge(a, b)


def count_units_on_cluster(client: Any, store: Any, plan: Any) -> Any:
    """The :class:`~textlab.stats._unit_sums.Partial` sums of every shard of a disk store, one task per shard.

    ``plan`` (a :class:`~textlab.stats._unit_sums.RowPlan`: group, document and unit of every
    row) is sent to every worker once; partial sums are merged in a tree in shard order.
    Counts are integers, so the result equals one pass over the store on this process.

    Examples
    --------
    >>> total = count_units_on_cluster(client, data.store, plan)  # doctest: +SKIP
    """
    from textlab.compute.dask import tree_reduce
    from textlab.stats._unit_sums import count_block

    if not store.shards:
        import scipy.sparse as sp

        return count_block(0, sp.csr_matrix((0, store.shape[1])), plan)
    starts = np.concatenate([[0], np.cumsum(store.lengths)])
    shared_store, shared_plan = client.scatter([store, plan], broadcast=True, hash=False)
    futures = [client.submit(_shard_units, shared_store, i, int(starts[i]), shared_plan, pure=False)
               for i in range(len(store.shards))]
    try:
        return tree_reduce(client, futures, _merge)
    finally:
        shared_store.release()
        shared_plan.release()
