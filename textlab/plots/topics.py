"""Topics: top terms as small multiples with stability, and the intertopic distance map."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from textlab._errors import ConfigError
from textlab.plots._colors import NEUTRAL, resolve_colors
from textlab.plots._common import require_columns, shorten
from textlab.plots._style import FULL_WIDTH, finish_ticks, new_axes, style

__all__ = ["plot_topic_terms", "topic_leaning", "plot_topic_map", "topic_labels"]

_STABLE_COLOR = "#4D4D4D"
_UNSTABLE_COLOR = "#BBBBBB"
NO_LEAN = "no clear lean"


def topic_labels(topic_terms: pd.DataFrame, stability: pd.DataFrame | None = None, *, method: str = "frex",
                 n_terms: int = 2) -> dict[int, str]:
    """The one name of each topic used in every figure and table: its top ``n_terms`` terms joined by " · ".

    Parameters
    ----------
    topic_terms
        ``topic, method, rank, label`` (the study's ``topic_terms`` table, from
        :func:`textlab.analysis.topics.labels.top_terms`).
    stability
        ``topic, stable``; unstable topics get " (unstable)" appended.
    method
        Which ranking names the topic (``"frex"``: frequent and exclusive terms); falls back to
        the first method present.
    n_terms
        Terms per name.

    Returns
    -------
    dict
        ``topic -> name``.

    Examples
    --------
    >>> t = pd.DataFrame({"topic": [1, 1, 1], "method": "frex", "rank": [1, 2, 3], "label": ["chip", "fab", "x"]})
    >>> topic_labels(t)
    {1: 'chip · fab'}
    """
    require_columns(topic_terms, ["topic", "rank", "label"], "topic_terms")
    terms = topic_terms
    if "method" in terms.columns:
        methods = list(dict.fromkeys(terms["method"].astype(str)))
        chosen = method if method in methods else (methods[0] if methods else method)
        terms = terms[terms["method"].astype(str) == chosen]
    terms = terms[terms["rank"] <= n_terms].sort_values(["topic", "rank"], kind="stable")
    stable = (stability.set_index("topic")["stable"].astype(bool) if stability is not None
              and "stable" in stability.columns else pd.Series(dtype=bool))
    out = {}
    for k, rows in terms.groupby("topic", sort=True):
        label = " · ".join(rows["label"].astype(str))
        out[int(k)] = label if bool(stable.get(k, True)) else f"{label} (unstable)"
    return out


def plot_topic_terms(
    terms: pd.DataFrame,
    stability: pd.DataFrame | None = None,
    *,
    fig: Figure | None = None,
    topic_labels: Mapping[int, str] | None = None,
    ncols: int = 4,
    label_width: int = 18,
) -> np.ndarray:
    """Top terms of each topic as small multiples; unstable topics greyed, hatched and titled so.

    Parameters
    ----------
    terms
        ``topic, rank, term, label, score`` of **one** ``method``
        (``models.labels.top_terms`` filtered, e.g. ``t[t.method == "frex"]``).
        Every row is drawn. Bars when all scores are >= 0, dots otherwise
        (relevance is a log-scale score).
    stability
        ``topic, stability, stable`` (``StabilityResult.table``); titles then
        show "stability 0.83", or "unstable (0.42)" in grey.
    fig
        Empty figure to draw in; default a new full-width figure.
    topic_labels
        ``{topic: short label}`` shown in the titles.
    ncols
        Panels per row.
    label_width
        Term labels are cut to this many characters.

    Returns
    -------
    numpy.ndarray of Axes
        One per topic (unused grid cells are removed).

    Examples
    --------
    >>> t = pd.DataFrame({"topic": [1, 1, 2, 2], "rank": [1, 2, 1, 2], "term": list("abcd"),
    ...                   "label": list("abcd"), "score": [.3, .2, .4, .1]})
    >>> s = pd.DataFrame({"topic": [1, 2], "stability": [0.9, 0.4], "stable": [True, False]})
    >>> [ax.get_title(loc="left").replace("\\n", " / ") for ax in plot_topic_terms(t, s)]
    ['Topic 1 / stability 0.90', 'Topic 2 / unstable (0.40)']
    """
    require_columns(terms, ["topic", "rank", "term", "score"], "terms")
    if "method" in terms.columns and terms["method"].nunique() > 1:
        raise ConfigError(
            f"terms holds several methods {sorted(terms['method'].unique())}; filter to one, "
            "e.g. terms[terms['method'] == 'frex']"
        )
    topics = sorted(int(t) for t in terms["topic"].unique())
    stab = {}
    if stability is not None:
        require_columns(stability, ["topic", "stability", "stable"], "stability")
        stab = {int(r.topic): (float(r.stability), bool(r.stable)) for r in stability.itertuples(index=False)}
    n_terms = int(terms.groupby("topic")["rank"].size().max())
    ncols = max(1, min(ncols, len(topics)))
    nrows = int(np.ceil(len(topics) / ncols))
    use_bars = bool((terms["score"].astype(float) >= 0).all())
    with style():
        if fig is None:
            fig = plt.figure(figsize=(FULL_WIDTH, nrows * (0.45 + 0.15 * n_terms)))
        grid = fig.subplots(nrows, ncols, squeeze=False)
        axes = []
        for i, ax in enumerate(grid.ravel()):
            if i >= len(topics):
                ax.remove()
                continue
            k = topics[i]
            rows = terms[terms["topic"] == k].sort_values("rank", kind="stable")
            score = rows["score"].to_numpy(dtype=float)
            y = np.arange(len(rows))[::-1] + (n_terms - len(rows))
            value, stable = stab.get(k, (np.nan, True))
            color = _STABLE_COLOR if stable else _UNSTABLE_COLOR
            if use_bars:
                ax.barh(y, score, height=0.7, color=color if stable else "white", edgecolor=color,
                        hatch=None if stable else "////", linewidth=0.6)
            else:
                ax.hlines(y, score.min(), score, color=color, linewidth=0.8)
                ax.plot(score, y, "o", color=color, markersize=3)
            names = rows["label"] if "label" in rows.columns else rows["term"]
            ax.set_yticks(y, [shorten(t, label_width) for t in names.astype(str)])
            ax.set_ylim(-0.6, n_terms - 0.4)
            title = f"Topic {k}"
            if topic_labels and k in topic_labels:
                title = shorten(f"{k}: {topic_labels[k]}", 22)
            if k in stab:
                title += f"\nstability {value:.2f}" if stable else f"\nunstable ({value:.2f})"
            ax.set_title(title, color="black" if stable else "#777777", fontsize=7, loc="left")
            ax.tick_params(axis="x", labelbottom=False, bottom=False)
            ax.spines["bottom"].set_visible(False)
            finish_ticks(ax)
            axes.append(ax)
    return np.asarray(axes, dtype=object)


def topic_leaning(table: pd.DataFrame, *, require_interval: bool = True) -> pd.Series:
    """The group each topic leans to, from a prevalence difference or by-group table.

    Parameters
    ----------
    table
        ``PrevalenceResult.difference`` (``topic, group_a, group_b, difference,
        ci_low, ci_high``): ``group_a`` when the difference is positive,
        ``group_b`` when negative; or ``PrevalenceResult.by_group`` (``topic,
        group, mean``): the group with the highest mean.
    require_interval
        With a difference table, topics whose interval contains 0 get
        ``"no clear lean"`` (drawn grey).

    Returns
    -------
    Series
        Indexed by ``topic``, name ``leaning``.

    Examples
    --------
    >>> d = pd.DataFrame({"topic": [1, 2], "group_a": "x", "group_b": "y",
    ...                   "difference": [0.2, -0.1], "ci_low": [0.1, -0.3], "ci_high": [0.3, 0.05]})
    >>> topic_leaning(d).tolist()
    ['x', 'no clear lean']
    """
    if "difference" in table.columns:
        require_columns(table, ["topic", "group_a", "group_b", "difference"], "table")
        diff = table["difference"].to_numpy(dtype=float)
        lean = np.where(diff > 0, table["group_a"].astype(str), table["group_b"].astype(str))
        if require_interval and {"ci_low", "ci_high"} <= set(table.columns):
            unclear = (table["ci_low"].to_numpy(dtype=float) <= 0) & (table["ci_high"].to_numpy(dtype=float) >= 0)
            lean = np.where(unclear | (diff == 0), NO_LEAN, lean)
        return pd.Series(lean, index=pd.Index(table["topic"].to_numpy(), name="topic"), name="leaning")
    require_columns(table, ["topic", "group", "mean"], "table")
    best = table.sort_values(["topic", "mean", "group"], ascending=[True, False, True], kind="stable")
    best = best.drop_duplicates("topic")
    return pd.Series(best["group"].astype(str).to_numpy(), index=pd.Index(best["topic"].to_numpy(), name="topic"),
                     name="leaning")


def plot_topic_map(
    topic_map: pd.DataFrame,
    leaning: pd.Series | None = None,
    *,
    ax: Axes | None = None,
    colors: Mapping[str, str] | None = None,
    max_marker_area: float = 600.0,
) -> Axes:
    """Intertopic distance map: topics at their 2-D coordinates, area proportional to prevalence.

    Parameters
    ----------
    topic_map
        ``topic, x, y, prevalence`` (``models.labels.topic_map``), optionally a
        ``leaning`` column.
    leaning
        ``topic -> group`` (see :func:`topic_leaning`); overrides a ``leaning``
        column. Topics without a group are grey.
    ax
        Axes; default a new single-column figure.
    colors
        ``{group: colour}``; default :func:`group_colors`.
    max_marker_area
        Marker area (pt²) of the most prevalent topic; others scale linearly.

    Returns
    -------
    Axes

    Examples
    --------
    >>> m = pd.DataFrame({"topic": [1, 2], "x": [0.1, -0.1], "y": [0.0, 0.2], "prevalence": [0.6, 0.4]})
    >>> ax = plot_topic_map(m, pd.Series({1: "outlet-b", 2: "outlet-a"}))
    >>> [t.get_text() for t in ax.texts]
    ['1', '2']
    """
    require_columns(topic_map, ["topic", "x", "y", "prevalence"], "topic_map")
    topics = topic_map["topic"].to_numpy()
    if leaning is not None:
        lean = pd.Series(leaning).reindex(topics).fillna(NO_LEAN).astype(str).to_numpy()
    elif "leaning" in topic_map.columns:
        lean = topic_map["leaning"].fillna(NO_LEAN).astype(str).to_numpy()
    else:
        lean = np.full(len(topics), NO_LEAN)
    groups = sorted({g for g in lean if g != NO_LEAN})
    palette = resolve_colors(groups, colors)
    palette[NO_LEAN] = NEUTRAL
    prev = topic_map["prevalence"].to_numpy(dtype=float)
    scale = max_marker_area / prev.max() if prev.max() > 0 else 0.0
    x, y = topic_map["x"].to_numpy(dtype=float), topic_map["y"].to_numpy(dtype=float)
    with style():
        ax = new_axes(ax, "single", 3.3)
        ax.scatter(x, y, s=prev * scale, c=[palette[g] for g in lean], alpha=0.75, edgecolors="white", linewidths=0.6)
        for xi, yi, t in zip(x, y, topics, strict=True):
            ax.text(xi, yi, str(t), ha="center", va="center", fontsize=7, fontweight="bold")
        # same range on both axes (equal aspect, square box) with room for the largest marker
        half = 0.5 * max(np.ptp(x), np.ptp(y), 1e-9) * 1.4
        cx, cy = (x.max() + x.min()) / 2, (y.max() + y.min()) / 2
        ax.set_xlim(cx - half, cx + half)
        ax.set_ylim(cy - half, cy + half)
        ax.set_aspect("equal", adjustable="box")
        ax.axhline(0, color="#EEEEEE", linewidth=0.5, zorder=0)
        ax.axvline(0, color="#EEEEEE", linewidth=0.5, zorder=0)
        ax.set_xlabel("Dimension 1 (Jensen\u2013Shannon, MDS)")
        ax.set_ylabel("Dimension 2")
        handles = [Line2D([], [], marker="o", ls="none", color=palette[g], markersize=6, alpha=0.75, label=g)
                   for g in [*groups, *([NO_LEAN] if NO_LEAN in lean else [])]]
        ref = [v for v in (0.05, 0.1, 0.2, 0.4) if v <= prev.max()] or [float(prev.max())]
        handles += [Line2D([], [], marker="o", ls="none", color="#DDDDDD", markeredgecolor="#999999",
                           markersize=np.sqrt(v * scale), label=f"{v:.0%} of text") for v in ref[-2:]]
        widest = max(h.get_markersize() for h in handles)  # points; the handle box must hold the largest circle
        ax.legend(handles=handles, loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=7, labelspacing=1.2,
                  borderpad=0.4, handlelength=max(2.2, widest / 7 + 0.4), handletextpad=0.8)
        finish_ticks(ax)
    return ax
