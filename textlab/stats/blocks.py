"""Random blocks of documents as resampling units for groups with very many documents.

A bootstrap or permutation over a million documents costs a (documents x terms)
product per replicate. Above ``max_units`` documents in a group, its documents are
assigned *at random* to blocks and the block sums become the units (the method of
"random groups" / batch means in survey sampling and simulation output analysis):

* **bootstrap** (:func:`bootstrap_blocks`): each group with more than ``max_units``
  documents gets ``max_units`` blocks of near-equal size (sizes differ by at most one
  document). Block sums of a random partition are exchangeable within the group, so
  resampling ``k`` block sums with replacement estimates the variance of the group
  total as resampling its documents does (up to the usual ``(k - 1) / k`` bootstrap
  factor, 0.999 at ``k = 1000``).
* **permutation** (:func:`permutation_blocks`): every group of a comparison is cut
  into blocks of one common size ``s`` (the largest group gets ``max_units`` blocks;
  each group's last block holds the remainder). Under the null hypothesis that the
  group labels are exchangeable over documents, blocks of ``s`` documents drawn at
  random within groups are exchangeable across groups, so permuting block labels is a
  valid test; blocks of different sizes on the two sides would not be (a side of small
  blocks would get a permutation distribution of too little spread).

The assignment is a seeded hash of each document's key (:func:`document_ranks`): it
depends on ``random_state`` and the keys only, not on row order, shards or store
blocks, so a disk store, a memory store and a Dask cluster give the same blocks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from textlab._errors import bad_value

__all__ = ["MAX_UNITS", "UnitPartition", "bootstrap_blocks", "document_ranks", "permutation_blocks",
           "check_max_units"]

#: Default most resampling units per group (documents above it are grouped in random blocks).
MAX_UNITS = 1000


def check_max_units(max_units: int | None) -> None:
    """Refuse ``max_units`` other than ``None`` or an integer >= 2.

    Examples
    --------
    >>> check_max_units(1000)
    """
    if max_units is None:
        return
    if isinstance(max_units, bool) or not isinstance(max_units, (int, np.integer)) or max_units < 2:
        raise bad_value("max_units", max_units, "an integer >= 2 (most resampling units per group), or None")


@dataclass(frozen=True)
class UnitPartition:
    """Documents assigned to resampling units (documents themselves, or random blocks of them).

    Attributes
    ----------
    unit_of_doc
        ``D`` unit index of each document (units numbered group by group).
    unit_group
        ``U`` group index of each unit (non-decreasing).
    kind
        ``"document"`` (every unit one document) or ``"document_block"``.
    info
        What was done: ``block_size`` (permutation), per group ``n_units`` and unit sizes.
    """

    unit_of_doc: np.ndarray
    unit_group: np.ndarray
    kind: str
    info: dict

    @property
    def n_units(self) -> int:
        """Number of units."""
        return len(self.unit_group)


def _hash_key(random_state: int) -> str:
    """16 characters derived from the seed (pandas' SipHash key)."""
    digits = np.random.default_rng([int(random_state), 0xB10C]).integers(0, 16, size=16)
    return "".join("0123456789abcdef"[d] for d in digits)


def document_ranks(doc_keys: Sequence, doc_group: np.ndarray, n_groups: int, *, random_state: int = 0) -> np.ndarray:
    """Each document's rank within its group in a seeded random order (a keyed hash of its key).

    The order depends on ``random_state`` and the keys only, not on the order of the
    documents (ties, which need a 64-bit hash collision, keep the given order).

    Examples
    --------
    >>> r = document_ranks(["a", "b", "c", "d"], np.array([0, 0, 1, 1]), 2, random_state=0)
    >>> sorted(r[:2].tolist()), sorted(r[2:].tolist())
    ([0, 1], [0, 1])
    >>> r2 = document_ranks(["d", "c", "b", "a"], np.array([1, 1, 0, 0]), 2, random_state=0)
    >>> r2[::-1].tolist() == r.tolist()
    True
    """
    doc_group = np.asarray(doc_group, dtype=np.int64)
    hashed = pd.util.hash_pandas_object(pd.Series(np.asarray(doc_keys, dtype=object)).astype(str), index=False,
                                        hash_key=_hash_key(random_state)).to_numpy()  # fmt: skip
    order = np.lexsort((hashed, doc_group))  # by group, then by hash (stable: ties keep document order)
    starts = np.concatenate([[0], np.cumsum(np.bincount(doc_group, minlength=n_groups))[:-1]])
    ranks = np.empty(len(doc_group), dtype=np.int64)
    ranks[order] = np.arange(len(order)) - starts[doc_group[order]]
    return ranks


def _partition(unit_in_group: np.ndarray, doc_group: np.ndarray, units_per_group: np.ndarray, kind: str,
               info: dict) -> UnitPartition:  # fmt: skip
    offsets = np.concatenate([[0], np.cumsum(units_per_group)[:-1]])
    unit_group = np.repeat(np.arange(len(units_per_group)), units_per_group)
    unit_of_doc = offsets[doc_group] + unit_in_group
    sizes = np.bincount(unit_of_doc, minlength=len(unit_group))
    per_group = [sizes[unit_group == g] for g in range(len(units_per_group))]
    info = {**info, "n_units": units_per_group.astype(int).tolist(),
            "unit_size_min": [int(s.min()) if len(s) else 0 for s in per_group],
            "unit_size_max": [int(s.max()) if len(s) else 0 for s in per_group]}
    return UnitPartition(unit_of_doc.astype(np.int64), unit_group.astype(np.int64), kind, info)


def bootstrap_blocks(ranks: np.ndarray, doc_group: np.ndarray, n_groups: int, *, max_units: int) -> UnitPartition:
    """Bootstrap units: ``max_units`` near-equal random blocks in each group above ``max_units`` documents.

    Groups with at most ``max_units`` documents keep their documents as units (in rank order).

    Examples
    --------
    >>> g = np.array([0] * 10 + [1] * 3)
    >>> p = bootstrap_blocks(document_ranks(list("abcdefghijklm"), g, 2), g, 2, max_units=4)
    >>> p.info["n_units"], p.info["unit_size_min"], p.info["unit_size_max"], p.kind
    ([4, 3], [2, 1], [3, 1], 'document_block')
    """
    n_docs = np.bincount(doc_group, minlength=n_groups)
    units = np.minimum(n_docs, max_units)
    unit_in_group = (ranks * units[doc_group]) // np.maximum(n_docs[doc_group], 1)
    kind = "document_block" if (n_docs > max_units).any() else "document"
    return _partition(unit_in_group, doc_group, units, kind, {"scheme": "max_units near-equal blocks per group"})


def permutation_blocks(ranks: np.ndarray, doc_group: np.ndarray, n_groups: int, *, max_units: int) -> UnitPartition:
    """Permutation units: blocks of one common size ``s`` in every group (the largest gets ``max_units``).

    ``s = ceil(largest group / max_units)``; each group's documents in rank order are cut
    every ``s`` documents, so all blocks hold ``s`` documents but each group's last.

    Examples
    --------
    >>> g = np.array([0] * 10 + [1] * 3)
    >>> p = permutation_blocks(document_ranks(list("abcdefghijklm"), g, 2), g, 2, max_units=4)
    >>> p.info["block_size"], p.info["n_units"], p.info["unit_size_max"]
    (3, [4, 1], [3, 3])
    """
    n_docs = np.bincount(doc_group, minlength=n_groups)
    size = max(1, -(-int(n_docs.max(initial=0)) // max_units))
    units = -(-n_docs // size)
    kind = "document_block" if size > 1 else "document"
    return _partition(ranks // size, doc_group, units, kind,
                      {"scheme": "common block size across groups", "block_size": size})
