"""Distinctive TF-IDF terms per group, side by side."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from textlab.plots._colors import resolve_colors
from textlab.plots._common import require_columns, shorten
from textlab.plots._style import FULL_WIDTH, finish_ticks, style

__all__ = ["plot_distinctive_terms"]


def plot_distinctive_terms(
    table: pd.DataFrame,
    *,
    fig: Figure | None = None,
    groups: list[str] | None = None,
    colors: Mapping[str, str] | None = None,
    label_width: int = 20,
) -> np.ndarray:
    """Horizontal bars of the top TF-IDF terms, one panel per group, rank 1 at the top.

    Parameters
    ----------
    table
        ``group, rank, term, label, tfidf`` (``models.tfidf.distinctive_terms``).
        Every row is drawn.
    fig
        Figure to draw in (must be empty); default a new full-width figure.
    groups
        Panel order; default sorted groups.
    colors
        ``{group: colour}``; default :func:`group_colors`.
    label_width
        Term labels are cut to this many characters.

    Returns
    -------
    numpy.ndarray of Axes
        One per group, in panel order.

    Examples
    --------
    >>> t = pd.DataFrame({"group": ["a", "a", "b"], "rank": [1, 2, 1], "term": ["x", "y", "z"],
    ...                   "label": ["x", "y", "z"], "tfidf": [0.5, 0.3, 0.4]})
    >>> axes = plot_distinctive_terms(t)
    >>> [ax.get_title(loc="left") for ax in axes]
    ['a', 'b']
    """
    require_columns(table, ["group", "rank", "term", "tfidf"], "table")
    present = sorted(table["group"].astype(str).unique())
    groups = list(groups) if groups is not None else present
    colors = resolve_colors(groups, colors)
    n_rows = int(table.groupby("group")["rank"].size().max())
    with style():
        if fig is None:
            fig = plt.figure(figsize=(FULL_WIDTH, 0.7 + 0.16 * n_rows))
        axes = np.atleast_1d(fig.subplots(1, len(groups), sharex=True, squeeze=False)[0])
        for ax, g in zip(axes, groups, strict=True):
            rows = table[table["group"].astype(str) == g].sort_values("rank", kind="stable")
            y = np.arange(len(rows))[::-1] + (n_rows - len(rows))
            names = rows["label"] if "label" in rows.columns else rows["term"]
            ax.barh(y, rows["tfidf"].to_numpy(dtype=float), height=0.7, color=colors[g])
            ax.set_yticks(y, [shorten(t, label_width) for t in names.astype(str)])
            ax.set_ylim(-0.6, n_rows - 0.4)
            ax.set_title(g, loc="left")
            ax.set_xlabel("TF-IDF")
            finish_ticks(ax)
    return axes
