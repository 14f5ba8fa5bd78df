"""The resampling helpers under their first import path (kept so older code keeps working).

Everything here lives in the modules of :mod:`textlab.stats` now: unit fallback in
:mod:`~textlab.stats.layout`, draws in :mod:`~textlab.stats.bootstrap`, label
permutations in :mod:`~textlab.stats.permutation`, intervals and q-values in
:mod:`~textlab.stats.intervals`. Import from :mod:`textlab.stats` in new code.
"""

from __future__ import annotations

from textlab.stats.bootstrap import bootstrap_indices, bootstrap_weights
from textlab.stats.checks import RESAMPLING_UNITS
from textlab.stats.intervals import bh_qvalues, percentile_interval
from textlab.stats.layout import choose_resampling_unit
from textlab.stats.permutation import n_label_assignments, permutation_assignments, permutation_pvalues

__all__ = [
    "RESAMPLING_UNITS",
    "choose_resampling_unit",
    "bootstrap_indices",
    "bootstrap_weights",
    "percentile_interval",
    "n_label_assignments",
    "permutation_assignments",
    "permutation_pvalues",
    "bh_qvalues",
]
