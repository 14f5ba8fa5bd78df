"""Heatmaps: passages by topic, and document similarity, with group annotations."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.patches import Rectangle
from matplotlib.transforms import blended_transform_factory

from textlab._errors import ConfigError
from textlab.plots._colors import resolve_colors
from textlab.plots._common import group_legend, require_columns, shorten, topic_names
from textlab.plots._style import new_axes, finish_ticks, style

__all__ = ["passage_topic_table", "plot_passage_topics", "order_similarity", "plot_similarity"]


def passage_topic_table(
    doc_topic: np.ndarray | pd.DataFrame,
    passages: pd.DataFrame,
    *,
    group_column: str = "group",
) -> pd.DataFrame:
    """Passage-by-topic proportions with their metadata, ordered by group, document and position.

    Parameters
    ----------
    doc_topic
        N x K proportions, rows in the order of ``passages`` (``LdaFit.doc_topic``),
        or a DataFrame with columns ``1..K``.
    passages
        ``passage_id, doc_id, <group_column>`` (and ``position`` if known;
        otherwise the given order within each document).
    group_column
        Column of ``passages`` holding the group.

    Returns
    -------
    DataFrame
        ``passage_id, doc_id, group, position`` then one column per topic
        named ``1..K``, in drawing order (top to bottom).

    Examples
    --------
    >>> p = pd.DataFrame({"passage_id": ["b:000", "a:000"], "doc_id": ["b", "a"], "group": ["x", "x"]})
    >>> passage_topic_table([[0.2, 0.8], [0.6, 0.4]], p)["passage_id"].tolist()
    ['a:000', 'b:000']
    """
    require_columns(passages, ["passage_id", "doc_id", group_column], "passages")
    values = doc_topic.to_numpy(dtype=float) if isinstance(doc_topic, pd.DataFrame) else np.asarray(doc_topic, float)
    if values.ndim != 2 or values.shape[0] != len(passages):
        raise ConfigError(
            f"doc_topic has shape {values.shape}; expected one row per passage ({len(passages)} rows) and K columns"
        )
    if isinstance(doc_topic, pd.DataFrame):
        names = [str(c) for c in doc_topic.columns]
    else:
        names = [str(k) for k in range(1, values.shape[1] + 1)]
    base = pd.DataFrame({
        "passage_id": passages["passage_id"].astype(str).to_numpy(),
        "doc_id": passages["doc_id"].astype(str).to_numpy(),
        "group": passages[group_column].astype(str).to_numpy(),
    })
    if "position" in passages.columns:
        base["position"] = passages["position"].to_numpy(dtype=np.int64)
    else:
        base["position"] = base.groupby("doc_id", sort=False).cumcount().to_numpy(dtype=np.int64)
    table = pd.concat([base, pd.DataFrame(values, columns=names)], axis=1)
    return table.sort_values(["group", "doc_id", "position"], kind="stable").reset_index(drop=True)


def _group_strip(ax: Axes, groups: list[str], colors: Mapping[str, str], *, axis: str, width: float = 0.025) -> None:
    """Colour strip outside the left (axis="y") or top (axis="x") edge, one cell per row/column."""
    for i, g in enumerate(groups):
        if axis == "y":
            tr = blended_transform_factory(ax.transAxes, ax.transData)
            rect = Rectangle((-width - 0.005, i - 0.5), width, 1.0, transform=tr, color=colors[g], clip_on=False)
        else:
            tr = blended_transform_factory(ax.transData, ax.transAxes)
            rect = Rectangle((i - 0.5, 1.005), 1.0, width, transform=tr, color=colors[g], clip_on=False)
        ax.add_patch(rect)


def plot_passage_topics(
    doc_topic: np.ndarray | pd.DataFrame,
    passages: pd.DataFrame,
    *,
    group_column: str = "group",
    ax: Axes | None = None,
    colors: Mapping[str, str] | None = None,
    topic_labels: Mapping[int, str] | None = None,
    cmap: str = "viridis",
    max_doc_labels: int = 40,
) -> Axes:
    """Heatmap of topic proportions: one row per passage, ordered by group, document and position.

    Lines separate documents; document ids label each block on the right;
    a strip of group colours runs down the left. The table drawn is
    :func:`passage_topic_table` of the same inputs (save that as the CSV).

    Parameters
    ----------
    doc_topic, passages, group_column
        See :func:`passage_topic_table`.
    ax
        Axes; default a new single-column figure.
    colors
        ``{group: colour}``; default :func:`group_colors`.
    topic_labels
        ``{topic: label}`` for the column labels (topics are numbered 1..K).
    cmap
        Sequential colour map (0 to 1).
    max_doc_labels
        With more documents, ids and separator lines are left out (they
        would merge); the group strip still shows the groups.

    Returns
    -------
    Axes

    Examples
    --------
    >>> p = pd.DataFrame({"passage_id": ["a:000", "a:001"], "doc_id": "a", "group": "mixed"})
    >>> ax = plot_passage_topics([[0.2, 0.8], [0.6, 0.4]], p)
    >>> ax.images[0].get_array().shape
    (2, 2)
    """
    table = passage_topic_table(doc_topic, passages, group_column=group_column)
    topic_cols = list(table.columns[4:])
    values = table[topic_cols].to_numpy(dtype=float)
    groups = table["group"].tolist()
    colors = resolve_colors(sorted(set(groups)), colors)
    n, k = values.shape
    with style():
        ax = new_axes(ax, "single", 4.2)
        im = ax.imshow(values, aspect="auto", interpolation="nearest", cmap=cmap, vmin=0.0, vmax=1.0)
        docs = table["doc_id"].to_numpy()
        starts = np.flatnonzero(np.r_[True, docs[1:] != docs[:-1]])
        ends = np.r_[starts[1:], n]
        if len(starts) <= max_doc_labels:
            for s in starts[1:]:
                ax.axhline(s - 0.5, color="white", linewidth=0.8)
            ax.set_yticks((starts + ends - 1) / 2, [shorten(d, 10) for d in docs[starts]])
        else:
            ax.set_yticks([])
        ax.tick_params(axis="y", length=0)
        ax.set_ylabel("Passages, by group and document")
        try:
            labels = topic_names([int(c) for c in topic_cols], topic_labels, width=34)
        except ValueError:
            labels = topic_cols
        labels = [s.replace("Topic ", "") for s in labels]
        rotate = any(len(s) > 3 for s in labels) and k > 3
        ax.set_xticks(np.arange(k), labels, rotation=45 if rotate else 0, ha="right" if rotate else "center")
        ax.set_xlabel("Topic")
        for spine in ax.spines.values():
            spine.set_visible(False)
        strip = 0.04
        _group_strip(ax, groups, colors, axis="y", width=strip)
        # tick labels sit left of the strip: pad = strip width in points (axes width * fraction) + a gap
        axes_width_pt = ax.get_position().width * ax.figure.get_figwidth() * 72
        ax.yaxis.set_tick_params(pad=(strip + 0.005) * axes_width_pt + 3)
        cbar = ax.figure.colorbar(im, ax=ax, shrink=0.8, pad=0.02)
        cbar.set_label("Topic proportion")
        cbar.ax.tick_params(labelsize=7)
        group_legend(ax, colors, marker="s", loc="lower left", bbox_to_anchor=(0.0, 1.0),
                     ncols=min(3, len(colors)), handletextpad=0.2, columnspacing=0.8)
        finish_ticks(ax)
    return ax


def order_similarity(similarity: pd.DataFrame, groups: pd.Series | Mapping[str, str]) -> pd.DataFrame:
    """Reorder a square similarity table by group, then id.

    Parameters
    ----------
    similarity
        Square table indexed and columned by ``doc_id``.
    groups
        ``doc_id -> group``.

    Returns
    -------
    DataFrame
        The same values, rows and columns in the new order.

    Examples
    --------
    >>> s = pd.DataFrame([[1, .2], [.2, 1]], index=["b", "a"], columns=["b", "a"])
    >>> order_similarity(s, {"a": "x", "b": "x"}).index.tolist()
    ['a', 'b']
    """
    groups = pd.Series(groups)
    groups.index = groups.index.astype(str)
    ids = [str(i) for i in similarity.index]
    if [str(c) for c in similarity.columns] != ids:
        raise ConfigError("similarity must be square with the same ids, in the same order, as index and columns")
    missing = sorted(set(ids) - set(groups.index))
    if missing:
        raise ConfigError(f"groups has no group for id(s) {missing}")
    order = sorted(ids, key=lambda i: (str(groups[i]), i))
    sim = similarity.copy()
    sim.index, sim.columns = ids, ids
    return sim.loc[order, order]


def plot_similarity(
    similarity: pd.DataFrame,
    groups: pd.Series | Mapping[str, str],
    *,
    ax: Axes | None = None,
    colors: Mapping[str, str] | None = None,
    annotate: bool | None = None,
    cmap: str = "viridis",
    max_labels: int = 40,
) -> Axes:
    """Cosine-similarity heatmap ordered by group, values written in the cells, group strips on both axes.

    Parameters
    ----------
    similarity
        Square table (``models.tfidf.similarity_table``), values in [0, 1].
    groups
        ``doc_id -> group``.
    ax
        Axes; default a new single-column figure.
    colors
        ``{group: colour}``; default :func:`group_colors`.
    annotate
        Write the values in the cells; default when there are at most 8 rows
        (beyond that the numbers no longer fit a single-column cell at 7 pt).
    cmap
        Sequential colour map.
    max_labels
        With more rows, id tick labels are left out (group strips remain).

    Returns
    -------
    Axes

    Examples
    --------
    >>> s = pd.DataFrame([[1, .2], [.2, 1]], index=["a", "b"], columns=["a", "b"])
    >>> ax = plot_similarity(s, {"a": "aws-led", "b": "mixed"})
    >>> [t.get_text() for t in ax.texts]
    ['1.00', '0.20', '0.20', '1.00']
    """
    sim = order_similarity(similarity, groups)
    gs = pd.Series(groups)
    gs.index = gs.index.astype(str)
    row_groups = [str(gs[i]) for i in sim.index]
    colors = resolve_colors(sorted(set(row_groups)), colors)
    values = sim.to_numpy(dtype=float)
    n = len(sim)
    annotate = n <= 8 if annotate is None else annotate
    with style():
        ax = new_axes(ax, "single", 3.2)
        im = ax.imshow(values, cmap=cmap, vmin=0.0, vmax=1.0, interpolation="nearest")
        if annotate:
            for i in range(n):
                for j in range(n):
                    v = values[i, j]
                    ax.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize=7,
                            color="black" if v > 0.6 else "white")
        ids = [shorten(i, 12) for i in sim.index] if n <= max_labels else []
        ax.set_xticks(np.arange(len(ids)), ids, rotation=90 if n > 6 else 0)
        ax.set_yticks(np.arange(len(ids)), ids)
        ax.tick_params(axis="both", length=0)
        ax.xaxis.set_tick_params(pad=2)
        ax.yaxis.set_tick_params(pad=8)
        for spine in ax.spines.values():
            spine.set_visible(False)
        _group_strip(ax, row_groups, colors, axis="y", width=0.035)
        _group_strip(ax, row_groups, colors, axis="x", width=0.035)
        cbar = ax.figure.colorbar(im, ax=ax, shrink=0.8, pad=0.03)
        cbar.set_label("Cosine similarity (TF-IDF)")
        cbar.ax.tick_params(labelsize=7)
        group_legend(ax, colors, marker="s", loc="lower left", bbox_to_anchor=(0.0, 1.05),
                     ncols=min(3, len(colors)), handletextpad=0.2, columnspacing=0.8)
        finish_ticks(ax)
    return ax
