"""Sum counts per document or group, whichever store holds them (one public function).

As scanpy's ``get/_aggregated.py`` registers one ``aggregate`` for NumPy and Dask arrays,
:func:`aggregate` is the public entry point and the row sums dispatch on the store type
(:func:`functools.singledispatch`): a :class:`~textlab.store.memory.MemoryStore` multiplies
one sparse indicator by its matrix; any other store (a
:class:`~textlab.store.disk.DiskStore`, later a cluster store) is streamed block by block,
holding one block and the summed rows.  Both give identical int64 sums.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from textlab._errors import ConfigError
from textlab.data import TextData
from textlab.store.memory import MemoryStore

__all__ = ["aggregate", "sum_rows"]

#: Row-table columns that describe one row's text, never carried to an aggregate.
_ROW_ONLY = ("passage_id", "position", "text", "n_words", "n_rows", "n_passages", "n_docs")


def _indicator(codes: np.ndarray, n_groups: int, first: int = 0, n: int | None = None) -> sp.csr_matrix:
    """``n_groups x n`` 0/1 matrix putting rows ``first .. first + n`` in their group."""
    part = codes[first:first + (len(codes) if n is None else n)]
    return sp.csr_matrix((np.ones(len(part), dtype=np.int64), (part, np.arange(len(part)))),
                         shape=(n_groups, len(part)))


@functools.singledispatch
def sum_rows(store: Any, codes: np.ndarray, n_groups: int) -> sp.csr_matrix:
    """Sum the rows of ``store`` with the same code: an ``n_groups x n_terms`` int64 CSR matrix.

    The generic version streams ``store.iter_blocks()``; summed blocks are collected as
    coordinates and compacted when they outgrow the running total, so memory stays near
    the size of the result plus one block.

    Examples
    --------
    >>> store = MemoryStore(sp.csr_matrix([[1, 0], [2, 1], [0, 3]]))
    >>> sum_rows(store, np.array([0, 0, 1]), 2).toarray().tolist()
    [[3, 1], [0, 3]]
    """
    from textlab.compute import active_client

    if active_client() is not None and getattr(store, "kind", None) == "disk":  # one task per shard on the cluster
        from textlab.compute.aggregate import sum_rows_on_cluster

        return sum_rows_on_cluster(active_client(), store, codes, n_groups)
    n_terms = store.shape[1]
    total = sp.csr_matrix((n_groups, n_terms), dtype=np.int64)
    pending: list[sp.coo_matrix] = []
    n_pending = 0
    for first, block in store.iter_blocks():
        part = (_indicator(codes, n_groups, first, block.shape[0]) @ sp.csr_matrix(block, dtype=np.int64)).tocoo()
        pending.append(part)
        n_pending += part.nnz
        if n_pending > max(total.nnz, 1_000_000):
            total = _compact(total, pending, n_groups, n_terms)
            pending, n_pending = [], 0
    return _compact(total, pending, n_groups, n_terms)


def _compact(total: sp.csr_matrix, parts: list[sp.coo_matrix], n_groups: int, n_terms: int) -> sp.csr_matrix:
    if parts:
        rows = np.concatenate([p.row for p in parts])
        cols = np.concatenate([p.col for p in parts])
        data = np.concatenate([p.data for p in parts]).astype(np.int64)
        total = total + sp.csr_matrix((data, (rows, cols)), shape=(n_groups, n_terms), dtype=np.int64)
    total = sp.csr_matrix(total, dtype=np.int64)
    total.sum_duplicates()
    total.sort_indices()
    return total


@sum_rows.register
def _(store: MemoryStore, codes: np.ndarray, n_groups: int) -> sp.csr_matrix:
    return _compact(_indicator(codes, n_groups) @ sp.csr_matrix(store.matrix, dtype=np.int64), [], n_groups,
                    store.shape[1])


def _row_table(rows: pd.DataFrame, by: str, codes: np.ndarray, groups: pd.Index, unit: str) -> pd.DataFrame:
    """One row per group: ``by``, ``n_rows`` (and ``n_passages``/``n_docs``), constant metadata."""
    table = pd.DataFrame({by: groups})
    table["n_rows"] = np.bincount(codes, minlength=len(groups)).astype(np.int64)
    if unit == "passage":
        table["n_passages"] = table["n_rows"]
    grouped = rows.groupby(codes, sort=True)  # codes 0..G-1 are the groups in order
    if "doc_id" in rows.columns and by != "doc_id":
        table["n_docs"] = grouped["doc_id"].nunique().to_numpy().astype(np.int64)
    others = [c for c in rows.columns if c != by and c not in _ROW_ONLY]
    if others:
        constant = grouped[others].nunique(dropna=False).eq(1).all(axis=0)
        for column in others:
            if bool(constant[column]):
                table[column] = grouped[column].first().to_numpy()
    return table


def aggregate(data: TextData, by: str) -> TextData:
    """Sum the counts of ``data`` per value of a row column (documents, groups ...).

    Parameters
    ----------
    data
        Counts per passage (or document); any store.
    by
        Column of ``data.rows`` (``"doc_id"``, ``"outlet"`` ...).  Missing values are an error.

    Returns
    -------
    TextData
        One row per value of ``by`` (order of first appearance), in a ``MemoryStore``;
        ``unit`` is ``"document"`` for ``by="doc_id"``, else ``"group"``.  ``rows`` has
        ``by``, ``n_rows`` (rows summed), ``n_passages`` (when the rows were passages),
        ``n_docs`` (when they have a ``doc_id``) and every other column constant within each
        group.  ``terms`` are unchanged; ``tokens`` is ``None``; ``params`` gains ``aggregated_by``.

    Examples
    --------
    >>> data = TextData(rows=pd.DataFrame({"doc_id": ["d1", "d1", "d2"], "group": ["x", "x", "y"]}),
    ...                 terms=pd.DataFrame({"term": ["a", "b"], "label": ["a", "b"]}),
    ...                 store=MemoryStore(sp.csr_matrix([[1, 0], [2, 1], [0, 3]])))
    >>> by_group = aggregate(data, "group")
    >>> by_group.counts.toarray().tolist(), by_group.rows["n_docs"].tolist(), by_group.unit
    ([[3, 1], [0, 3]], [1, 1], 'group')
    """
    rows = data.rows.reset_index(drop=True)
    if not isinstance(by, str) or by not in rows.columns:
        raise ConfigError(f"by={by!r} is not a column of the rows; available: {[str(c) for c in rows.columns]}")
    codes, groups = pd.factorize(rows[by], sort=False)
    if (codes < 0).any():
        raise ConfigError(f"by={by!r}: {int((codes < 0).sum())} rows have no value; fill or drop them first")
    counts = sum_rows(data.store, codes, len(groups))
    table = _row_table(rows, by, codes, pd.Index(groups), data.unit)
    unit = "document" if by == "doc_id" else "group"
    params = {**data.params, "aggregated_by": by, "n_rows": int(counts.shape[0]), "unit": unit}
    return TextData(rows=table, terms=data.terms, store=MemoryStore(counts), tokens=None, unit=unit, params=params)
