"""Counts per resampling unit, read from a count store one block of rows at a time.

Keyness resamples documents (or, for a group with a single document, its passages).
:func:`count_units` reads a :class:`~textlab.data.CountStore` through
``store.iter_blocks()`` and sums, as the blocks stream past, the counts of every
document, every group, and the passages each term occurs in; only the passages of
groups that need passage resampling are kept row by row. Counts are integers, so the
sums are exact in float64 whatever the block boundaries: an on-disk store gives the
same numbers as an in-memory one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

__all__ = ["UnitCounts", "count_units"]


@dataclass(frozen=True)
class UnitCounts:
    """Counts of one set of groups, per group, per document and (where needed) per passage.

    Attributes
    ----------
    groups
        Group labels (the universe of the comparison), in the given order.
    group_counts
        ``G x V`` token counts per group.
    doc_counts
        ``D x V`` CSR counts per document (documents in order of first appearance).
    doc_group
        ``D`` group index of each document.
    passage_counts
        Group index -> CSR counts of its passages (row order), only for the groups asked for.
    n_passages
        ``G`` passages per group.
    passages_with_term
        ``G x V`` number of the group's passages in which each term occurs.
    """

    groups: list
    group_counts: np.ndarray
    doc_counts: sp.csr_matrix
    doc_group: np.ndarray
    passage_counts: dict
    n_passages: np.ndarray
    passages_with_term: np.ndarray

    def docs(self, g: int) -> np.ndarray:
        """Row indices in :attr:`doc_counts` of group ``g``'s documents."""
        return np.flatnonzero(self.doc_group == g)

    def units(self, g: int, unit: str) -> sp.csr_matrix:
        """Group ``g``'s units (``"document"`` or ``"passage"``) x terms."""
        return self.passage_counts[g] if unit == "passage" else self.doc_counts[self.docs(g)]

    def stack(self, group_list: Sequence, unit: str | Mapping, keep: np.ndarray):
        """Units of several groups stacked: ``(units x kept terms CSC, unit token totals, unit strata)``.

        ``unit`` is one unit for every group or a mapping group -> unit; the token totals
        are over the whole vocabulary (the log-odds denominators).
        """
        mats, strata = [], []
        for g in group_list:
            m = self.units(self.groups.index(g), unit[g] if isinstance(unit, Mapping) else unit)
            mats.append(m)
            strata.extend([g] * m.shape[0])
        stacked = sp.vstack(mats).tocsr()
        totals = np.asarray(stacked.sum(axis=1)).ravel()
        return stacked[:, keep].tocsc(), totals, np.asarray(strata, dtype=object)


def _to_csr(rows: np.ndarray, cols: np.ndarray, data: np.ndarray, shape: tuple[int, int]) -> sp.csr_matrix:
    matrix = sp.csr_matrix((data, (rows, cols)), shape=shape)  # duplicates summed (exact for integer counts)
    matrix.sum_duplicates()
    matrix.eliminate_zeros()
    return matrix


def _documents_of_block(doc_rows: np.ndarray, cols: np.ndarray, data: np.ndarray, n_terms: int):
    """The block's entries summed per document: (document codes, CSR over those documents)."""
    codes, local = np.unique(doc_rows, return_inverse=True)
    return codes, _to_csr(local, cols, data, (len(codes), n_terms))


def _assemble_documents(parts: list, n_docs: int, n_terms: int) -> sp.csr_matrix:
    """Stack per-block document sums; documents split across blocks are added up (exact for counts)."""
    if not parts:
        return sp.csr_matrix((n_docs, n_terms))
    codes = np.concatenate([c for c, _ in parts])
    stacked = sp.vstack([m for _, m in parts], format="csr")
    if len(codes) == n_docs and np.array_equal(codes, np.arange(n_docs)):
        return stacked
    placement = sp.csr_matrix((np.ones(len(codes)), (codes, np.arange(len(codes)))), shape=(n_docs, len(codes)))
    matrix = sp.csr_matrix(placement @ stacked)
    matrix.sum_duplicates()
    matrix.eliminate_zeros()
    matrix.sort_indices()
    return matrix


