"""Frame prevalence by group with intervals."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from textlab.plots._colors import resolve_colors
from textlab.plots._common import dot_interval, group_legend, require_columns, shorten, interval_percent
from textlab.plots._style import finish_ticks, new_axes, style

__all__ = ["plot_frames", "plot_difference_intervals", "plot_term_intervals"]


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
    >>> t = pd.DataFrame({"frame": ["security", "security"], "group": ["outlet-b", "outlet-a"],
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
        # at most three legend columns: nine or twenty groups wrap into rows instead of squeezing the axes
        group_legend(ax, colors, loc="lower left", bbox_to_anchor=(0.0, 1.0), ncols=min(len(colors), 3),
                     handletextpad=0.2, columnspacing=0.8)
        finish_ticks(ax)
    return ax


def plot_difference_intervals(
    difference: pd.DataFrame,
    *,
    category: str = "frame",
    ax: Axes | None = None,
    colors: Mapping[str, str] | None = None,
    xlabel: str | None = None,
    label_width: int = 32,
    ci_level: float | None = None,
) -> Axes:
    """Differences between groups with their intervals, one row per category and comparison.

    Parameters
    ----------
    difference
        ``<category>, group_a, group_b, difference, ci_low, ci_high`` (``FrameResult.difference``).
        Filled points: the interval excludes zero; open points: it includes zero.
    category
        The column naming the rows (``"frame"``, ``"topic"`` ...).
    ax
        Axes; default a new single-column figure sized to the rows.
    colors
        ``{group: colour}``: one pair: the colour of the side the difference favours; several: ``group_a``'s.
    xlabel
        Axis label; default names the difference and the interval level.
    label_width
        Row labels are cut to this many characters.
    ci_level
        Level of the intervals, named in the axis label.

    Returns
    -------
    Axes

    Examples
    --------
    >>> d = pd.DataFrame({"frame": ["cost", "risk"], "group_a": "x", "group_b": "y", "difference": [0.02, -0.01],
    ...                   "ci_low": [0.01, -0.03], "ci_high": [0.03, 0.01]})
    >>> [t.get_text() for t in plot_difference_intervals(d).get_yticklabels()]
    ['cost', 'risk']
    """
    require_columns(difference, [category, "group_a", "group_b", "difference", "ci_low", "ci_high"], "difference")
    table = difference.assign(**{category: difference[category].astype(str)})
    pairs = table[["group_a", "group_b"]].astype(str).drop_duplicates().values.tolist()
    colors = resolve_colors(sorted({g for pair in pairs for g in pair} - {"rest"}), colors)
    one = len(pairs) == 1
    rows = table.sort_values([category, "group_a"], kind="stable").reset_index(drop=True)
    labels = [shorten(str(r[category]).replace("_", " "), label_width) if one
              else shorten(f"{str(r[category]).replace('_', ' ')}: {r['group_a']}", label_width)
              for _, r in rows.iterrows()]
    n = len(rows)
    with style():
        ax = new_axes(ax, "single", 0.9 + 0.2 * n)
        y = np.arange(n)[::-1]
        for yi, (_, r) in zip(y, rows.iterrows()):
            side = r["group_a"] if r["difference"] >= 0 or not one else r["group_b"]
            color = colors.get(str(side), "#333333")
            excludes = r["ci_low"] > 0 or r["ci_high"] < 0
            ax.plot([r["ci_low"], r["ci_high"]], [yi, yi], color=color, linewidth=1.0, solid_capstyle="butt")
            ax.plot([r["difference"]], [yi], "o", color=color, markersize=3.5,
                    markerfacecolor=color if excludes else "white")
        ax.axvline(0, color="#999999", linewidth=0.5, zorder=0)
        ax.set_yticks(y, labels)
        ax.set_ylim(-0.7, n - 0.3)
        if xlabel is None:
            what = f"{pairs[0][0]} \u2212 {pairs[0][1]}" if one else "group \u2212 the others"
            xlabel = f"Difference in share ({shorten(what, 40)})\n{interval_percent(ci_level, difference)} interval"
        ax.set_xlabel(xlabel)
        finish_ticks(ax)
    return ax


def plot_term_intervals(
    rows: pd.DataFrame,
    *,
    ax: Axes | None = None,
    colors: Mapping[str, str] | None = None,
    row_label: str = "label",
    title: str | None = None,
    label_width: int = 24,
    fdr_level: float = 0.05,
) -> Axes:
    """Log-odds with intervals for selected terms (perspectives, frame wording); filled = key.

    Parameters
    ----------
    rows
        ``log_odds, ci_low, ci_high, group`` and ``row_label``, top row first; ``q_perm`` or
        ``key`` mark key terms (filled points).
    ax
        Axes; default a new single-column figure.
    colors
        ``{group: colour}``: each row takes its ``group``'s colour where positive, its
        ``reference``'s where negative (dark grey for ``"rest"``).
    row_label
        Column with the row names.
    title
        Panel title.
    label_width
        Row names cut to this many characters.
    fdr_level
        Level of ``key`` when there is no ``key`` column.

    Returns
    -------
    Axes

    Examples
    --------
    >>> r = pd.DataFrame({"label": ["tax", "jobs"], "group": "x", "reference": "y", "log_odds": [0.5, -0.4],
    ...                   "ci_low": [0.2, -0.7], "ci_high": [0.8, -0.1], "q_perm": [0.01, 0.2]})
    >>> [t.get_text() for t in plot_term_intervals(r).get_yticklabels()]
    ['tax', 'jobs']
    """
    from textlab.plots.keyness import key_mask

    require_columns(rows, ["log_odds", "ci_low", "ci_high", "group", row_label], "rows")
    n = len(rows)
    palette = resolve_colors(sorted({str(g) for g in rows["group"]}
                                    | ({str(g) for g in rows["reference"]} - {"rest"} if "reference" in rows else set())),
                             colors)
    keys = key_mask(rows, fdr_level).to_numpy()
    with style():
        ax = new_axes(ax, "single", 0.8 + 0.17 * max(n, 1))
        y = np.arange(n)[::-1]
        for yi, (_, r), k in zip(y, rows.iterrows(), keys):
            side = r["group"] if r["log_odds"] >= 0 or "reference" not in rows else r["reference"]
            color = palette.get(str(side), "#333333")
            ax.plot([r["ci_low"], r["ci_high"]], [yi, yi], color=color, linewidth=1.0, solid_capstyle="butt")
            ax.plot([r["log_odds"]], [yi], "o", color=color, markersize=3.2, markerfacecolor=color if k else "white")
        ax.axvline(0, color="#999999", linewidth=0.5, zorder=0)
        ax.set_yticks(y, [shorten(t, label_width) for t in rows[row_label].astype(str)], fontsize=6)
        ax.set_ylim(-0.7, max(n, 1) - 0.3)
        if title:
            ax.set_title(title, loc="left", fontsize=7)
        finish_ticks(ax)
    return ax
