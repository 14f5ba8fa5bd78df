"""Permutation tests of group labels: exact, fixed Monte Carlo, and sequential (Besag-Clifford).

A statistic is computed for many items at once (e.g. every term of a keyness
contrast) under reassignments of two labels to units (documents or passages).
:func:`permutation_test` runs one of three designs:

* ``"exact"`` (chosen automatically when there are at most ``n_perm`` distinct
  assignments): every assignment is enumerated, ``p = n_extreme / n_assignments``;
* ``"fixed"``: ``n_perm`` random permutations for every item,
  ``p = (1 + n_extreme) / (1 + n_perm)`` (Phipson & Smyth 2010);
* ``"sequential"`` (Besag & Clifford 1991): permutations are drawn in growing
  batches and an item stops as soon as ``n_exceed`` permuted statistics are at least
  as extreme as its observed one, with ``p = n_exceed / L`` (``L`` permutations run);
  items that never reach ``n_exceed`` run all ``n_perm`` permutations and get
  ``p = (1 + n_extreme) / (1 + n_perm)``. Both are valid p-values. Items far from
  significance stop after a few dozen permutations, so ``n_perm`` can be large
  (p down to ``1 / (n_perm + 1)``) at a small fraction of the fixed design's cost.

All designs share one permutation stream per call, so items are tested on the same
reassignments (as in the fixed design).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from textlab._errors import bad_value
from textlab.stats.bootstrap import as_generator

__all__ = [
    "PERMUTATION_METHODS",
    "PermutationTest",
    "n_label_assignments",
    "permutation_assignments",
    "permutation_pvalues",
    "permutation_test",
]

PERMUTATION_METHODS = ("sequential", "fixed")
_BLOCK_ELEMENTS = 4_000_000  # permutations x items evaluated at once
_FIRST_BATCH = 128
_MAX_BATCH = 4096


def n_label_assignments(n_units: int, n_first: int) -> int:
    """Number of distinct ways to give ``n_first`` of ``n_units`` units the first label.

    Examples
    --------
    >>> n_label_assignments(5, 3)
    10
    """
    return math.comb(n_units, n_first)


def permutation_assignments(
    n_units: int,
    n_first: int,
    *,
    n_perm: int,
    random_state: int | np.random.Generator = 0,
) -> tuple[np.ndarray, bool]:
    """Reassign two group labels to units: random permutations, or all of them when few.

    If the number of distinct assignments ``C(n_units, n_first)`` is at most
    ``n_perm``, every assignment is enumerated (an exact test; the observed one is
    among them). Otherwise ``n_perm`` random permutations of the labels are drawn.

    Parameters
    ----------
    n_units
        Units on both sides together.
    n_first
        Units carrying the first label in the data.
    n_perm
        Number of random permutations (and the threshold for enumeration).
    random_state
        Seed (or a ``numpy.random.Generator``).

    Returns
    -------
    assignments, exact
        ``n x n_units`` 0/1 float matrix (1 = first label) and whether it is the
        complete enumeration.

    Examples
    --------
    >>> a, exact = permutation_assignments(4, 2, n_perm=100)
    >>> a.shape, exact, a.sum(axis=1).tolist()
    ((6, 4), True, [2.0, 2.0, 2.0, 2.0, 2.0, 2.0])
    """
    if not 0 <= n_first <= n_units:
        raise bad_value("n_first", n_first, f"an integer between 0 and n_units={n_units}")
    total = n_label_assignments(n_units, n_first)
    if total <= n_perm:
        out = np.zeros((total, n_units), dtype=float)
        for row, combo in enumerate(itertools.combinations(range(n_units), n_first)):
            out[row, list(combo)] = 1.0
        return out, True
    return _random_assignments(n_units, n_first, n_perm, as_generator(random_state)), False


def _random_assignments(n_units: int, n_first: int, n: int, rng: np.random.Generator) -> np.ndarray:
    labels = np.zeros(n_units, dtype=float)
    labels[:n_first] = 1.0
    return rng.permuted(np.broadcast_to(labels, (n, n_units)), axis=1)


def permutation_pvalues(n_extreme: np.ndarray, n_perm: int, *, exact: bool) -> np.ndarray:
    """Two-sided permutation p-values from exceedance counts.

    Parameters
    ----------
    n_extreme
        Per statistic, how many permuted statistics were at least as extreme as the
        observed one (``|t_perm| >= |t_obs|``).
    n_perm
        Number of permutations (or of enumerated assignments).
    exact
        ``True`` when all assignments were enumerated (the observed one included):
        ``p = n_extreme / n_perm``. Otherwise ``p = (1 + n_extreme) / (1 + n_perm)``
        (Phipson & Smyth 2010), never 0.

    Examples
    --------
    >>> permutation_pvalues(np.array([0, 9]), 99, exact=False).tolist()
    [0.01, 0.1]
    """
    n_extreme = np.asarray(n_extreme, dtype=float)
    if exact:
        return n_extreme / n_perm
    return (1.0 + n_extreme) / (1.0 + n_perm)


@dataclass(frozen=True)
class PermutationTest:
    """Outcome of :func:`permutation_test` for every item.

    Attributes
    ----------
    pvalues
        Two-sided p-value per item.
    n_run
        Permutations (or assignments) actually evaluated per item.
    n_extreme
        Permuted statistics at least as extreme as the observed one, per item.
    method
        ``"exact"``, ``"fixed"`` or ``"sequential"``.
    p_min
        Smallest p-value the design can give.
    n_assignments
        Distinct label assignments ``C(n_units, n_first)`` (may be huge).
    """

    pvalues: np.ndarray
    n_run: np.ndarray
    n_extreme: np.ndarray
    method: str
    p_min: float
    n_assignments: int

    @property
    def exact(self) -> bool:
        """Whether every assignment was enumerated."""
        return self.method == "exact"


Statistic = Callable[[np.ndarray, np.ndarray], np.ndarray]


def _exceedances(statistic: Statistic, assign: np.ndarray, columns: np.ndarray, threshold: np.ndarray) -> np.ndarray:
    """``n_assign x len(columns)`` booleans: permuted statistic >= threshold, in memory-sized blocks."""
    out = np.empty((assign.shape[0], len(columns)), dtype=bool)
    width = max(1, _BLOCK_ELEMENTS // max(assign.shape[0], 1))
    for start in range(0, len(columns), width):
        cols = columns[start:start + width]
        out[:, start:start + width] = statistic(assign, cols) >= threshold[cols]
    return out


def permutation_test(
    statistic: Statistic,
    observed: np.ndarray,
    n_units: int,
    n_first: int,
    *,
    n_perm: int,
    method: str = "sequential",
    n_exceed: int = 10,
    random_state: int | np.random.Generator = 0,
    tolerance: float = 1e-9,
) -> PermutationTest:
    """Two-sided permutation p-values for many items under one stream of label reassignments.

    Parameters
    ----------
    statistic
        ``statistic(assignments, columns)``: for an ``m x n_units`` 0/1 matrix
        (1 = first label) and item indices ``columns``, the ``m x len(columns)``
        absolute statistics ``|t|``.
    observed
        Observed ``|t|`` per item.
    n_units, n_first
        Units in all, and units carrying the first label.
    n_perm
        ``"fixed"``: permutations per item; ``"sequential"``: the most permutations
        any item gets. With at most ``n_perm`` distinct assignments every one is
        enumerated instead (``method="exact"`` in the result).
    method
        ``"sequential"`` (Besag-Clifford stopping, default) or ``"fixed"``.
    n_exceed
        Besag-Clifford ``h``: an item stops after this many permuted statistics at
        least as extreme as its observed one.
    random_state
        Seed (or generator) of the permutations.
    tolerance
        Relative tolerance so that the observed assignment counts as "as extreme".

    Returns
    -------
    PermutationTest

    Examples
    --------
    >>> x = np.array([5.0, 6, 7, 1, 2, 3])
    >>> def stat(a, cols):
    ...     diff = (a @ x) / 3 - ((1 - a) @ x) / 3
    ...     return np.abs(diff)[:, None][:, cols]
    >>> res = permutation_test(stat, np.array([4.0]), 6, 3, n_perm=100)
    >>> res.method, res.pvalues.tolist()
    ('exact', [0.1])
    """
    if method not in PERMUTATION_METHODS:
        raise bad_value("permutation", method, "'sequential' or 'fixed'")
    if isinstance(n_exceed, bool) or not isinstance(n_exceed, (int, np.integer)) or n_exceed < 1:
        raise bad_value("n_exceed", n_exceed, "an integer >= 1")
    threshold = np.abs(np.asarray(observed, dtype=float)) * (1 - tolerance) - 1e-12
    n_items = len(threshold)
    total = n_label_assignments(n_units, n_first)
    rng = as_generator(random_state)
    if total <= n_perm:
        assign, _ = permutation_assignments(n_units, n_first, n_perm=n_perm, random_state=rng)
        extreme = _exceedances(statistic, assign, np.arange(n_items), threshold).sum(axis=0)
        return PermutationTest(permutation_pvalues(extreme, total, exact=True), np.full(n_items, total), extreme,
                               "exact", 1.0 / total, total)  # fmt: skip
    if method == "fixed":
        extreme = np.zeros(n_items, dtype=np.int64)
        step = _batch_cap(n_units)
        for start in range(0, n_perm, step):  # the same stream as drawing all n_perm at once
            assign = _random_assignments(n_units, n_first, min(step, n_perm - start), rng)
            extreme += _exceedances(statistic, assign, np.arange(n_items), threshold).sum(axis=0)
        return PermutationTest(permutation_pvalues(extreme, n_perm, exact=False), np.full(n_items, n_perm), extreme,
                               "fixed", 1.0 / (n_perm + 1), total)  # fmt: skip
    return _sequential(statistic, threshold, n_units, n_first, n_perm, n_exceed, rng, total)


def _batch_cap(n_units: int) -> int:
    """Most permutations drawn at once, so that a batch holds at most _BLOCK_ELEMENTS labels."""
    return max(1, min(_MAX_BATCH, _BLOCK_ELEMENTS // max(n_units, 1)))


def _sequential(statistic, threshold, n_units, n_first, n_perm, n_exceed, rng, total) -> PermutationTest:
    n_items = len(threshold)
    extreme = np.zeros(n_items, dtype=np.int64)
    n_run = np.zeros(n_items, dtype=np.int64)
    pvalues = np.full(n_items, np.nan)
    active = np.arange(n_items)
    done, batch = 0, _FIRST_BATCH
    while len(active) and done < n_perm:
        size = min(batch, n_perm - done, _batch_cap(n_units))
        assign = _random_assignments(n_units, n_first, size, rng)
        hits = _exceedances(statistic, assign, active, threshold)  # size x active
        cumulative = np.cumsum(hits, axis=0, dtype=np.int64) + extreme[active]
        reached = cumulative[-1] >= n_exceed
        stop_at = np.argmax(cumulative >= n_exceed, axis=0)  # first permutation reaching h
        stopped = active[reached]
        n_run[stopped] = done + stop_at[reached] + 1
        extreme[stopped] = n_exceed
        pvalues[stopped] = n_exceed / n_run[stopped]
        going = active[~reached]
        extreme[going] = cumulative[-1, ~reached]
        active = going
        done += size
        batch = min(2 * batch, _MAX_BATCH)
    n_run[active] = done
    pvalues[active] = (1.0 + extreme[active]) / (1.0 + done)
    return PermutationTest(pvalues, n_run, extreme, "sequential", 1.0 / (n_perm + 1), total)
