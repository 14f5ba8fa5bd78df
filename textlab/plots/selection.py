"""Model selection: coherence and diversity against the number of topics."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from textlab._errors import ConfigError
from textlab.plots._common import require_columns
from textlab.plots._style import FULL_WIDTH, finish_ticks, style

__all__ = ["plot_model_selection"]

_NAMES = {
    "c_v": "Coherence C$_V$",
    "c_npmi": "Coherence NPMI",
    "diversity": "Topic diversity",
    "perplexity": "Perplexity",
}


def plot_model_selection(
    table: pd.DataFrame,
    *,
    chosen_n_topics: int | None = None,
    metrics: Sequence[str] = ("c_v", "c_npmi", "diversity"),
    fig: Figure | None = None,
    at_edge: bool = False,
) -> np.ndarray:
    """One panel per metric against K: a point per seed, the mean across seeds as a line.

    The chosen K is marked by a dashed vertical line, named in the legend
    above the panels. Seeds at the same K are spread a little sideways (a fixed
    offset by seed order, not random jitter) so they stay visible.

    Parameters
    ----------
    table
        ``n_topics, random_state`` and the metric columns (``ModelSelection.table``).
    chosen_n_topics
        K to mark (``ModelSelection.chosen_n_topics``); ``None`` marks nothing.
    metrics
        Columns to draw, one panel each.
    fig
        Empty figure to draw in; default a new full-width figure.
    at_edge
        The chosen K is the lowest or highest K searched (``ModelSelection.params["at_edge"]``):
        the legend says so, since a wider range may choose another K.

    Returns
    -------
    numpy.ndarray of Axes

    Examples
    --------
    >>> t = pd.DataFrame({"n_topics": [2, 2, 3, 3], "random_state": [0, 1, 0, 1],
    ...                   "c_v": [.4, .5, .6, .55], "c_npmi": [0, .1, .1, .05], "diversity": [.9, .8, .7, .75]})
    >>> len(plot_model_selection(t, chosen_n_topics=3))
    3
    """
    metrics = list(metrics)
    require_columns(table, ["n_topics", "random_state", *metrics], "table")
    ks = np.sort(table["n_topics"].unique())
    if chosen_n_topics is not None and chosen_n_topics not in set(ks.tolist()):
        raise ConfigError(f"chosen_n_topics={chosen_n_topics!r} is not among the K in table: {ks.tolist()}")
    seeds = sorted(table["random_state"].unique())
    step = np.min(np.diff(ks)) if len(ks) > 1 else 1
    spread = {s: (i - (len(seeds) - 1) / 2) * 0.08 * step for i, s in enumerate(seeds)}
    with style():
        if fig is None:
            fig = plt.figure(figsize=(FULL_WIDTH, 2.2))
        axes = fig.subplots(1, len(metrics), squeeze=False)[0]
        for ax, metric in zip(axes, metrics, strict=True):
            x = table["n_topics"].to_numpy(dtype=float) + table["random_state"].map(spread).to_numpy(dtype=float)
            ax.plot(x, table[metric].to_numpy(dtype=float), "o", color="#999999", markersize=2.5,
                    markeredgewidth=0, label="one seed")
            mean = table.groupby("n_topics")[metric].mean().reindex(ks)
            ax.plot(ks, mean.to_numpy(dtype=float), "-o", color="black", markersize=3, linewidth=1.0,
                    label="mean over seeds")
            if chosen_n_topics is not None:
                ax.axvline(chosen_n_topics, color="#D55E00", linestyle="--", linewidth=0.8, zorder=0,
                           label=f"chosen K = {chosen_n_topics}" + (" (at the edge of the range searched)"
                                                                   if at_edge else ""))
            ax.set_xticks(ks)
            ax.set_xlabel("Number of topics K")
            ax.set_title(_NAMES.get(metric, metric), loc="left", parse_math=metric in _NAMES)  # C$_V$
            finish_ticks(ax)
        handles, labels = axes[0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="outside upper center", ncols=len(labels), fontsize=7)
    return axes
