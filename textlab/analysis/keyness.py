"""Keyness between groups: which terms does one group use more than another?

For each comparison (a group against another group, or against all the rest; see
:class:`textlab.stats.Contrast`) and each term, :func:`score_keyness` reports

* the log-odds ratio with an informative Dirichlet prior of Monroe, Colaresi &
  Quinn (2008), its analytic standard error and z-score (:func:`log_odds_dirichlet`);
* Dunning's log-likelihood G² on the 2x2 table (:func:`log_likelihood_g2`) and
  Hardie's Log Ratio effect size (:func:`log_ratio`);
* dispersion: in how many of the group's passages and documents the term occurs;
* honest uncertainty: a stratified bootstrap interval of the log-odds and a
  permutation test of the group labels, both over *documents* (passages when a
  group has a single document; see ``resampling_unit``), with Benjamini-Hochberg
  q-values across the terms of each comparison. Above ``max_units`` documents in a
  group, documents are summed into random blocks and the blocks are resampled
  (``resampling_unit == "document_block"``; :mod:`textlab.stats.blocks`).

The permutation test is sequential by default (Besag-Clifford stopping, see
:func:`textlab.stats.permutation_test`): terms far from significance stop after a
few dozen permutations while the others go on up to ``n_perm``, so p-values down to
``1 / (n_perm + 1)`` are reachable and the permutation resolution no longer caps
the q-values. The token-level z-score treats every token as independent; with few
documents it overstates significance, which is why ``p_perm``/``q_perm`` and
``ci_low``/``ci_high`` are the columns to report.

Counts are read through the data's count store (``data.store.iter_blocks()``) and
summed per document and group as the blocks stream, so an on-disk store gives the
same numbers as an in-memory one.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from textlab._errors import ConfigError, EstimationError, SmallSampleWarning, TextlabWarning, bad_value
from textlab.data import Result
from textlab.stats.blocks import MAX_UNITS, check_max_units
from textlab.stats.association import log_likelihood_g2, log_odds_dirichlet, log_ratio
from textlab.stats.checks import check_count, check_level, check_unit
from textlab.stats.contrasts import REST, Comparison, Contrast, as_contrast
from textlab.stats.intervals import bh_qvalues
from textlab.stats.layout import choose_resampling_unit
from textlab.stats.permutation import PERMUTATION_METHODS
from textlab.stats.units import UnitCounts, count_units
from textlab.analysis._keyness_resampling import _bootstrap, _permute

__all__ = ["KeynessResult", "score_keyness", "log_odds_dirichlet", "log_likelihood_g2", "log_ratio", "COLUMNS"]

COLUMNS = [
    "term", "label", "group", "reference", "count_group", "count_reference", "rate_group",
    "rate_reference", "log_odds", "log_odds_se", "z", "ci_low", "ci_high", "g2", "log_ratio",
    "p_perm", "q_perm", "n_passages_group", "n_docs_group", "dispersion_passages",
    "dispersion_docs", "resampling_unit", "n_perm_run",
]  # fmt: skip


@dataclass(frozen=True)
class KeynessResult(Result):
    """Keyness of terms between groups.

    Attributes
    ----------
    table
        One row per (term, group) with the columns in :data:`COLUMNS`, sorted by
        comparison and then by ``z`` (highest first). ``n_perm_run`` is the number of
        permutations the term's ``p_perm`` rests on.
    params
        Settings (``ci_level``, ``n_boot``, ``n_perm``, ``permutation``, ``resampling_unit``,
        ``contrast``, ``random_state`` ...), the prior convention, the resampling fallbacks,
        and per comparison (``contrasts``) the units used, the permutation design, the
        permutations run and the smallest reachable p (``p_min``).
    """

    table: pd.DataFrame
    params: dict = field(default_factory=dict, kw_only=True)


# --------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class _Options:
    prior: Any
    prior_scale: float
    n_boot: int
    n_perm: int
    permutation: str
    n_exceed: int
    fdr_level: float
    resampling_unit: str
    ci_level: float
    min_count: int
    random_state: int
    max_units: int | None = None


def _check_prior(prior, prior_scale, n_terms: int) -> tuple[Any, str]:
    if not prior_scale > 0:
        raise bad_value("prior_scale", prior_scale, "a number > 0 (1.0 = pooled counts)")
    if isinstance(prior, str):
        if prior not in ("pooled", "uniform"):
            raise bad_value("prior", prior, "'pooled', 'uniform' or an array of n_terms background counts")
        return prior, prior
    background = np.asarray(prior, dtype=float).ravel()
    if background.shape != (n_terms,) or (background <= 0).any():
        raise bad_value("prior", f"array of shape {background.shape}", f"{n_terms} positive numbers")
    return background, "background counts"


def _read_data(data) -> tuple[pd.DataFrame, Any, np.ndarray, dict, str]:
    """Rows, count store, vocabulary, labels and unit of a TextData or DocumentTermMatrix (duck-typed)."""
    rows = getattr(data, "rows", None)
    if rows is None:
        rows = getattr(data, "passages", None)
    if not isinstance(rows, pd.DataFrame) or not hasattr(data, "vocabulary"):
        raise ConfigError(f"data must be a TextData or DocumentTermMatrix (rows, counts, vocabulary), "
                          f"got {type(data).__name__}")
    store = getattr(data, "store", None)
    if store is None:
        from textlab.store.memory import MemoryStore

        store = MemoryStore(sp.csr_matrix(data.counts))
    forms = getattr(data, "surface_forms", None)
    forms = dict(forms) if isinstance(forms, Mapping) else {}
    return rows.reset_index(drop=True), store, np.asarray(data.vocabulary, dtype=object), forms, \
        str(getattr(data, "unit", "passage"))


def _is_aggregated(meta: pd.DataFrame, group_column: str, unit: str) -> bool:
    """One row of summed counts per group (TextData unit 'group', or aggregate_group_counts output)."""
    legacy = {"n_docs", "n_tokens"} <= set(meta.columns) and "doc_id" not in meta.columns
    return (unit == "group" or legacy) and meta[group_column].is_unique


# --------------------------------------------------------------------------- main


def score_keyness(
    data,
    *,
    group_column: str,
    groups: Sequence | None = None,
    reference: object = None,
    contrast: Contrast | Sequence | Mapping | None = None,
    prior: str | np.ndarray = "pooled",
    prior_scale: float = 1.0,
    n_boot: int = 500,
    n_perm: int = 10_000,
    permutation: str = "sequential",
    n_exceed: int = 10,
    fdr_level: float = 0.05,
    resampling_unit: str = "document",
    ci_level: float = 0.95,
    min_count: int = 3,
    surface_forms: Mapping[str, str] | None = None,
    block_rows: int | None = None,
    max_units: int | None = MAX_UNITS,
    random_state: int = 0,
) -> KeynessResult:
    """Score every term's keyness for each group against another group or the rest.

    Parameters
    ----------
    data
        A :class:`textlab.data.TextData` (counts read through ``data.store``) or a
        ``DocumentTermMatrix``; the row table needs ``group_column`` and, for
        document-level resampling, ``doc_id`` (without it each row is a document). One
        row of summed counts per group (``TextData`` with ``unit="group"``, or a table
        with ``n_docs`` and ``n_tokens`` columns) gives the count-based columns only: it
        needs ``n_boot=0, n_perm=0`` (else :class:`ConfigError`), and dispersion is NA.
    group_column
        Column of the row table holding the groups (e.g. ``"party"``).
    groups, reference
        Shortcuts for ``contrast=Contrast(groups=..., reference=...)``. ``groups``:
        the groups compared (default all); with two groups both directions are
        reported (each against the other); with more, each against the others
        selected pooled (``reference == "rest"``); one group: against all the other
        groups. ``reference``: a group to compare every selected group against, or
        ``"rest"``.
    contrast
        A :class:`textlab.stats.Contrast` (``groups``, ``reference`` or explicit
        ``pairs``), a ``(group_a, group_b)`` pair, or a list of pairs.
    prior
        The Dirichlet prior ``alpha_w``, always on the whole vocabulary (before
        ``min_count`` filtering) and held fixed in resampling:
        ``"pooled"`` (default; informative, empirical Bayes as in tidylo):
        ``alpha_w = prior_scale * (count of w in the two sides compared)``;
        ``"uniform"``: ``alpha_w = prior_scale`` for every term (the FightingWords
        reference script uses ``prior_scale=0.01``);
        an array of ``n_terms`` background counts: ``alpha_w = prior_scale * prior[w]``.
    prior_scale
        Multiplier of the prior (> 0).
    n_boot
        Bootstrap replicates for ``ci_low``/``ci_high`` (0 skips: NaN).
    n_perm
        Permutations of the unit labels (0 skips: NaN): with ``permutation="sequential"``
        the most any term gets (smallest p ``1 / (n_perm + 1)``), with ``"fixed"`` the
        number every term gets. If there are at most ``n_perm`` distinct assignments of
        the labels, all are enumerated (exact test) and a :class:`SmallSampleWarning`
        gives the smallest possible p.
    permutation
        ``"sequential"`` (default; Besag-Clifford: a term stops once ``n_exceed``
        permuted statistics are as extreme as its own) or ``"fixed"``.
    n_exceed
        The Besag-Clifford stopping count ``h`` (default 10).
    fdr_level
        The false-discovery rate the study will read ``q_perm`` at; if the smallest
        reachable p cannot give any q below it a :class:`TextlabWarning` says how many
        permutations would.
    resampling_unit
        ``"document"`` (default; stratified by group) or ``"passage"``. A group with
        one document is resampled by passages, with a warning, and its rows say
        ``resampling_unit="passage"``; the permutation test falls back to passages
        when either side has fewer than two documents.
    ci_level
        Coverage of the bootstrap interval.
    min_count
        Report only terms with at least this many occurrences in the two sides
        together (also the set over which q-values control the FDR).
    surface_forms
        ``term -> readable label`` (default: the data's own term labels, if any).
    block_rows
        Rows read from the store at a time (the store's default when ``None``).
    max_units
        Most resampling units per group (default 1,000; ``None``: no limit). When a group
        has more documents, documents are assigned at random (a hash of ``doc_id`` seeded
        by ``random_state``) to blocks and the block sums are resampled: ``max_units``
        near-equal blocks per large group for the bootstrap, blocks of one common size
        for the permutation test (the largest group gets ``max_units``), so that blocks
        stay exchangeable under the null. Rows say ``resampling_unit="document_block"``
        and ``params["blocks"]`` gives the block counts and sizes. At or below
        ``max_units`` documents in every group nothing changes.
    random_state
        Seed of the bootstrap and permutations.

    Returns
    -------
    KeynessResult

    Raises
    ------
    ConfigError
        Unknown ``group_column``, a named group not in the data, bad option values.
    EstimationError
        Fewer than two groups, or a group without tokens.

    Examples
    --------
    >>> import pandas as pd, scipy.sparse as sp, numpy as np
    >>> from textlab.preprocessing.counts import DocumentTermMatrix
    >>> counts = sp.csr_matrix(np.array([[5, 1], [4, 0], [1, 6], [0, 5]]))
    >>> meta = pd.DataFrame({"doc_id": ["a", "b", "c", "d"], "side": ["x", "x", "y", "y"]})
    >>> dtm = DocumentTermMatrix(counts, np.array(["ai", "chip"], dtype=object), meta)
    >>> res = score_keyness(dtm, group_column="side", n_boot=50, n_perm=0, min_count=1)
    >>> res.table.loc[res.table.group == "x", ["term", "count_group", "count_reference"]].values.tolist()
    [['ai', 9, 1], ['chip', 1, 11]]
    """
    for name, value in (("n_boot", n_boot), ("n_perm", n_perm), ("min_count", min_count)):
        check_count(name, value, 0)
    check_count("n_exceed", n_exceed, 1)
    check_max_units(max_units)
    check_unit(resampling_unit)
    check_level(ci_level)
    check_level(fdr_level, "fdr_level")
    if permutation not in PERMUTATION_METHODS:
        raise bad_value("permutation", permutation, "'sequential' or 'fixed'")
    meta, store, vocab, data_forms, unit = _read_data(data)
    prior, prior_desc = _check_prior(prior, prior_scale, len(vocab))
    opts = _Options(prior, prior_scale, n_boot, n_perm, permutation, n_exceed, fdr_level, resampling_unit,
                    ci_level, min_count, random_state, max_units)  # fmt: skip
    if group_column not in meta.columns:
        raise ConfigError(
            f"group_column={group_column!r} is not a column of the passages table; "
            f"available: {list(meta.columns)}"
        )
    aggregated = _is_aggregated(meta, group_column, unit)
    if aggregated and (n_boot > 0 or n_perm > 0):
        raise ConfigError(
            "data holds one row of summed counts per group, so bootstrap intervals and permutation tests "
            "cannot be estimated: pass n_boot=0, n_perm=0, or use one row per document or passage"
        )
    spec = as_contrast(contrast, groups=groups, reference=reference)
    present = list(pd.unique(meta[group_column].dropna()))
    if len(present) < 2:
        raise EstimationError(f"keyness needs at least two groups; the data has {present}")
    comparisons = spec.resolve(present, default="rest")
    involved = {c.group for c in comparisons} | {h for c in comparisons for h in c.reference_groups}
    universe = [g for g in present if g in involved]

    labels = meta[group_column].to_numpy(dtype=object)
    doc_keys = (meta["doc_id"].astype(str).to_numpy(dtype=object) + "\x1f" + labels.astype(str)
                if "doc_id" in meta.columns else np.arange(len(meta)).astype(str))  # fmt: skip
    units, perm_units, passage_groups = _plan_units(labels, doc_keys, universe, comparisons, opts)
    blocking = max_units if (n_boot > 0 or n_perm > 0) and resampling_unit == "document" and not aggregated else None
    counts = count_units(store, labels, doc_keys, universe, passage_groups=passage_groups, block_rows=block_rows,
                         max_units=blocking, random_state=random_state)  # fmt: skip
    for i, g in enumerate(universe):
        if counts.group_counts[i].sum() == 0:
            raise EstimationError(
                f"group {g!r} has {int(counts.n_passages[i])} passages but no counted tokens; "
                "check tokenisation or min_df/max_df"
            )
    tables, infos = _score_all(counts, comparisons, units, perm_units, opts, vocab)
    table = pd.concat(tables, ignore_index=True)
    forms = dict(surface_forms) if surface_forms is not None else data_forms
    table.insert(1, "label", [forms.get(t, t) for t in table["term"]])
    table = table[COLUMNS]
    if aggregated:  # in how many passages / documents a term occurs is unknown from summed counts
        for column in ("n_passages_group", "n_docs_group"):
            table[column] = pd.array([pd.NA] * len(table), dtype="Int64")
        table[["dispersion_passages", "dispersion_docs"]] = np.nan
        table["resampling_unit"] = "none"
    params = {
        "group_column": group_column, "groups": list(universe), "reference": reference,
        "contrast": spec.to_dict(), "comparisons": [[c.group, c.reference] for c in comparisons],
        "prior": prior_desc, "prior_scale": prior_scale, "n_boot": n_boot, "n_perm": n_perm,
        "permutation": permutation, "n_exceed": n_exceed, "fdr_level": fdr_level,
        "p_min": min((i["p_min"] for i in infos if i["p_min"] is not None), default=None),
        "resampling_unit": resampling_unit,
        "resampling_fallbacks": {} if aggregated else {str(g): u for g, u in units.items() if u != resampling_unit},
        "ci_level": ci_level, "interval": "percentile", "min_count": min_count,
        "random_state": random_state, "rate": "share of the side's tokens",
        "log_ratio_zero_correction": 0.5, "contrasts": infos, "aggregated_counts": bool(aggregated),
        "store": getattr(store, "kind", type(store).__name__), "max_units": max_units,
        "blocks": {purpose: {**info, "groups": [str(g) for g in universe]} for purpose, info in counts.blocks.items()},
    }  # fmt: skip
    return KeynessResult(table=table, params=params)


def _plan_units(labels, doc_keys, universe, comparisons, opts: _Options):
    """Resampling unit per group (bootstrap), per comparison (permutation), and the groups kept by passage."""
    resampling = opts.n_boot > 0 or opts.n_perm > 0
    frame = pd.DataFrame({"group": labels, "doc": doc_keys})
    frame = frame[frame["group"].isin(universe)]
    n_docs = frame.groupby("group", sort=False)["doc"].nunique().to_dict()
    n_rows = frame.groupby("group", sort=False).size().to_dict()
    units = {}
    for g in universe:  # a loop, not a comprehension, so warnings point at the caller
        units[g] = choose_resampling_unit(n_docs.get(g, 0), n_rows.get(g, 0), requested=opts.resampling_unit,
                                          group=g, warn=resampling, what="score_keyness", stacklevel=4)  # fmt: skip
    perm_units = []
    for c in comparisons:
        few = n_docs[c.group] < 2 or sum(n_docs[h] for h in c.reference_groups) < 2
        perm_units.append("passage" if opts.resampling_unit == "passage" or few else "document")
    need = set()
    if opts.n_boot > 0:
        need |= {g for g in universe if units[g] == "passage"}
    if opts.n_perm > 0:
        for c, u in zip(comparisons, perm_units):
            if u == "passage":
                need |= {c.group, *c.reference_groups}
    return units, perm_units, [universe.index(g) for g in universe if g in need]


def _score_all(counts: UnitCounts, comparisons: list[Comparison], units, perm_units, opts, vocab):
    tables, infos, done = [], [], {}
    for index, (c, perm_unit) in enumerate(zip(comparisons, perm_units)):
        mirror = done.get((c.reference, c.group))
        if mirror is not None and c.reference_groups == (comparisons[mirror].group,):
            tables.append(_mirror(tables[mirror], c, counts, vocab))
            infos.append({**infos[mirror], "group": c.group, "reference": c.reference,
                          "reference_groups": list(c.reference_groups)})  # fmt: skip
        else:
            table, info = _score_comparison(counts, c, units, perm_unit, opts, vocab, index)
            tables.append(table)
            infos.append(info)
        if c.reference != REST:
            done[(c.group, c.reference)] = index
    return tables, infos


def _score_comparison(counts: UnitCounts, c: Comparison, units, perm_unit, opts: _Options, vocab, index):
    y_a = counts.group_counts[counts.groups.index(c.group)]
    y_b = np.sum([counts.group_counts[counts.groups.index(h)] for h in c.reference_groups], axis=0)
    n_a, n_b = float(y_a.sum()), float(y_b.sum())
    pooled = y_a + y_b
    if isinstance(opts.prior, str):
        alpha_all = opts.prior_scale * (pooled if opts.prior == "pooled" else np.ones_like(pooled))
    else:
        alpha_all = opts.prior_scale * opts.prior
    alpha0 = float(alpha_all.sum())
    keep = np.flatnonzero(pooled >= max(opts.min_count, 1))
    ya, yb, alpha = y_a[keep], y_b[keep], alpha_all[keep]
    delta, var = log_odds_dirichlet(ya, yb, n_group=n_a, n_reference=n_b, alpha=alpha, alpha0=alpha0)
    z = delta / np.sqrt(var)
    stats = dict(ya=ya, yb=yb, n_a=n_a, n_b=n_b, alpha=alpha, alpha0=alpha0)
    ci_low, ci_high = _bootstrap(counts, c, units, keep, stats, opts, index)
    p, n_run, perm_info = _permute(counts, c, perm_unit, keep, z, stats, opts, index)
    boot_unit = "document" if all(units[h] == "document" for h in [c.group, *c.reference_groups]) else "passage"
    blocked = counts.resamples_blocks([c.group, *c.reference_groups], units, perm_unit,
                                      bootstrap=opts.n_boot > 0, permutation=opts.n_perm > 0)  # fmt: skip
    table = pd.DataFrame(
        {
            "term": vocab[keep], "group": c.group, "reference": c.reference,
            "count_group": ya.astype(np.int64), "count_reference": yb.astype(np.int64),
            "rate_group": ya / n_a, "rate_reference": yb / n_b,
            "log_odds": delta, "log_odds_se": np.sqrt(var), "z": z,
            "ci_low": np.asarray(ci_low, dtype=float), "ci_high": np.asarray(ci_high, dtype=float),
            "g2": log_likelihood_g2(ya, yb, n_a, n_b), "log_ratio": log_ratio(ya, yb, n_a, n_b),
            "p_perm": p, "q_perm": bh_qvalues(p),
            "resampling_unit": ("passage" if boot_unit != "document" or perm_unit != "document"
                                else "document_block" if blocked else "document"),
            "n_perm_run": n_run,
        }  # fmt: skip
    )
    table = pd.concat([table, _dispersion(counts, c.group, keep)], axis=1)
    table = table.sort_values(["z", "term"], ascending=[False, True], kind="stable", ignore_index=True)
    info = {
        "group": c.group, "reference": c.reference, "reference_groups": list(c.reference_groups),
        "n_tokens_group": int(n_a), "n_tokens_reference": int(n_b), "n_terms_tested": int(len(keep)),
        "bootstrap_units": {h: units[h] for h in [c.group, *c.reference_groups]}, "permutation_unit": perm_unit,
        **perm_info,
    }  # fmt: skip
    return table, info


def _dispersion(counts: UnitCounts, g, keep: np.ndarray) -> pd.DataFrame:
    i = counts.groups.index(g)
    in_passages = counts.passages_with_term[i, keep]
    in_docs, n_docs = counts.document_presence(i, keep)
    return pd.DataFrame(
        {
            "n_passages_group": in_passages.astype(np.int64),
            "n_docs_group": in_docs.astype(np.int64),
            "dispersion_passages": in_passages / counts.n_passages[i],
            "dispersion_docs": in_docs / n_docs,
        }
    )


def _mirror(table: pd.DataFrame, c: Comparison, counts: UnitCounts, vocab: np.ndarray) -> pd.DataFrame:
    """The same two-group comparison seen from the other side (same draws, so same p and q)."""
    out = table.drop(columns=["n_passages_group", "n_docs_group", "dispersion_passages", "dispersion_docs"])
    out = out.assign(
        group=c.group, reference=c.reference,
        count_group=table["count_reference"], count_reference=table["count_group"],
        rate_group=table["rate_reference"], rate_reference=table["rate_group"],
        log_odds=-table["log_odds"], z=-table["z"], ci_low=-table["ci_high"], ci_high=-table["ci_low"],
        log_ratio=-table["log_ratio"],
    )  # fmt: skip
    keep = pd.Index(vocab).get_indexer(out["term"])
    out = pd.concat([out.reset_index(drop=True), _dispersion(counts, c.group, keep)], axis=1)
    return out.sort_values(["z", "term"], ascending=[False, True], kind="stable", ignore_index=True)