def _concat(parts: list) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    if not parts:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0)
    return tuple(np.concatenate(p) for p in zip(*parts))


def count_units(
    store,
    labels: Sequence,
    doc_keys: Sequence,
    groups: Sequence,
    *,
    passage_groups: Sequence[int] = (),
    block_rows: int | None = None,
) -> UnitCounts:
    """Sum a store's rows per group, per document and per passage of the groups asked for.

    Parameters
    ----------
    store
        Anything with ``shape`` and ``iter_blocks(block_rows) -> (first_row, csr)``.
    labels
        Group label of every row; rows whose label is not in ``groups`` are skipped.
    doc_keys
        Document key of every row (rows of one document share it).
    groups
        The groups to count, in output order.
    passage_groups
        Indices into ``groups`` whose passages are kept row by row (passage resampling).
    block_rows
        Rows per block (the store's default when ``None``).

    Examples
    --------
    >>> from textlab.store.memory import MemoryStore
    >>> store = MemoryStore(sp.csr_matrix(np.array([[1, 0], [2, 1], [0, 3]])))
    >>> u = count_units(store, ["x", "x", "y"], ["a", "a", "b"], ["x", "y"], passage_groups=[1])
    >>> u.group_counts.tolist(), u.doc_counts.toarray().tolist(), u.passages_with_term.tolist()
    ([[3.0, 1.0], [0.0, 3.0]], [[3.0, 1.0], [0.0, 3.0]], [[2.0, 1.0], [0.0, 1.0]])
    """
    groups = list(groups)
    n_rows, n_terms = store.shape
    lookup = {g: i for i, g in enumerate(groups)}
    code = np.array([lookup.get(v, -1) if v is not None else -1 for v in np.asarray(labels, dtype=object)],
                    dtype=np.int64)  # fmt: skip
    if len(code) != n_rows:
        raise ValueError(f"{len(code)} labels for a store of {n_rows} rows")
    inside = code >= 0
    doc_code = np.full(n_rows, -1, dtype=np.int64)
    doc_code[inside], doc_index = pd.factorize(pd.Series(np.asarray(doc_keys, dtype=object)[inside]), sort=False)
    n_docs, n_groups = len(doc_index), len(groups)
    doc_group = np.zeros(n_docs, dtype=np.int64)
    doc_group[doc_code[inside]] = code[inside]
    keep_rows = np.isin(code, list(passage_groups))
    totals = np.zeros(n_groups * n_terms)
    presence = np.zeros(n_groups * n_terms)
    doc_parts, passage_parts = [], []
    for first, block in store.iter_blocks(block_rows):
        block = sp.csr_matrix(block, dtype=np.float64, copy=True)
        block.sum_duplicates()  # one entry per (row, term), so presence counts rows
        block = block.tocoo()
        rows = block.row.astype(np.int64) + first
        ok = inside[rows] & (block.data != 0)
        rows, cols, data = rows[ok], block.col[ok].astype(np.int64), block.data[ok]
        flat = code[rows] * n_terms + cols
        totals += np.bincount(flat, weights=data, minlength=n_groups * n_terms)
        presence += np.bincount(flat, minlength=n_groups * n_terms)
        doc_parts.append(_documents_of_block(doc_code[rows], cols, data, n_terms))
        if keep_rows.any():
            sel = keep_rows[rows]
            passage_parts.append((rows[sel], cols[sel], data[sel]))
    doc_counts = _assemble_documents(doc_parts, n_docs, n_terms)
    prow, pcol, pdata = _concat(passage_parts)
    passage_counts = {}
    for g in passage_groups:
        members = np.flatnonzero(code == g)
        position = np.full(n_rows, -1, dtype=np.int64)
        position[members] = np.arange(len(members))
        sel = code[prow] == g
        passage_counts[g] = _to_csr(position[prow[sel]], pcol[sel], pdata[sel], (len(members), n_terms))
    return UnitCounts(
        groups=groups, group_counts=totals.reshape(n_groups, n_terms), doc_counts=doc_counts, doc_group=doc_group,
        passage_counts=passage_counts, n_passages=np.bincount(code[inside], minlength=n_groups),
        passages_with_term=presence.reshape(n_groups, n_terms),
    )  # fmt: skip
