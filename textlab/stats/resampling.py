"""Resampling helpers shared by the comparison stage (keyness, prevalence, frames).

Token-level tests treat every token as independent and overstate certainty when a
group has few documents. These helpers resample *units* (documents, or passages
when a group has too few documents) instead:

* :func:`choose_resampling_unit` -- the fallback rule, with a warning;
* :func:`bootstrap_weights` / :func:`bootstrap_indices` -- stratified bootstrap
  draws (units resampled with replacement within each group);
* :func:`percentile_interval` -- percentile bootstrap intervals;
* :func:`permutation_assignments` -- random (or, when few, all) reassignments of
  group labels to units, and :func:`permutation_pvalues` to turn exceedance counts
  into p-values;
* :func:`bh_qvalues` -- Benjamini-Hochberg adjusted p-values
  (``scipy.stats.false_discovery_control``).

Replicates are returned as weight matrices (``n_replicates x n_units``) so that a
statistic for every replicate is one sparse matrix product ``weights @ unit_counts``.
"""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.stats import false_discovery_control

from textlab._errors import EstimationError, SmallSampleWarning, bad_value

__all__ = [
    "RESAMPLING_UNITS",
    "choose_resampling_unit",
    "bootstrap_indices",
    "bootstrap_weights",
    "percentile_interval",
    "n_label_assignments",
    "permutation_assignments",
    "permutation_pvalues",
    "bh_qvalues",
]

RESAMPLING_UNITS = ("document", "passage")


def _rng(random_state: int | np.random.Generator) -> np.random.Generator:
    if isinstance(random_state, np.random.Generator):
        return random_state
    return np.random.default_rng(random_state)


def choose_resampling_unit(
    n_documents: int,
    n_passages: int,
    *,
    requested: str = "document",
    group: object = None,
    min_documents: int = 2,
    warn: bool = True,
) -> str:
    """Pick the unit to resample for one group: documents if there are enough, else passages.

    Parameters
    ----------
    n_documents, n_passages
        Number of documents and passages of the group.
    requested
        ``"document"`` (default) or ``"passage"``.
    group
        Group name, used in messages.
    min_documents
        Fewest documents for document-level resampling (default 2: one document
        cannot be resampled).
    warn
        Emit :class:`SmallSampleWarning` on fallback.

    Returns
    -------
    str
        ``"document"`` or ``"passage"``.

    Raises
    ------
    EstimationError
        If the group has no passages.

    Examples
    --------
    >>> choose_resampling_unit(3, 12)
    'document'
    >>> choose_resampling_unit(1, 12, group="aws-led", warn=False)
    'passage'
    """
    if requested not in RESAMPLING_UNITS:
        raise bad_value("resampling_unit", requested, "'document' or 'passage'")
    if n_passages < 1:
        raise EstimationError(f"group {group!r} has no passages: nothing to resample or estimate")
    if requested == "passage":
        return "passage"
    if n_documents >= min_documents:
        return "document"
    if warn:
        warnings.warn(
            f"group {group!r} has {n_documents} document(s) (fewer than {min_documents}); "
            f"resampling its {n_passages} passages instead. Passages of one document are not "
            "independent, so its intervals and p-values are optimistic (resampling_unit='passage').",
            SmallSampleWarning,
            stacklevel=3,
        )
    return "passage"


def _strata_codes(strata: Sequence | np.ndarray) -> np.ndarray:
    codes, _ = pd.factorize(pd.Series(strata), sort=False)
    if (codes < 0).any():
        raise EstimationError("strata labels contain missing values")
    return codes


