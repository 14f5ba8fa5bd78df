"""Difference tables with intervals, from paired replicates of group sums.

Prevalence and frames both estimate a weighted mean per group (topic share, frame
share) and its bootstrap replicates as group *sums* and weight *totals*, so that a
comparison against several groups pooled ("rest") is the mean over all their rows.
:func:`difference_table` turns resolved :class:`~textlab.stats.contrasts.Comparison`
objects into the shared table ``<item>, group_a, group_b, difference, ci_low, ci_high,
resampling_unit``: ``group_a`` minus ``group_b`` (the reference), with a percentile
interval of the paired replicate differences.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from textlab.stats.contrasts import Comparison
from textlab.stats.intervals import percentile_interval
from textlab.stats.layout import side_means

__all__ = ["DIFFERENCE_COLUMNS", "GROUP_COLUMNS", "comparison_sides", "comparison_unit", "difference_table",
           "group_table"]

DIFFERENCE_COLUMNS = ["group_a", "group_b", "difference", "ci_low", "ci_high", "resampling_unit"]
GROUP_COLUMNS = ["group", "mean", "ci_low", "ci_high", "n_passages", "n_docs", "resampling_unit"]


def group_table(item_column: str, items: Sequence, layout, mean: np.ndarray, low: np.ndarray,
                high: np.ndarray) -> pd.DataFrame:  # fmt: skip
    """One row per (item, group): ``<item>, group, mean, ci_low, ci_high, n_passages, n_docs, resampling_unit``.

    ``mean``, ``low`` and ``high`` are ``G x n_items``; ``layout`` is a
    :class:`~textlab.stats.layout.GroupLayout` (groups, counts and units per group).

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> layout = SimpleNamespace(groups=["x", "y"], n_passages=[3, 2], n_docs=[2, 1], units=["document", "passage"])
    >>> t = group_table("frame", ["econ"], layout, np.array([[0.1], [0.2]]), np.zeros((2, 1)), np.ones((2, 1)))
    >>> t[["frame", "group", "mean", "resampling_unit"]].values.tolist()
    [['econ', 'x', 0.1, 'document'], ['econ', 'y', 0.2, 'passage']]
    """
    n_groups, n_items = len(layout.groups), len(items)
    return pd.DataFrame({
        item_column: np.repeat(np.asarray(items), n_groups),
        "group": np.tile(layout.groups, n_items),
        "mean": np.asarray(mean).T.ravel(),
        "ci_low": np.asarray(low).T.ravel(),
        "ci_high": np.asarray(high).T.ravel(),
        "n_passages": np.tile(layout.n_passages, n_items),
        "n_docs": np.tile(layout.n_docs, n_items),
        "resampling_unit": np.tile(np.array(layout.units, dtype=object), n_items),
    })


def _members(comparison: Comparison, groups: Sequence) -> tuple[list[int], list[int]]:
    index = {str(g): i for i, g in enumerate(groups)}
    return [index[str(comparison.group)]], [index[str(g)] for g in comparison.reference_groups]


def comparison_sides(
    comparison: Comparison, groups: Sequence, sums: np.ndarray, totals: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Means of the two sides of a comparison for every replicate (``m (x K)`` each).

    Examples
    --------
    >>> c = Comparison("x", "rest", ("y", "z"))
    >>> a, b = comparison_sides(c, ["x", "y", "z"], np.array([[1.0, 2.0, 4.0]]), np.array([[1.0, 1.0, 2.0]]))
    >>> a.tolist(), b.tolist()
    ([1.0], [2.0])
    """
    a, b = _members(comparison, groups)
    return side_means(sums, totals, a), side_means(sums, totals, b)


def comparison_unit(comparison: Comparison, groups: Sequence, units: Sequence[str]) -> str:
    """``"document"`` when every group on both sides was resampled by documents, else ``"passage"``."""
    a, b = _members(comparison, groups)
    return "document" if all(units[i] == "document" for i in a + b) else "passage"


def difference_table(
    item_column: str,
    items: Sequence,
    comparisons: Sequence[Comparison],
    *,
    groups: Sequence,
    units: Sequence[str],
    point_sums: np.ndarray,
    point_totals: np.ndarray,
    replicate_sums: np.ndarray,
    replicate_totals: np.ndarray,
    ci_level: float,
) -> pd.DataFrame:
    """One row per (comparison, item): difference of side means with a percentile interval.

    Parameters
    ----------
    item_column, items
        Name and values of the first column (``"topic"`` 1..K, ``"frame"`` names).
    comparisons
        From :meth:`Contrast.resolve`.
    groups, units
        Group labels and their resampling units (``GroupLayout.groups``/``.units``).
    point_sums, point_totals
        ``P x G x K`` and ``P x G``: the point estimate is the mean over ``P`` (e.g. seed
        runs) of each side's mean.
    replicate_sums, replicate_totals
        ``R x G x K`` and ``R x G`` bootstrap (or composed) replicates.
    ci_level
        Interval level.

    Examples
    --------
    >>> sums = np.array([[[1.0], [3.0]]]); totals = np.ones((1, 2))
    >>> reps = np.array([[[1.0], [2.0]], [[2.0], [4.0]]]); rep_totals = np.ones((2, 2))
    >>> t = difference_table("frame", ["econ"], [Comparison("x", "y", ("y",))], groups=["x", "y"],
    ...                      units=["document", "passage"], point_sums=sums, point_totals=totals,
    ...                      replicate_sums=reps, replicate_totals=rep_totals, ci_level=0.5)
    >>> t[["difference", "ci_low", "ci_high"]].iloc[0].tolist(), t.resampling_unit[0]
    ([-2.0, -1.75, -1.25], 'passage')
    """
    rows = []
    for comparison in comparisons:
        point_a, point_b = comparison_sides(comparison, groups, point_sums, point_totals)
        rep_a, rep_b = comparison_sides(comparison, groups, replicate_sums, replicate_totals)
        low, high = percentile_interval(rep_a - rep_b, ci_level=ci_level)
        rows.append(pd.DataFrame({
            item_column: list(items), "group_a": comparison.group, "group_b": comparison.reference,
            "difference": point_a.mean(axis=0) - point_b.mean(axis=0), "ci_low": low, "ci_high": high,
            "resampling_unit": comparison_unit(comparison, groups, units),
        }))  # fmt: skip
    if not rows:
        return pd.DataFrame(columns=[item_column, *DIFFERENCE_COLUMNS])
    return pd.concat(rows, ignore_index=True)
