"""Counts per resampling unit, read from a count store one block of rows at a time.

Keyness resamples documents (or, for a group with a single document, its passages).
:func:`count_units` reads a :class:`~textlab.data.CountStore` through
``store.iter_blocks()`` and sums, as the blocks stream past, the counts of every
document, every group, and the passages each term occurs in; only the passages of
groups that need passage resampling are kept row by row. Counts are integers, so the
sums are exact in float64 whatever the block boundaries: an on-disk store gives the
same numbers as an in-memory one.

With ``max_units`` and a group above that many documents, the documents are not kept
one by one: they are summed into random blocks (:mod:`textlab.stats.blocks`), one
partition for the bootstrap and one for the permutation test, and the number of
documents each term occurs in is counted as the blocks stream. With a Dask cluster
active (:func:`textlab.compute.use_compute`) and an on-disk store, each shard is
counted on a worker and the integer sums are added here in shard order
(:func:`textlab.compute.aggregate.count_units_on_cluster`): the same numbers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

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
    unit_sets
        ``"bootstrap"`` / ``"permutation"`` -> ``(units x V CSR, unit group index)`` when the
        documents were summed into random blocks (``doc_counts`` is then ``None``).
    docs_with_term
        ``G x V`` number of the group's documents in which each term occurs (when blocked).
    n_docs
        ``G`` documents per group.
    blocks
        How the blocks were made (sizes, ``max_units``, the seed), empty when not blocked.
    """

    groups: list
    group_counts: np.ndarray
    doc_counts: sp.csr_matrix
    doc_group: np.ndarray
    passage_counts: dict
    n_passages: np.ndarray
    passages_with_term: np.ndarray
    unit_sets: dict = field(default_factory=dict)
    docs_with_term: np.ndarray | None = None
    n_docs: np.ndarray | None = None
    blocks: dict = field(default_factory=dict)

    def docs(self, g: int) -> np.ndarray:
        """Row indices in :attr:`doc_counts` of group ``g``'s documents."""
        return np.flatnonzero(self.doc_group == g)

    def unit_kind(self, purpose: str) -> str:
        """``"document_block"`` if ``purpose``'s document units are random blocks, else ``"document"``."""
        return self.blocks.get(purpose, {}).get("kind", "document")

    def units(self, g: int, unit: str, purpose: str = "bootstrap") -> sp.csr_matrix:
        """Group ``g``'s units (``"document"`` or ``"passage"``) x terms; blocks of documents when blocked."""
        if unit == "passage":
            return self.passage_counts[g]
        if purpose in self.unit_sets:
            matrix, unit_group = self.unit_sets[purpose]
            return matrix[np.flatnonzero(unit_group == g)]
        return self.doc_counts[self.docs(g)]

    def resamples_blocks(self, sides: Sequence, units: Mapping, perm_unit: str, *, bootstrap: bool,
                         permutation: bool) -> bool:  # fmt: skip
        """Whether a comparison of ``sides`` resamples random blocks of documents (bootstrap or permutation)."""
        if not self.blocks:
            return False
        n_units = dict(zip(self.groups, self.blocks["bootstrap"]["n_units"]))
        boot = bootstrap and any(units[h] == "document" and n_units[h] < self.n_docs[self.groups.index(h)]
                                 for h in sides)  # fmt: skip
        perm = permutation and perm_unit == "document" and self.unit_kind("permutation") == "document_block"
        return bool(boot or perm)

    def document_presence(self, g: int, keep: np.ndarray) -> tuple[np.ndarray, int]:
        """In how many of group ``g``'s documents each kept term occurs, and its number of documents."""
        if self.docs_with_term is not None:
            return self.docs_with_term[g, keep], int(self.n_docs[g])
        docs = self.docs(g)
        return np.asarray((self.doc_counts[docs][:, keep] > 0).sum(axis=0)).ravel(), len(docs)

    def stack(self, group_list: Sequence, unit: str | Mapping, keep: np.ndarray, purpose: str = "bootstrap"):
        """Units of several groups stacked: ``(units x kept terms CSC, unit token totals, unit strata)``.

        ``unit`` is one unit for every group or a mapping group -> unit; the token totals
        are over the whole vocabulary (the log-odds denominators). ``purpose``
        (``"bootstrap"`` or ``"permutation"``) picks the block partition when blocked.
        """
        mats, strata = [], []
        for g in group_list:
            m = self.units(self.groups.index(g), unit[g] if isinstance(unit, Mapping) else unit, purpose)
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
    max_units: int | None = None,
    random_state: int = 0,
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
    max_units
        Above this many documents in a group, documents are summed into random blocks
        (:mod:`textlab.stats.blocks`): ``unit_sets`` holds the bootstrap and permutation
        partitions and ``doc_counts`` is ``None``. ``None`` (default): documents always.
    random_state
        Seed of the block assignment.

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
    blocked = max_units is not None and n_docs > 0 and np.bincount(doc_group, minlength=n_groups).max() > max_units
    client = _cluster_client(store)
    if blocked or client is not None:
        plan = _plan(code, doc_code, doc_group, doc_index, keep_rows, (n_groups, n_terms),
                     max_units if blocked else None, random_state)  # fmt: skip
        return _count_planned(store, plan, groups, passage_groups, block_rows, client)
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