def bootstrap_indices(
    strata: Sequence | np.ndarray,
    *,
    n_boot: int,
    random_state: int | np.random.Generator = 0,
) -> np.ndarray:
    """Stratified bootstrap: unit indices drawn with replacement within each stratum.

    Parameters
    ----------
    strata
        One stratum label per unit (e.g. the group of each document).
    n_boot
        Number of replicates.
    random_state
        Seed (or a ``numpy.random.Generator``).

    Returns
    -------
    numpy.ndarray
        ``n_boot x n_units`` int array; row ``b`` lists the units of replicate ``b``,
        each stratum keeping its size and its positions.

    Examples
    --------
    >>> idx = bootstrap_indices(["a", "a", "b"], n_boot=4, random_state=0)
    >>> idx.shape, bool((idx[:, 2] == 2).all())
    ((4, 3), True)
    """
    codes = _strata_codes(strata)
    rng = _rng(random_state)
    out = np.empty((n_boot, len(codes)), dtype=np.int64)
    for code in range(codes.max() + 1 if len(codes) else 0):
        members = np.flatnonzero(codes == code)
        out[:, members] = members[rng.integers(0, len(members), size=(n_boot, len(members)))]
    return out


def bootstrap_weights(
    strata: Sequence | np.ndarray,
    *,
    n_boot: int,
    random_state: int | np.random.Generator = 0,
) -> np.ndarray:
    """Stratified bootstrap as weights: how many times each unit is drawn in each replicate.

    Equivalent to counting :func:`bootstrap_indices`, but drawn directly from a
    multinomial per stratum, so ``weights @ unit_counts`` gives every replicate's
    totals in one product.

    Parameters
    ----------
    strata
        One stratum label per unit.
    n_boot
        Number of replicates.
    random_state
        Seed (or a ``numpy.random.Generator``).

    Returns
    -------
    numpy.ndarray
        ``n_boot x n_units`` float array; each stratum's weights sum to its size.

    Examples
    --------
    >>> w = bootstrap_weights(["a", "a", "b"], n_boot=5, random_state=1)
    >>> w[:, :2].sum(axis=1).tolist(), w[:, 2].tolist()
    ([2.0, 2.0, 2.0, 2.0, 2.0], [1.0, 1.0, 1.0, 1.0, 1.0])
    """
    codes = _strata_codes(strata)
    rng = _rng(random_state)
    out = np.zeros((n_boot, len(codes)), dtype=float)
    for code in range(codes.max() + 1 if len(codes) else 0):
        members = np.flatnonzero(codes == code)
        m = len(members)
        out[:, members] = rng.multinomial(m, np.full(m, 1.0 / m), size=n_boot)
    return out


def percentile_interval(
    replicates: np.ndarray, *, ci_level: float = 0.95, axis: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Percentile bootstrap interval (NaN replicates ignored).

    Parameters
    ----------
    replicates
        Statistic per replicate along ``axis``.
    ci_level
        Coverage, between 0 and 1 (default 0.95).
    axis
        Replicate axis.

    Returns
    -------
    low, high
        Arrays of the interval bounds.

    Examples
    --------
    >>> low, high = percentile_interval(np.arange(101.0), ci_level=0.9)
    >>> round(float(low), 6), round(float(high), 6)
    (5.0, 95.0)
    """
    if not 0 < ci_level < 1:
        raise bad_value("ci_level", ci_level, "a number between 0 and 1, e.g. 0.95")
    tail = (1.0 - ci_level) / 2.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN slices give NaN
        low, high = np.nanquantile(replicates, [tail, 1.0 - tail], axis=axis)
    return low, high


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
    rng = _rng(random_state)
    labels = np.zeros(n_units, dtype=float)
    labels[:n_first] = 1.0
    return rng.permuted(np.broadcast_to(labels, (n_perm, n_units)), axis=1), False


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


def bh_qvalues(pvalues: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values; NaN entries stay NaN and are not counted.

    Examples
    --------
    >>> bh_qvalues(np.array([0.01, 0.04, np.nan, 0.03])).round(3).tolist()
    [0.03, 0.04, nan, 0.04]
    """
    p = np.asarray(pvalues, dtype=float)
    q = np.full(p.shape, np.nan)
    ok = ~np.isnan(p)
    if ok.any():
        q[ok] = false_discovery_control(np.clip(p[ok], 0.0, 1.0), method="bh")
    return q
