"""Resampling for keyness: the bootstrap interval and the permutation test of one comparison.

Used by :func:`textlab.analysis.keyness.score_keyness`: :func:`_bootstrap` resamples units within
each group (stratified, prior fixed) for a percentile interval of the log-odds; :func:`_permute`
reassigns the unit labels of the two sides for permutation p-values of |z|, and
:func:`_warn_resolution` says when the smallest reachable p cannot reach the FDR level.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from textlab._errors import SmallSampleWarning, TextlabWarning
from textlab.stats.association import bootstrap_log_odds, permute_log_odds
from textlab.stats.contrasts import Comparison
from textlab.stats.intervals import percentile_interval, smallest_bh_discovery
from textlab.stats.units import UnitCounts


def _bootstrap(counts: UnitCounts, c: Comparison, units, keep, s: dict, opts: Any, index):
    """Percentile interval of the log-odds: units resampled within each group (stratified), prior fixed."""
    if opts.n_boot == 0 or not len(keep):
        return np.full(len(keep), np.nan), np.full(len(keep), np.nan)
    reps = bootstrap_log_odds(
        counts.stack([c.group], units, keep, "bootstrap"), counts.stack(c.reference_groups, units, keep, "bootstrap"),
        alpha=s["alpha"],
        alpha0=s["alpha0"], n_boot=opts.n_boot, random_state=np.random.default_rng([opts.random_state, index, 0]),
        desc=f"bootstrap {c.group} vs {c.reference}",
    )  # fmt: skip
    return percentile_interval(reps, ci_level=opts.ci_level)


def _permute(counts: UnitCounts, c: Comparison, perm_unit, keep, z, s: dict, opts: Any, index):
    """Permutation p-values of |z| with the unit labels of the two sides reassigned."""
    blank = {"permutation_method": None, "permutation_exact": False, "n_permutations_done": 0,
             "n_permutations_run": None, "p_min": None}  # fmt: skip
    if opts.n_perm == 0 or not len(keep):
        return np.full(len(keep), np.nan), np.zeros(len(keep), dtype=np.int64), blank
    side_a = counts.stack([c.group], perm_unit, keep, "permutation")
    side_b = counts.stack(c.reference_groups, perm_unit, keep, "permutation")
    test = permute_log_odds(side_a, side_b, z, alpha=s["alpha"], alpha0=s["alpha0"], n_perm=opts.n_perm,
                            method=opts.permutation, n_exceed=opts.n_exceed,
                            random_state=np.random.default_rng([opts.random_state, index, 1]))  # fmt: skip
    label = f"{c.group!r} vs {c.reference!r}"
    if test.exact:
        n_first, n_units = len(side_a[1]), len(side_a[1]) + len(side_b[1])
        warnings.warn(
            f"{label}: only {test.n_assignments} distinct assignments of {perm_unit} labels "
            f"({n_first} vs {n_units - n_first}); all were enumerated (exact permutation test), so "
            f"the smallest possible p_perm is {test.p_min:.3g}",
            SmallSampleWarning,
            stacklevel=5,
        )
    _warn_resolution(label, test, len(keep), opts)
    run = test.n_run
    info = {
        "permutation_method": test.method, "permutation_exact": test.exact,
        "n_permutations_done": int(run.max()), "p_min": float(test.p_min),
        "n_permutations_run": {"min": int(run.min()), "median": float(np.median(run)), "max": int(run.max()),
                               "total": int(run.sum()), "fixed_design_total": int(run.max()) * len(run)},
    }  # fmt: skip
    return test.pvalues, run.astype(np.int64), info


def _warn_resolution(label: str, test, n_tests: int, opts: Any) -> None:
    """Warn when the smallest reachable p cannot give a BH q below ``fdr_level``, or only with many terms at it.

    A handful of terms at the floor (at most 10, or 1 % of the terms) is what a real signal gives, so
    that is not worth a warning; beyond it the resolution, not the data, starts to decide.
    """
    needed = smallest_bh_discovery(test.p_min, n_tests, opts.fdr_level)
    if needed <= max(10, math.ceil(0.01 * n_tests)) and needed <= n_tests:
        return
    fix = (f"raise n_perm to at least {math.ceil(n_tests / opts.fdr_level)}"
           + (" (permutation='sequential' keeps that cheap)" if opts.permutation == "fixed" else "")
           if not test.exact else "only more documents (or passage resampling) give a finer test")  # fmt: skip
    reach = (f"no q_perm can fall below {opts.fdr_level}" if needed > n_tests
             else f"q_perm < {opts.fdr_level} needs at least {needed} terms at that p")
    warnings.warn(
        f"{label}: the smallest reachable p_perm is {test.p_min:.3g} ({test.method} design), so with "
        f"Benjamini-Hochberg over {n_tests} terms {reach}; {fix}",
        TextlabWarning,
        stacklevel=6,
    )