def _cluster_client(store):
    """The active Dask client when the store's shards can be read on workers, else ``None``."""
    from textlab.compute import active_client

    client = active_client()
    return client if client is not None and hasattr(store, "_read") and hasattr(store, "shards") else None


def _plan(code, doc_code, doc_group, doc_index, keep_rows, shape, max_units, random_state):
    """The :class:`~textlab.stats._unit_sums.RowPlan`: documents, or two random block partitions."""
    from textlab.stats._unit_sums import RowPlan
    from textlab.stats.blocks import bootstrap_blocks, document_ranks, permutation_blocks

    n_groups, n_terms = shape
    inside = doc_code >= 0
    rows = np.flatnonzero(inside)
    n_docs = len(doc_index)
    doc_first = np.zeros(n_docs, dtype=np.int64)
    doc_last = np.zeros(n_docs, dtype=np.int64)
    doc_first[doc_code[rows][::-1]] = rows[::-1]  # the last write wins: the first row
    doc_last[doc_code[rows]] = rows
    partitions, info = {}, {}
    if max_units is None:
        partitions["document"] = np.arange(n_docs, dtype=np.int64)
        sizes = {"document": n_docs}
    else:
        ranks = document_ranks(np.asarray(doc_index, dtype=object), doc_group, n_groups, random_state=random_state)
        sizes = {}
        for name, make in (("bootstrap", bootstrap_blocks), ("permutation", permutation_blocks)):
            part = make(ranks, doc_group, n_groups, max_units=max_units)
            partitions[name], sizes[name] = part.unit_of_doc, part.n_units
            info[name] = {"kind": part.kind, **part.info, "max_units": int(max_units),
                          "random_state": int(random_state)}  # fmt: skip
    unit_of_row = {}
    for name, unit_of_doc in partitions.items():
        column = np.full(len(code), -1, dtype=np.int64)
        column[rows] = unit_of_doc[doc_code[rows]]
        unit_of_row[name] = column
    plan = RowPlan(code=code, doc_code=doc_code, doc_group=doc_group, doc_first=doc_first, doc_last=doc_last,
                   unit_of_row=unit_of_row, n_units=sizes, passage_rows=keep_rows, n_groups=n_groups,
                   n_terms=n_terms)  # fmt: skip
    return plan, info


def _count_planned(store, planned, groups, passage_groups, block_rows, client) -> UnitCounts:
    """Count by the plan: the store's blocks on this process, or its shards on the Dask workers."""
    from textlab.stats._unit_sums import count_block, finish, merge

    plan, info = planned
    n_groups, n_terms = len(groups), plan.n_terms
    if client is not None:
        from textlab.compute.aggregate import count_units_on_cluster

        total = count_units_on_cluster(client, store, plan)
    else:
        total = None
        for first, block in store.iter_blocks(block_rows):
            part = count_block(first, block, plan)
            total = part if total is None else merge(total, part)
        if total is None:
            total = count_block(0, sp.csr_matrix((0, n_terms)), plan)
    sets, docs_with_term = finish(total, plan)
    prow, pcol, pdata = _concat(total.passages)
    passage_counts = {}
    n_rows = len(plan.code)
    for g in passage_groups:
        members = np.flatnonzero(plan.code == g)
        position = np.full(n_rows, -1, dtype=np.int64)
        position[members] = np.arange(len(members))
        sel = plan.code[prow] == g
        passage_counts[g] = _to_csr(position[prow[sel]], pcol[sel], pdata[sel], (len(members), n_terms))
    inside = plan.code >= 0
    doc_counts = sets.pop("document", None)
    unit_sets = {name: (matrix, np.repeat(np.arange(n_groups), info[name]["n_units"]))
                 for name, matrix in sets.items()}  # fmt: skip
    return UnitCounts(
        groups=list(groups), group_counts=total.totals.reshape(n_groups, n_terms), doc_counts=doc_counts,
        doc_group=plan.doc_group, passage_counts=passage_counts,
        n_passages=np.bincount(plan.code[inside], minlength=n_groups),
        passages_with_term=total.presence.reshape(n_groups, n_terms), unit_sets=unit_sets,
        docs_with_term=docs_with_term, n_docs=np.bincount(plan.doc_group, minlength=n_groups), blocks=info,
    )  # fmt: skip
