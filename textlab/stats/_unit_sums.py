"""Per-block partial sums for :func:`textlab.stats.units.count_units` (one process or Dask workers).

A store block (or a Dask shard) becomes a :class:`Partial`: integer sums per group, per
resampling unit of each partition, and the documents each term occurs in. Partials are
added with :func:`merge` in any grouping (sums of integers held exactly in float64), so
a tree reduction over shards gives the same numbers as one pass over the blocks.
A document whose rows straddle two blocks is kept aside (``pending``) until its rows
are together, so that "documents with the term" is exact whatever the block boundaries.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import scipy.sparse as sp

__all__ = ["RowPlan", "Partial", "count_block", "merge", "finish"]

_COMPACT_PARTS = 8  # sum a partition's part list once it holds this many matrices


@dataclass(frozen=True)
class RowPlan:
    """What every row belongs to: group, document, a unit of each partition; where each document starts and ends."""

    code: np.ndarray  # N group index (-1: not counted)
    doc_code: np.ndarray  # N document index (-1: not counted)
    doc_group: np.ndarray  # D
    doc_first: np.ndarray  # D first row of each document
    doc_last: np.ndarray  # D last row
    unit_of_row: dict  # partition name -> N unit index (-1: not counted)
    n_units: dict  # partition name -> U
    passage_rows: np.ndarray  # N bool: kept row by row (passage resampling)
    n_groups: int
    n_terms: int
    row0: int = 0  # the row of ``code[0]`` (not 0 in a :meth:`window`)
    doc0: int = 0  # the document of ``doc_first[0]`` (not 0 in a :meth:`window`)

    def window(self, first: int, n_rows: int) -> RowPlan:
        """The plan of rows ``first .. first + n_rows`` only (copies): what one shard's task needs.

        The per-row arrays are cut to those rows and the per-document ones to the documents
        they hold; :func:`count_block` gives the same partial sums of those rows with either plan.

        Examples
        --------
        >>> plan = RowPlan(np.zeros(4, int), np.array([0, 0, 1, 2]), np.zeros(3, int), np.array([0, 2, 3]),
        ...                np.array([1, 2, 3]), {}, {}, np.zeros(4, bool), 1, 5)
        >>> part = plan.window(2, 2)
        >>> part.doc_code.tolist(), part.doc_first.tolist(), part.row0, part.doc0
        ([1, 2], [2, 3], 2, 1)
        """
        rows = slice(first - self.row0, first - self.row0 + n_rows)
        docs = self.doc_code[rows]
        docs = docs[docs >= 0]
        lo, hi = (int(docs.min()), int(docs.max()) + 1) if len(docs) else (self.doc0, self.doc0)
        span = slice(lo - self.doc0, hi - self.doc0)
        return replace(self, code=self.code[rows].copy(), doc_code=self.doc_code[rows].copy(),
                       doc_group=self.doc_group[span].copy(), doc_first=self.doc_first[span].copy(),
                       doc_last=self.doc_last[span].copy(),
                       unit_of_row={k: v[rows].copy() for k, v in self.unit_of_row.items()},
                       passage_rows=self.passage_rows[rows].copy(), row0=int(first), doc0=lo)  # fmt: skip


@dataclass
class Partial:
    """Sums over some rows (see the module docstring)."""

    totals: np.ndarray
    presence: np.ndarray
    doc_presence: np.ndarray
    sets: dict = field(default_factory=dict)  # name -> list of (unit codes, CSR over those units) parts
    pending: list = field(default_factory=list)  # (doc codes, CSR over them)
    passages: list = field(default_factory=list)  # (rows, cols, data)


def _csr(rows: np.ndarray, cols: np.ndarray, data: np.ndarray, shape: tuple[int, int]) -> sp.csr_matrix:
    matrix = sp.csr_matrix((data, (rows, cols)), shape=shape)  # duplicates summed (exact for integer counts)
    matrix.sum_duplicates()
    matrix.eliminate_zeros()
    return matrix


def _compact(units: np.ndarray, cols: np.ndarray, data: np.ndarray, n_terms: int) -> tuple:
    """``(unit codes present, CSR over them)``: no empty rows for the units a block does not touch."""
    codes, local = np.unique(units, return_inverse=True)
    return codes, _csr(local, cols, data, (len(codes), n_terms))


def _sum_parts(parts: list, shape: tuple[int, int]) -> sp.csr_matrix:
    """The parts added into one ``U x V`` CSR (exact for integer counts)."""
    if not parts:
        return sp.csr_matrix(shape)
    coo = [(codes, m.tocoo()) for codes, m in parts]
    return _csr(np.concatenate([codes[c.row] for codes, c in coo]), np.concatenate([c.col for _, c in coo]),
                np.concatenate([c.data for _, c in coo]), shape)  # fmt: skip


def count_block(first: int, block, plan: RowPlan) -> Partial:
    """The partial sums of one block of rows starting at row ``first``."""
    n_groups, n_terms = plan.n_groups, plan.n_terms
    n_rows = block.shape[0]
    block = sp.csr_matrix(block, dtype=np.float64, copy=True)
    block.sum_duplicates()  # one entry per (row, term), so presence counts rows
    block = block.tocoo()
    rows = block.row.astype(np.int64) + first
    at = rows - plan.row0  # positions in the plan's per-row arrays (the plan may be a window)
    ok = (plan.code[at] >= 0) & (block.data != 0)
    rows, at, cols, data = rows[ok], at[ok], block.col[ok].astype(np.int64), block.data[ok]
    flat = plan.code[at] * n_terms + cols
    out = Partial(totals=np.bincount(flat, weights=data, minlength=n_groups * n_terms),
                  presence=np.bincount(flat, minlength=n_groups * n_terms).astype(float),
                  doc_presence=np.zeros(n_groups * n_terms))  # fmt: skip
    for name, unit_of_row in plan.unit_of_row.items():
        out.sets[name] = [_compact(unit_of_row[at], cols, data, n_terms)]
    codes, docs = _compact(plan.doc_code[at], cols, data, n_terms)
    whole = (plan.doc_first[codes - plan.doc0] >= first) & (plan.doc_last[codes - plan.doc0] < first + n_rows)
    _add_presence(out.doc_presence, codes[whole], docs[np.flatnonzero(whole)], plan)
    if not whole.all():
        out.pending.append((codes[~whole], docs[np.flatnonzero(~whole)]))
    if plan.passage_rows.any():
        sel = plan.passage_rows[at]
        out.passages.append((rows[sel], cols[sel], data[sel]))
    return out


def _add_presence(target: np.ndarray, codes: np.ndarray, docs: sp.csr_matrix, plan: RowPlan) -> None:
    coo = docs.tocoo()
    target += np.bincount(plan.doc_group[codes[coo.row] - plan.doc0] * plan.n_terms + coo.col,
                          minlength=plan.n_groups * plan.n_terms)  # fmt: skip


def merge(a: Partial, b: Partial) -> Partial:
    """``a + b`` (a new partial; parts lists kept in order and summed when they grow long)."""
    sets = {}
    for name, parts in a.sets.items():
        joined = parts + b.sets[name]
        if len(joined) >= _COMPACT_PARTS:
            summed = _sum_parts(joined, (int(max(c.max(initial=0) for c, _ in joined)) + 1, joined[0][1].shape[1]))
            used = np.flatnonzero(np.diff(summed.indptr))
            joined = [(used, summed[used])]
        sets[name] = joined
    return Partial(a.totals + b.totals, a.presence + b.presence, a.doc_presence + b.doc_presence, sets,
                   a.pending + b.pending, a.passages + b.passages)  # fmt: skip


def finish(total: Partial, plan: RowPlan) -> tuple[dict, np.ndarray]:
    """Each partition's ``U x V`` sums, and the ``G x V`` documents with each term (pending documents added)."""
    sets = {name: _sum_parts(parts, (plan.n_units[name], plan.n_terms)) for name, parts in total.sets.items()}
    doc_presence = total.doc_presence.copy()
    if total.pending:
        codes = np.concatenate([c for c, _ in total.pending])
        stacked = sp.vstack([m for _, m in total.pending], format="coo")
        uniq, local = np.unique(codes, return_inverse=True)
        docs = _csr(local[stacked.row], stacked.col, stacked.data, (len(uniq), plan.n_terms))
        _add_presence(doc_presence, uniq, docs, plan)
    return sets, doc_presence.reshape(plan.n_groups, plan.n_terms)
