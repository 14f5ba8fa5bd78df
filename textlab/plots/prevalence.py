"""Topic prevalence by group with intervals, and the stm-style difference between two groups."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from textlab._errors import ConfigError
from textlab.plots._colors import NEUTRAL, group_colors, resolve_colors
from textlab.plots._common import dot_interval, group_legend, require_columns, topic_names, interval_percent
from textlab.plots._style import finish_ticks, new_axes, style

__all__ = ["plot_prevalence", "plot_prevalence_difference"]


def plot_prevalence(
    by_group: pd.DataFrame,
    *,
    ax: Axes | None = None,
    colors: Mapping[str, str] | None = None,
    topic_labels: Mapping[int, str] | None = None,
    label_width: int = 36,
    ci_level: float | None = None,
) -> Axes:
    """Expected topic proportion per group: a point and its interval, topics as rows.

    Parameters
    ----------
    by_group
        ``topic, group, mean, ci_low, ci_high`` (``PrevalenceResult.by_group``).
    ax
        Axes; default a new single-column figure.
    colors
        ``{group: colour}``; default :func:`group_colors`.
    topic_labels
        ``{topic: short label}`` for the tick labels.
    label_width
        Tick labels are cut to this many characters.
    ci_level
        Level of the intervals, named in the axis label (``PrevalenceResult.params["ci_level"]``);
        default ``by_group.attrs["ci_level"]`` or 0.95.

    Returns
    -------
    Axes

    Examples
    --------
    >>> t = pd.DataFrame({"topic": [1, 1], "group": ["outlet-b", "outlet-a"], "mean": [.3, .5],
    ...                   "ci_low": [.2, .4], "ci_high": [.4, .6]})
    >>> len(plot_prevalence(t).lines) >= 2
    True
    """
    require_columns(by_group, ["topic", "group", "mean", "ci_low", "ci_high"], "by_group")
    topics = sorted(by_group["topic"].unique())
    colors = resolve_colors(sorted(by_group["group"].astype(str).unique()), colors)
    with style():
        ax = new_axes(ax, "single", 0.9 + 0.3 * len(topics))
        dot_interval(ax, by_group, category="topic", categories=topics,
                     category_labels=topic_names(topics, topic_labels, width=label_width), colors=colors)
        ax.set_xlabel(f"Expected topic proportion\n(mean, {interval_percent(ci_level, by_group)} interval)")
        group_legend(ax, colors, loc="lower left", bbox_to_anchor=(0.0, 1.0), ncols=min(len(colors), 3),
                     handletextpad=0.2, columnspacing=0.8)
        finish_ticks(ax)
    return ax


def plot_prevalence_difference(
    difference: pd.DataFrame,
    *,
    ax: Axes | None = None,
    colors: Mapping[str, str] | None = None,
    topic_labels: Mapping[int, str] | None = None,
    label_width: int = 36,
) -> Axes:
    """stm-style contrast: difference in topic proportion (``group_a`` − ``group_b``) with its interval.

    Intervals that exclude zero take the colour of the group the topic leans
    to; the others are grey.

    Parameters
    ----------
    difference
        ``topic, group_a, group_b, difference, ci_low, ci_high`` for one pair
        of groups (``PrevalenceResult.difference``).
    ax
        Axes; default a new single-column figure.
    colors
        ``{group: colour}``; default :func:`group_colors`.
    topic_labels
        ``{topic: short label}``.
    label_width
        Tick labels are cut to this many characters.

    Returns
    -------
    Axes

    Examples
    --------
    >>> d = pd.DataFrame({"topic": [1, 2], "group_a": "outlet-a", "group_b": "outlet-b",
    ...                   "difference": [.2, -.1], "ci_low": [.1, -.3], "ci_high": [.3, .05]})
    >>> plot_prevalence_difference(d).get_xlabel().splitlines()[0]
    'Difference in topic proportion: outlet-a − outlet-b'
    """
    require_columns(difference, ["topic", "group_a", "group_b", "difference", "ci_low", "ci_high"], "difference")
    pairs = difference[["group_a", "group_b"]].astype(str).drop_duplicates()
    if len(pairs) != 1:
        raise ConfigError(f"difference holds {len(pairs)} pairs of groups; pass rows of one (group_a, group_b) pair")
    a, b = pairs.iloc[0]
    palette = group_colors([a, b])
    palette.update(colors or {})
    rows = difference.sort_values("topic", kind="stable")
    topics = rows["topic"].tolist()
    est = rows["difference"].to_numpy(dtype=float)
    lo, hi = rows["ci_low"].to_numpy(dtype=float), rows["ci_high"].to_numpy(dtype=float)
    point_colors = np.where(lo > 0, palette[a], np.where(hi < 0, palette[b], NEUTRAL))
    with style():
        ax = new_axes(ax, "single", 0.9 + 0.28 * len(topics))
        y = np.arange(len(topics))[::-1]
        for yi, e, l, h, c in zip(y, est, lo, hi, point_colors, strict=True):
            ax.plot([l, h], [yi, yi], color=c, linewidth=1.0, solid_capstyle="butt")
            ax.plot([e], [yi], "o", color=c, markersize=3.5)
        ax.axvline(0, color="black", linewidth=0.6, linestyle="--", zorder=0)
        ax.set_yticks(y, topic_names(topics, topic_labels, width=label_width))
        ax.set_ylim(-0.7, len(topics) - 0.3)
        lim = max(np.abs(lo).max(), np.abs(hi).max()) * 1.1 or 1.0
        ax.set_xlim(-lim, lim)
        ax.set_xlabel(f"Difference in topic proportion: {a} \u2212 {b}\n"
                      f"\u2190 more {b}      more {a} \u2192")
        finish_ticks(ax)
    return ax
