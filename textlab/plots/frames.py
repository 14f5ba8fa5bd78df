"""Frame prevalence by group with intervals."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
from matplotlib.axes import Axes

from textlab.plots._colors import resolve_colors
from textlab.plots._common import dot_interval, group_legend, require_columns, shorten, interval_percent
from textlab.plots._style import finish_ticks, new_axes, style

__all__ = ["plot_frames"]


def plot_frames(
    by_group: pd.DataFrame,
    *,
    ax: Axes | None = None,
    colors: Mapping[str, str] | None = None,
    frames: list[str] | None = None,
    xlabel: str | None = None,
    label_width: int = 32,
    ci_level: float | None = None,
) -> Axes:
    """Frame prevalence per group: a point and its interval, frames as rows.

    Parameters
    ----------
    by_group
        ``frame, group, mean, ci_low, ci_high`` (``FrameResult.by_group``).
    ax
        Axes; default a new single-column figure.
    colors
        ``{group: colour}``; default :func:`group_colors`.
    frames
        Row order (top to bottom); default sorted frame names.
    xlabel
        Axis label, to match what ``mean`` measures; default "Share of tokens in the frame
        (mean, <ci_level> interval)".
    label_width
        Frame names (underscores shown as spaces) are cut to this many characters.
    ci_level
        Level of the intervals (``FrameResult.params["ci_level"]``); default
        ``by_group.attrs["ci_level"]`` or 0.95.

    Returns
    -------
    Axes

    Examples
    --------
    >>> t = pd.DataFrame({"frame": ["security", "security"], "group": ["aws-led", "huawei-led"],
    ...                   "mean": [.01, .03], "ci_low": [.005, .02], "ci_high": [.02, .04]})
    >>> [t.get_text() for t in plot_frames(t).get_yticklabels()]
    ['security']
    """
    require_columns(by_group, ["frame", "group", "mean", "ci_low", "ci_high"], "by_group")
    frames = list(frames) if frames is not None else sorted(by_group["frame"].astype(str).unique())
    table = by_group.assign(frame=by_group["frame"].astype(str))
    colors = resolve_colors(sorted(table["group"].astype(str).unique()), colors)
    with style():
        ax = new_axes(ax, "single", 0.9 + 0.3 * len(frames))
        dot_interval(ax, table, category="frame", categories=frames,
                     category_labels=[shorten(f.replace("_", " "), label_width) for f in frames], colors=colors)
        if xlabel is None:
            xlabel = f"Share of tokens in the frame\n(mean, {interval_percent(ci_level, by_group)} interval)"
        ax.set_xlabel(xlabel)
        group_legend(ax, colors, loc="lower left", bbox_to_anchor=(0.0, 1.0), ncols=len(colors),
                     handletextpad=0.2, columnspacing=0.8)
        finish_ticks(ax)
    return ax
