"""Keyness for a study with many groups: each group against the rest, plus the named pair.

:func:`score_study_keyness` runs :func:`~textlab.analysis.keyness.score_keyness` for the pair
a study names (``[groups] contrast``, both directions) and, when there are more than two
groups, for every group against all the others pooled. It adds one column, ``key``
(``q_perm < fdr_level``): the resampling-based permutation test decides which terms are
*key* in every figure and table of a study, while the token-level ``z`` stays a descriptive
measure of how far apart the rates are. :func:`top_key_terms` lists the top terms of each
comparison (used by ``textlab keyness`` and the report).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from textlab._errors import ConfigError, bad_value
from textlab.analysis.keyness import KeynessResult, score_keyness

__all__ = ["score_study_keyness", "top_key_terms", "key_mask"]


def key_mask(table: pd.DataFrame, fdr_level: float = 0.05) -> pd.Series:
    """``True`` where a term is key: the ``key`` column, else ``q_perm < fdr_level`` (``False`` where NaN).

    Examples
    --------
    >>> key_mask(pd.DataFrame({"q_perm": [0.01, 0.2, float("nan")]})).tolist()
    [True, False, False]
    """
    if "key" in table.columns:
        return table["key"].fillna(False).astype(bool)
    if "q_perm" not in table.columns:
        return pd.Series(False, index=table.index)
    return (table["q_perm"].astype(float) < fdr_level).fillna(False)


def score_study_keyness(
    data: Any,
    *,
    group_column: str,
    contrast: Sequence | None = None,
    fdr_level: float = 0.05,
    surface_forms: Mapping[str, str] | None = None,
    **options: Any,
) -> KeynessResult:
    """Keyness of the named pair (both directions) and of every group against the rest.

    Parameters
    ----------
    data
        A ``TextData`` or ``DocumentTermMatrix`` (see :func:`~textlab.analysis.keyness.score_keyness`).
    group_column
        Column of the rows holding the groups.
    contrast
        ``(group_a, group_b)`` or ``None``. With two groups in the data only the pair is
        scored; with more, every group against the rest is added (``reference == "rest"``).
    fdr_level
        The level at which ``q_perm`` decides the ``key`` column.
    surface_forms, options
        Passed to ``score_keyness`` (``n_boot``, ``n_perm``, ``ci_level``, ``random_state`` ...).

    Returns
    -------
    KeynessResult
        ``table``: keyness columns plus ``key``; ``params``: those of the pair (or of the
        rest comparisons when no pair is named), with ``comparisons`` listing every
        comparison and ``each_vs_rest`` the settings of the rest comparisons.

    Examples
    --------
    >>> import scipy.sparse as sp
    >>> from textlab.preprocessing.counts import DocumentTermMatrix
    >>> rows = pd.DataFrame({"doc_id": list("abcdef"), "g": ["x", "x", "y", "y", "z", "z"]})
    >>> dtm = DocumentTermMatrix(sp.csr_matrix(np.array([[5, 1], [4, 1], [1, 5], [1, 6], [3, 3], [3, 3]])),
    ...                          np.array(["ai", "chip"], dtype=object), rows)
    >>> res = score_study_keyness(dtm, group_column="g", contrast=("x", "y"), n_boot=0, n_perm=0, min_count=1)
    >>> res.table[["group", "reference"]].drop_duplicates().values.tolist()
    [['x', 'y'], ['y', 'x'], ['x', 'rest'], ['y', 'rest'], ['z', 'rest']]
    """
    rows = getattr(data, "rows", None)
    rows = getattr(data, "passages", None) if rows is None else rows
    if rows is None or group_column not in rows.columns:
        raise ConfigError(f"group_column={group_column!r} is not a column of the data's rows")
    present = sorted(pd.unique(rows[group_column].dropna()).astype(str))
    tables, params = [], None
    if contrast:
        if len(contrast) != 2:
            raise bad_value("contrast", list(contrast), "two group names")
        pair = score_keyness(data, group_column=group_column, groups=list(contrast), fdr_level=fdr_level,
                             surface_forms=surface_forms, **options)
        tables.append(pair.table)
        params = dict(pair.params)
    rest_params = None
    if len(present) > 2 or not contrast:
        rest = score_keyness(data, group_column=group_column, reference="rest" if len(present) > 2 else None,
                             fdr_level=fdr_level, surface_forms=surface_forms, **options)
        tables.append(rest.table)
        rest_params = dict(rest.params)
        params = params or dict(rest.params)
    table = pd.concat(tables, ignore_index=True)
    table["key"] = key_mask(table.drop(columns=[c for c in ("key",) if c in table.columns]), fdr_level)
    comparisons = table[["group", "reference"]].astype(str).drop_duplicates().values.tolist()
    params = {**params, "comparisons": comparisons, "key": f"q_perm < {fdr_level}", "fdr_level": fdr_level,
              "each_vs_rest": None if rest_params is None else
              {k: rest_params[k] for k in ("contrast", "p_min", "contrasts", "blocks") if k in rest_params}}
    return KeynessResult(table=table, params=params)


def top_key_terms(table: pd.DataFrame, *, n: int = 10, group: str | None = None, reference: str | None = None,
                  key_only: bool = False, fdr_level: float = 0.05) -> pd.DataFrame:
    """The ``n`` terms with the highest ``z`` of each comparison (group vs reference).

    Parameters
    ----------
    table
        A keyness (or perspectives) table.
    n
        Terms per comparison.
    group, reference
        Keep only these comparisons (``reference="rest"`` for each-vs-rest rows).
    key_only
        Keep only key terms (``q_perm < fdr_level``).
    fdr_level
        Level of ``key`` when the table has no ``key`` column.

    Returns
    -------
    DataFrame
        Rows sorted by comparison then ``z`` descending, with a ``rank`` column.

    Examples
    --------
    >>> t = pd.DataFrame({"group": ["x"] * 3, "reference": "rest", "term": list("abc"), "z": [1.0, 3.0, 2.0],
    ...                   "q_perm": [0.5, 0.01, 0.04]})
    >>> top_key_terms(t, n=2)[["term", "rank", "key"]].values.tolist()
    [['b', 1, True], ['c', 2, True]]
    """
    if n < 1:
        raise bad_value("n", n, "an integer >= 1")
    out = table.assign(key=key_mask(table, fdr_level))
    if group is not None:
        out = out[out["group"].astype(str) == str(group)]
    if reference is not None:
        out = out[out["reference"].astype(str) == str(reference)]
    if key_only:
        out = out[out["key"]]
    by = [c for c in ("topic", "frame", "group", "reference") if c in out.columns]
    out = out.sort_values([*by, "z"], ascending=[True] * len(by) + [False], kind="stable")
    out = out.groupby(by, sort=False).head(n).copy()
    out["rank"] = out.groupby(by, sort=False).cumcount() + 1
    return out.reset_index(drop=True)
