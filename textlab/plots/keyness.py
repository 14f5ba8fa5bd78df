"""Keyness ("fightin' words"): frequency against z-score, and intervals for the labelled terms."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from adjustText import adjust_text
from matplotlib.axes import Axes
from matplotlib.lines import Line2D

from textlab._errors import ConfigError, bad_value
from textlab.plots._colors import NEUTRAL, REFERENCE, group_colors
from textlab.plots._common import require_columns, shorten, interval_percent
from textlab.plots._style import finish_ticks, new_axes, style


def key_mask(table: pd.DataFrame, fdr_level: float = 0.05) -> pd.Series:
    """Key terms of a table: its ``key`` column, else ``q_perm < fdr_level`` (NaN: not key)."""
    if "key" in table.columns:
        return table["key"].fillna(False).astype(bool)
    if "q_perm" not in table.columns:
        return pd.Series(False, index=table.index)
    return (table["q_perm"].astype(float) < fdr_level).fillna(False)

__all__ = ["select_keyness_labels", "plot_keyness", "plot_keyness_intervals"]

_COLUMNS = ["term", "label", "group", "reference", "count_group", "count_reference", "z"]


def _one_comparison(table: pd.DataFrame, name: str) -> tuple[str, str]:
    pairs = table[["group", "reference"]].astype(str).drop_duplicates()
    if len(pairs) != 1:
        listed = [f"{a} vs {b}" for a, b in pairs.itertuples(index=False)]
        raise ConfigError(
            f"{name} holds {len(pairs)} comparisons {listed}; pass one, "
            f"e.g. table[table['group'] == {listed[0].split(' vs ')[0]!r}]"
        )
    return tuple(pairs.iloc[0])  # type: ignore[return-value]


_NOT_GROUPS = ("rest", "all", "others", "other", "reference")


def _side_colors(group: str, reference: str, colors: Mapping[str, str] | None) -> tuple[str, str]:
    """Colour of the ``group`` side and of the ``reference`` side (dark grey if not a group)."""
    palette = group_colors([g for g in (group, reference) if g not in _NOT_GROUPS])
    palette.update(colors or {})
    return palette.get(group, REFERENCE), palette.get(reference, REFERENCE)


def _separate_labels(ax: Axes, texts: list, *, max_steps: int = 40) -> None:
    """Move labels that still overlap (adjustText does not guarantee it) to the nearest free spot.

    Labels are taken in order (most extreme first); each one that overlaps
    an already placed label, or sticks out of the axes, is moved by multiples
    of a third of its height (up, down, then sideways) to the first position
    free of both. Deterministic.
    """
    renderer = ax.figure.canvas.get_renderer()
    frame = ax.get_window_extent(renderer)
    to_data = ax.transData.inverted()
    placed = []
    for text in texts:
        text.set_ha("center")
        text.set_va("center")
        box = text.get_window_extent(renderer).expanded(1.04, 1.08)
        w, h = box.width, box.height
        cx, cy = (box.x0 + box.x1) / 2, (box.y0 + box.y1) / 2
        candidates = [(0.0, 0.0)]
        for step in range(1, max_steps + 1):
            dy = step * h / 3
            candidates += [(0.0, dy), (0.0, -dy), (w / 2, dy), (-w / 2, dy), (w / 2, -dy), (-w / 2, -dy)]
        for dx, dy in candidates:
            x0, y0 = cx + dx - w / 2, cy + dy - h / 2
            inside = x0 >= frame.x0 and x0 + w <= frame.x1 and y0 >= frame.y0 and y0 + h <= frame.y1
            free = all(x0 + w <= b[0] or b[2] <= x0 or y0 + h <= b[1] or b[3] <= y0 for b in placed)
            if inside and free:
                break
        text.set_position(to_data.transform((cx + dx, cy + dy)))
        placed.append((x0, y0, x0 + w, y0 + h))


def _leader_lines(ax: Axes, texts: list, px: np.ndarray, py: np.ndarray) -> None:
    """Thin grey line from each label to its point when the label has moved away from it."""
    renderer = ax.figure.canvas.get_renderer()
    for text, x, y in zip(texts, px, py, strict=True):
        box = text.get_window_extent(renderer)
        point = ax.transData.transform((x, y))
        if box.expanded(1.0, 1.6).contains(*point):
            continue
        ax.annotate("", xy=(x, y), xytext=text.get_position(), textcoords="data",
                    arrowprops={"arrowstyle": "-", "color": "#777777", "lw": 0.4, "shrinkA": 0, "shrinkB": 2,
                                "patchA": text}, zorder=3)


def select_keyness_labels(table: pd.DataFrame, *, n: int = 8, z_threshold: float = 1.96) -> pd.DataFrame:
    """Pick the terms to label: the ``n`` highest and ``n`` lowest z-scores beyond the threshold.

    Parameters
    ----------
    table
        Keyness rows of one comparison (one ``group`` vs one ``reference``).
    n
        Terms per side.
    z_threshold
        Only terms with ``|z| >= z_threshold`` are labelled.

    Returns
    -------
    DataFrame
        The selected rows, favouring ``group`` first (z descending), then
        favouring ``reference`` (z ascending), with a column ``favours``.

    Examples
    --------
    >>> t = pd.DataFrame({"term": list("abcd"), "z": [3.0, -2.5, 0.5, 2.0]})
    >>> select_keyness_labels(t, n=1)["term"].tolist()
    ['a', 'b']
    """
    if n < 0:
        raise bad_value("n", n, "an integer >= 0")
    require_columns(table, ["term", "z"], "table")
    z = table["z"].astype(float)
    top = table[z >= z_threshold].sort_values(["z", "term"], ascending=[False, True], kind="stable").head(n)
    bottom = table[z <= -z_threshold].sort_values(["z", "term"], ascending=[True, True], kind="stable").head(n)
    out = pd.concat([top, bottom])
    group = out["group"].astype(str) if "group" in out.columns else pd.Series("group", index=out.index)
    ref = out["reference"].astype(str) if "reference" in out.columns else pd.Series("reference", index=out.index)
    return out.assign(favours=np.where(out["z"].astype(float) > 0, group, ref))


def plot_keyness(
    table: pd.DataFrame,
    *,
    ax: Axes | None = None,
    labels: pd.DataFrame | None = None,
    n_labels: int = 8,
    z_threshold: float = 1.96,
    colors: Mapping[str, str] | None = None,
    iter_lim: int = 150,
    key: str = "q_perm",
    fdr_level: float = 0.05,
) -> Axes:
    """Fightin' words scatter: total frequency (log10) against the log-odds z-score.

    Points above zero favour ``group``, below zero ``reference``; they take
    that side's colour when the term is *key* (``key="q_perm"``, the default: the
    permutation test's ``q_perm < fdr_level``, or the table's ``key`` column) and grey
    otherwise; the z-score places the point (a descriptive distance) but does not decide.
    With ``key="z"``, or a table without permutation q-values, ``|z| >= z_threshold``
    decides. Labels of terms that are not key are grey. The
    rows of ``labels`` are labelled; text is moved apart with adjustText
    (fixed iteration count, no time limit, so deterministic), any overlap
    left is removed by a deterministic search for the nearest free spot, and
    a moved label is joined to its point by a thin line.
    The bootstrap intervals of the labelled terms are drawn by
    :func:`plot_keyness_intervals` (a z-score has no interval of its own).

    Parameters
    ----------
    table
        Keyness rows of one comparison (``KeynessResult.table`` filtered to one ``group``).
    ax
        Axes; default a new single-column figure.
    labels
        Rows to label; default ``select_keyness_labels(table, n=n_labels, z_threshold=z_threshold)``.
    n_labels, z_threshold
        See :func:`select_keyness_labels`.
    colors
        ``{group: colour}``; default :func:`group_colors`. A reference that is
        not a group (``"rest"``) is dark grey.
    iter_lim
        Iterations of the label placement.
    key, fdr_level
        What colours a point: ``"q_perm"`` (below ``fdr_level``) or ``"z"``.

    Returns
    -------
    Axes

    Examples
    --------
    >>> t = pd.DataFrame({"term": ["chip", "cloud", "the"], "label": ["chip", "cloud", "the"],
    ...     "group": "outlet-a", "reference": "outlet-b", "count_group": [9, 1, 50],
    ...     "count_reference": [1, 8, 52], "z": [2.5, -2.2, 0.1]})
    >>> ax = plot_keyness(t)
    >>> len(ax.texts) >= 2
    True
    """
    require_columns(table, _COLUMNS, "table")
    group, reference = _one_comparison(table, "table")
    if labels is None:
        labels = select_keyness_labels(table, n=n_labels, z_threshold=z_threshold)
    pos_color, neg_color = _side_colors(group, reference, colors)
    z = table["z"].to_numpy(dtype=float)
    total = table["count_group"].to_numpy(dtype=float) + table["count_reference"].to_numpy(dtype=float)
    x = np.log10(np.clip(total, 1, None))
    by_test = key == "q_perm" and "q_perm" in table.columns and table["q_perm"].notna().any()
    strong = key_mask(table, fdr_level).to_numpy() if by_test else np.abs(z) >= z_threshold
    point_colors = np.where(strong & (z > 0), pos_color, np.where(strong & (z < 0), neg_color, NEUTRAL))
    with style():
        ax = new_axes(ax, "single", 3.0)
        order = np.lexsort((np.abs(z), strong))  # key points drawn last, on top
        ax.scatter(x[order], z[order], s=7, c=point_colors[order], linewidths=0, zorder=2)
        if not by_test:  # the |z| band only where z decides; otherwise it would suggest a second notion of key
            ax.axhspan(-z_threshold, z_threshold, color="#F2F2F2", zorder=0, linewidth=0)
        ax.axhline(0, color="#999999", linewidth=0.5, zorder=1)
        ax.set_xlabel("Frequency, both sides (log$_{10}$ count)", parse_math=True)  # data labels stay plain
        ax.set_ylabel(f"z-score of log-odds\n\u2190 {shorten(reference, 14)}   {shorten(group, 14)} \u2192")
        pad = 0.15 * (np.ptp(z) if len(z) > 1 else 1.0)
        ax.set_ylim(min(z.min(), -z_threshold) - pad, max(z.max(), z_threshold) + pad)
        xpad = 0.08 * (np.ptp(x) if np.ptp(x) > 0 else 1.0)
        ax.set_xlim(x.min() - xpad, x.max() + xpad)
        handles = [
            Line2D([], [], marker="o", ls="none", color=pos_color, markersize=4, label=f"favours {group}"),
            Line2D([], [], marker="o", ls="none", color=neg_color, markersize=4, label=f"favours {reference}"),
            Line2D([], [], marker="o", ls="none", color=NEUTRAL, markersize=4,
                   label=f"not key (q_perm \u2265 {fdr_level:g})" if by_test else f"|z| < {z_threshold:g}"),
        ]
        ax.legend(handles=handles, loc="lower left", bbox_to_anchor=(0.0, 1.0), ncols=2, fontsize=7,
                  handletextpad=0.2, columnspacing=0.8)
        finish_ticks(ax)
        if len(labels):
            lab_total = labels["count_group"].to_numpy(dtype=float) + labels["count_reference"].to_numpy(dtype=float)
            lx = np.log10(np.clip(lab_total, 1, None))
            ly = labels["z"].to_numpy(dtype=float)
            names = labels["label"] if "label" in labels.columns else labels["term"]
            lab_key = key_mask(labels, fdr_level).to_numpy() if by_test else np.abs(ly) >= z_threshold
            texts = [
                ax.text(xi, yi, shorten(t, 22), fontsize=7, ha="center", va="center", zorder=4,
                        color="black" if k else "#777777")
                for xi, yi, t, k in zip(lx, ly, names.astype(str), lab_key, strict=True)
            ]
            ax.figure.canvas.draw()  # fix the layout before measuring text
            avoid_x, avoid_z = _points_to_avoid(x, z, lx, ly)
            adjust_text(texts, x=avoid_x, y=avoid_z, ax=ax, iter_lim=iter_lim, time_lim=None, ensure_inside_axes=True,
                        expand=(1.1, 1.3))
            _separate_labels(ax, texts)
            _leader_lines(ax, texts, lx, ly)
    return ax


#: Points the label placement steers around, at most (the labelled ones and those of largest |z|):
#: the time of adjustText grows with labels x points, and a large corpus plots tens of thousands of terms,
#: most of them in the grey band around z = 0, far from the labels.
MAX_AVOID = 3_000


def _points_to_avoid(x: np.ndarray, z: np.ndarray, lx: np.ndarray, ly: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """All points up to :data:`MAX_AVOID`; above it the labelled points and the others of largest |z|."""
    if len(x) <= MAX_AVOID:
        return x, z
    top = np.sort(np.argsort(-np.abs(z), kind="stable")[:MAX_AVOID])
    return np.concatenate([x[top], lx]), np.concatenate([z[top], ly])


def plot_keyness_intervals(
    labels: pd.DataFrame,
    *,
    ax: Axes | None = None,
    colors: Mapping[str, str] | None = None,
    ci_level: float | None = None,
    fdr_level: float = 0.05,
) -> Axes:
    """Forest plot of the log-odds and its bootstrap interval for the labelled terms.

    Filled points are key terms (``q_perm < fdr_level``, or the ``key`` column), open points
    are not (only when the table has ``q_perm`` or ``key``).

    Parameters
    ----------
    labels
        Rows of one comparison with ``term, label, group, reference, log_odds,
        ci_low, ci_high`` (usually :func:`select_keyness_labels` output).
    ax
        Axes; default a new single-column figure.
    colors
        ``{group: colour}``; default :func:`group_colors`.
    ci_level
        Level of the intervals, named in the axis label (``KeynessResult.params["ci_level"]``);
        default ``labels.attrs["ci_level"]`` or 0.95.

    Returns
    -------
    Axes

    Examples
    --------
    >>> t = pd.DataFrame({"term": ["chip", "cloud"], "label": ["chip", "cloud"], "group": "outlet-a",
    ...     "reference": "outlet-b", "log_odds": [1.2, -0.9], "ci_low": [0.5, -1.5], "ci_high": [1.9, -0.2]})
    >>> [t.get_text() for t in plot_keyness_intervals(t).get_yticklabels()]  # bottom to top
    ['cloud', 'chip']
    """
    require_columns(labels, ["term", "group", "reference", "log_odds", "ci_low", "ci_high"], "labels")
    group, reference = _one_comparison(labels, "labels")
    pos_color, neg_color = _side_colors(group, reference, colors)
    rows = labels.sort_values(["log_odds", "term"], ascending=[True, True], kind="stable")
    est = rows["log_odds"].to_numpy(dtype=float)
    lo, hi = rows["ci_low"].to_numpy(dtype=float), rows["ci_high"].to_numpy(dtype=float)
    names = (rows["label"] if "label" in rows.columns else rows["term"]).astype(str)
    n = len(rows)
    with style():
        ax = new_axes(ax, "single", 0.8 + 0.17 * n)
        y = np.arange(n)
        cols = np.where(est > 0, pos_color, neg_color)
        marked = "q_perm" in rows.columns or "key" in rows.columns
        keys = key_mask(rows, fdr_level).to_numpy() if marked else np.ones(n, dtype=bool)
        for yi, e, l, h, c, k in zip(y, est, lo, hi, cols, keys, strict=True):
            ax.plot([l, h], [yi, yi], color=c, linewidth=1.0, solid_capstyle="butt")
            ax.plot([e], [yi], "o", color=c, markersize=3.5, markerfacecolor=c if k else "white")
        ax.axvline(0, color="#999999", linewidth=0.5, zorder=0)
        ax.set_yticks(y, [shorten(t, 22) for t in names])
        ax.set_ylim(-0.7, n - 0.3)
        sides = f"\u2190 {shorten(reference, 14)}   {shorten(group, 14)} \u2192"
        ax.set_xlabel(f"Log-odds, {interval_percent(ci_level, labels)} bootstrap interval\n{sides}")
        finish_ticks(ax)
    return ax
