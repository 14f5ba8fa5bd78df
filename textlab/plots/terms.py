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

__all__ = ["plot_distinctive_terms", "panel_grid", "distinctive_terms_height"]

#: Panels side by side at most; more groups wrap onto further rows (labels stay readable at print width).
MAX_PANELS_PER_ROW = 4


def panel_grid(n_panels: int) -> tuple[int, int]:
    """``(ncols, nrows)`` of small multiples: one row up to 4 panels, else rows of 3.

    Examples
    --------
    >>> panel_grid(3), panel_grid(9), panel_grid(20)
    ((3, 1), (3, 3), (3, 7))
    """
    if n_panels <= MAX_PANELS_PER_ROW:
        return max(n_panels, 1), 1
    return 3, int(np.ceil(n_panels / 3))


def distinctive_terms_height(n_groups: int, n_rows: int = 10) -> float:
    """Figure height (inches) for :func:`plot_distinctive_terms` with ``n_groups`` panels of ``n_rows`` terms."""
    _, nrows = panel_grid(n_groups)
    return 0.7 + 0.16 * n_rows if nrows == 1 else nrows * (0.55 + 0.16 * n_rows)


def plot_distinctive_terms(
    table: pd.DataFrame,
    *,
    fig: Figure | None = None,
    groups: list[str] | None = None,
    colors: Mapping[str, str] | None = None,
    label_width: int = 20,
) -> np.ndarray:
    """Horizontal bars of the top TF-IDF terms, one panel per group, rank 1 at the top.

    Up to four groups sit side by side; more wrap into rows of three panels (see
    :func:`panel_grid`), so nine or twenty groups keep readable labels and bars.

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
    ncols, nrows = panel_grid(len(groups))
    with style():
        if fig is None:
            fig = plt.figure(figsize=(FULL_WIDTH, distinctive_terms_height(len(groups), n_rows)))
        if fig.get_layout_engine() is None:  # a figure made outside the style: labels must still fit
            fig.set_layout_engine("constrained")
        grid = fig.subplots(nrows, ncols, sharex=True, squeeze=False)
        axes = grid.ravel()[: len(groups)]
        for ax in grid.ravel()[len(groups):]:
            ax.set_visible(False)
        for index, (ax, g) in enumerate(zip(axes, groups, strict=True)):
            rows = table[table["group"].astype(str) == g].sort_values("rank", kind="stable")
            y = np.arange(len(rows))[::-1] + (n_rows - len(rows))
            names = rows["label"] if "label" in rows.columns else rows["term"]
            ax.barh(y, rows["tfidf"].to_numpy(dtype=float), height=0.7, color=colors[g])
            ax.set_yticks(y, [shorten(t, label_width) for t in names.astype(str)])
            ax.set_ylim(-0.6, n_rows - 0.4)
            ax.set_title(shorten(g, 28), loc="left")
            if index >= len(groups) - ncols:  # the bottom panel of its column
                ax.set_xlabel("TF-IDF")
            ax.tick_params(labelbottom=True)
            finish_ticks(ax)
    return axes
