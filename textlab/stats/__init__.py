"""The statistics layer every comparison uses (keyness, prevalence, frames).

* :mod:`~textlab.stats.contrasts` -- :class:`Contrast`: which groups are compared with which;
* :mod:`~textlab.stats.layout` -- groups, resampling units and the document -> passage fallback;
* :mod:`~textlab.stats.units` -- counts per document / group / passage streamed from a count store;
* :mod:`~textlab.stats.bootstrap` -- stratified bootstrap draws;
* :mod:`~textlab.stats.permutation` -- exact, fixed and sequential (Besag-Clifford) permutation tests;
* :mod:`~textlab.stats.intervals` -- percentile intervals, Benjamini-Hochberg q-values;
* :mod:`~textlab.stats.differences` -- difference tables with intervals from paired replicates;
* :mod:`~textlab.stats.association` -- log-odds with a Dirichlet prior, G², Log Ratio;
* :mod:`~textlab.stats.checks` -- shared option checks.
"""

from textlab.stats.association import (
    bootstrap_log_odds, log_likelihood_g2, log_odds_dirichlet, log_ratio, permute_log_odds,
)
from textlab.stats.bootstrap import bootstrap_indices, bootstrap_weights, stratified_unit_draws
from textlab.stats.checks import RESAMPLING_UNITS, check_count, check_level, check_unit
from textlab.stats.contrasts import REST, Comparison, Contrast, as_contrast
from textlab.stats.differences import difference_table
from textlab.stats.intervals import bh_qvalues, percentile_interval, smallest_bh_discovery
from textlab.stats.layout import FEW_DOCUMENTS, GroupLayout, build_layout, choose_resampling_unit, group_labels
from textlab.stats.permutation import (
    PERMUTATION_METHODS,
    PermutationTest,
    n_label_assignments,
    permutation_assignments,
    permutation_pvalues,
    permutation_test,
)
from textlab.stats.units import UnitCounts, count_units

__all__ = [
    "FEW_DOCUMENTS", "PERMUTATION_METHODS", "RESAMPLING_UNITS", "REST",
    "Comparison", "Contrast", "GroupLayout", "PermutationTest", "UnitCounts",
    "as_contrast", "bh_qvalues", "bootstrap_indices", "bootstrap_weights", "build_layout", "check_count",
    "check_level", "check_unit", "choose_resampling_unit", "count_units", "difference_table", "group_labels",
    "bootstrap_log_odds", "permute_log_odds", "log_likelihood_g2", "log_odds_dirichlet", "log_ratio", "n_label_assignments", "percentile_interval",
    "permutation_assignments", "permutation_pvalues", "permutation_test", "smallest_bh_discovery",
    "stratified_unit_draws",
]  # fmt: skip
