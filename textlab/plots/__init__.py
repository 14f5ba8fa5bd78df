"""Publication figures of textlab's result tables.

Every ``plot_*`` function draws a result table it is given and returns the
Axes (or, for small multiples, an array of Axes); none computes statistics,
saves or shows. Where a figure shows a subset or a reordering, a pure
function gives exactly the table drawn (:func:`select_keyness_labels`,
:func:`corpus_overview_table`, :func:`passage_topic_table`,
:func:`order_similarity`, :func:`topic_leaning`) so it can be saved as CSV
next to the figure. :func:`save_figure` is the only function that writes.

Figures are drawn in the shipped style (:func:`style`) at print size
(:data:`SINGLE_COLUMN` 3.5 in, :data:`FULL_WIDTH` 7.2 in), with one fixed
colour per group (:func:`group_colors`). Plot functions draw inside the
style even when given an ``ax``, so a figure keeps its print sizes; wrap the
whole figure in ``with style():`` when composing panels yourself, e.g.::

    fig, (left, right) = figure("full", 3.4, ncols=2, width_ratios=[1.6, 1])
    labels = select_keyness_labels(table, n=8)
    plot_keyness(table, ax=left, labels=labels)
    plot_keyness_intervals(labels, ax=right)
    save_figure(fig, "figures/keyness")
"""

from textlab.plots._colors import NEUTRAL, OKABE_ITO, group_colors
from textlab.plots._style import FULL_WIDTH, MIN_FONT_SIZE, SINGLE_COLUMN, STYLE_PATH, figure, style
from textlab.plots.corpus import corpus_overview_table, plot_corpus_overview
from textlab.plots.frames import plot_frames
from textlab.plots.heatmaps import order_similarity, passage_topic_table, plot_passage_topics, plot_similarity
from textlab.plots.keyness import plot_keyness, plot_keyness_intervals, select_keyness_labels
from textlab.plots.prevalence import plot_prevalence, plot_prevalence_difference
from textlab.plots.save import font_subset_cache, save_figure
from textlab.plots.selection import plot_model_selection
from textlab.plots.terms import plot_distinctive_terms
from textlab.plots.topics import plot_topic_map, plot_topic_terms, topic_leaning

__all__ = [
    "FULL_WIDTH",
    "MIN_FONT_SIZE",
    "NEUTRAL",
    "OKABE_ITO",
    "SINGLE_COLUMN",
    "STYLE_PATH",
    "corpus_overview_table",
    "figure",
    "font_subset_cache",
    "group_colors",
    "order_similarity",
    "passage_topic_table",
    "plot_corpus_overview",
    "plot_distinctive_terms",
    "plot_frames",
    "plot_keyness",
    "plot_keyness_intervals",
    "plot_model_selection",
    "plot_passage_topics",
    "plot_prevalence",
    "plot_prevalence_difference",
    "plot_similarity",
    "plot_topic_map",
    "plot_topic_terms",
    "save_figure",
    "select_keyness_labels",
    "style",
    "topic_leaning",
]
