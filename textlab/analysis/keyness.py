"""Keyness between groups: which terms does one group use more than another?

For each contrast (a group against another group, or against all the rest) and
each term, :func:`score_keyness` reports

* the log-odds ratio with an informative Dirichlet prior of Monroe, Colaresi &
  Quinn (2008), its analytic standard error and z-score (:func:`log_odds_dirichlet`);
* Dunning's log-likelihood G² on the 2x2 table (:func:`log_likelihood_g2`) and
  Hardie's Log Ratio effect size (:func:`log_ratio`);
* dispersion: in how many of the group's passages and documents the term occurs;
* honest uncertainty: a stratified bootstrap interval of the log-odds and a
  permutation test of the group labels, both over *documents* (passages when a
  group has a single document; see ``resampling_unit``), with Benjamini-Hochberg
  q-values across the terms of each contrast.

The token-level z-score treats every token as independent; with few documents it
overstates significance, which is why ``p_perm``/``q_perm`` and ``ci_low``/``ci_high``
are the columns to report.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.special import xlogy

from textlab._errors import ConfigError, EstimationError, SmallSampleWarning, bad_value
from textlab._progress import progress
from textlab.stats.resampling import (
    RESAMPLING_UNITS,
    bh_qvalues,
    bootstrap_weights,
    choose_resampling_unit,
    percentile_interval,
    permutation_assignments,
    permutation_pvalues,
)
from textlab.preprocessing.counts import DocumentTermMatrix, group_indicator

__all__ = ["KeynessResult", "score_keyness", "log_odds_dirichlet", "log_likelihood_g2", "log_ratio", "COLUMNS"]

COLUMNS = [
    "term", "label", "group", "reference", "count_group", "count_reference", "rate_group",
    "rate_reference", "log_odds", "log_odds_se", "z", "ci_low", "ci_high", "g2", "log_ratio",
    "p_perm", "q_perm", "n_passages_group", "n_docs_group", "dispersion_passages",
    "dispersion_docs", "resampling_unit",
]  # fmt: skip

REST = "rest"
_CHUNK_ELEMENTS = 4_000_000  # replicate x term block size held in memory at once


@dataclass(frozen=True)
class KeynessResult:
    """Keyness of terms between groups.

    Attributes
    ----------
    table
        One row per (term, group) with the columns in :data:`COLUMNS`, sorted by
        contrast and then by ``z`` (highest first).
    params
        Settings, the prior convention, and per contrast the resampling units used
        and whether the permutation test was exact (all assignments enumerated).
    """

    table: pd.DataFrame
    params: dict = field(default_factory=dict)


def log_odds_dirichlet(
    y_group: np.ndarray,
    y_reference: np.ndarray,
    *,
    prior_scale: float = 1.0,
    n_group: float | np.ndarray | None = None,
    n_reference: float | np.ndarray | None = None,
    alpha: np.ndarray | None = None,
    alpha0: float | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Monroe et al. (2008) log-odds ratio with an informative Dirichlet prior.

    With counts ``y_w^i`` of term ``w`` in the group, ``y_w^j`` in the reference,
    totals ``n_i``, ``n_j``, prior ``alpha_w = prior_scale * (y_w^i + y_w^j)`` (the
    pooled counts; ``prior_scale=1`` is the empirical-Bayes default of tidylo and of
    most reference implementations) and ``alpha0 = sum_w alpha_w``::

        delta_w = log((y_w^i + a_w) / (n_i + a0 - y_w^i - a_w))
                - log((y_w^j + a_w) / (n_j + a0 - y_w^j - a_w))
        var_w   = 1 / (y_w^i + a_w) + 1 / (y_w^j + a_w)

    and ``z_w = delta_w / sqrt(var_w)``.

    Parameters
    ----------
    y_group, y_reference
        Term counts over the *whole* vocabulary (totals and ``alpha0`` are taken from
        them unless given). Trailing axis = terms; leading axes (replicates) broadcast.
    prior_scale
        Multiplier of the pooled counts giving ``alpha_w`` (> 0).
    n_group, n_reference, alpha, alpha0
        Override the totals and prior, e.g. when ``y_*`` hold only some terms.

    Returns
    -------
    delta, variance
        Arrays shaped like ``y_group``.

    Examples
    --------
    >>> d, v = log_odds_dirichlet(np.array([10, 0, 5]), np.array([2, 4, 5]))
    >>> (d / np.sqrt(v)).round(2).tolist()
    [1.88, -1.53, -0.46]
    """
    y_i = np.asarray(y_group, dtype=float)
    y_j = np.asarray(y_reference, dtype=float)
    if alpha is None:
        if not prior_scale > 0:
            raise bad_value("prior_scale", prior_scale, "a number > 0")
        alpha = prior_scale * (y_i + y_j)
    if alpha0 is None:
        alpha0 = float(np.sum(alpha))
    n_i = y_i.sum(axis=-1, keepdims=True) if n_group is None else n_group
    n_j = y_j.sum(axis=-1, keepdims=True) if n_reference is None else n_reference
    with np.errstate(divide="ignore", invalid="ignore"):
        delta = (np.log(y_i + alpha) - np.log(n_i + alpha0 - y_i - alpha)) - (
            np.log(y_j + alpha) - np.log(n_j + alpha0 - y_j - alpha)
        )
        variance = 1.0 / (y_i + alpha) + 1.0 / (y_j + alpha)
    return delta, variance


def log_likelihood_g2(a: np.ndarray, b: np.ndarray, n_a: float, n_b: float) -> np.ndarray:
    """Dunning's log-likelihood G² of the 2x2 table (term / other tokens x group / reference).

    ``G2 = 2 * sum O * ln(O / E)`` over the four cells, as
    ``scipy.stats.chi2_contingency(table, correction=False, lambda_="log-likelihood")``.
    Always >= 0; the direction is in ``log_ratio`` / ``log_odds``.

    Examples
    --------
    >>> log_likelihood_g2(np.array([30.0]), np.array([10.0]), 1000, 1000).round(3).tolist()
    [10.669]
    """
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    total = n_a + n_b
    observed = (a, b, n_a - a, n_b - b)
    expected = (
        n_a * (a + b) / total, n_b * (a + b) / total,
        n_a * (total - a - b) / total, n_b * (total - a - b) / total,
    )  # fmt: skip
    g2 = sum(xlogy(o, o) - xlogy(o, e) for o, e in zip(observed, expected))
    return np.maximum(2.0 * g2, 0.0)


def log_ratio(a: np.ndarray, b: np.ndarray, n_a: float, n_b: float) -> np.ndarray:
    """Hardie's (2014) Log Ratio: ``log2((a / n_a) / (b / n_b))``.

    Zero counts are replaced by 0.5 (Hardie's zero-frequency correction), so a term
    absent from one side gets a finite value; non-zero counts are used as they are.

    Examples
    --------
    >>> log_ratio(np.array([8, 4]), np.array([2, 0]), 100, 100).tolist()
    [2.0, 3.0]
    """
    a = np.where(np.asarray(a, dtype=float) == 0, 0.5, a)
    b = np.where(np.asarray(b, dtype=float) == 0, 0.5, b)
    return np.log2((a / n_a) / (b / n_b))


# --------------------------------------------------------------------------- data prep


def _contrasts(present: list, groups: Sequence | None, reference: object) -> tuple[list, list]:
    """Return (contrasts, universe); a contrast is (group, reference label, reference groups, mirrored)."""

    def check(name: str, value: object) -> None:
        if value not in present:
            raise ConfigError(f"{name}={value!r} is not a group in the data; present groups: {present}")

    if len(present) < 2:
        raise EstimationError(f"keyness needs at least two groups; the data has {present}")
    selected = present if groups is None else list(dict.fromkeys(groups))
    for g in selected:
        check("groups", g)
    if reference is not None:
        check("reference", reference)
        universe = list(dict.fromkeys([*selected, reference]))
        return [(g, reference, [reference], False) for g in selected if g != reference], universe
    if len(selected) == 1:
        universe = present
        return [(selected[0], REST, [g for g in present if g != selected[0]], False)], universe
    if len(selected) == 2:
        a, b = selected
        return [(a, b, [b], False), (b, a, [a], True)], selected
    return [(g, REST, [h for h in selected if h != g], False) for g in selected], selected


def _chunk(n_rep: int, width: int) -> int:
    return max(1, min(n_rep, _CHUNK_ELEMENTS // max(width, 1)))


def _weighted(units: sp.csr_matrix, weights: np.ndarray) -> np.ndarray:
    """``weights @ units`` as a dense array (sparse product, replicates in rows)."""
    return np.asarray((units.T @ weights.T).T)


class _Groups:
    """Per-group unit matrices (passages and documents) over the kept terms."""

    def __init__(self, counts: sp.csr_matrix, labels: np.ndarray, doc_keys: np.ndarray, keep_all: list):
        self.rows = {g: np.flatnonzero(labels == g) for g in keep_all}
        doc_ind, doc_index = group_indicator(doc_keys)
        self.doc_counts = sp.csr_matrix(doc_ind @ counts)
        doc_group = pd.Series(labels).groupby(doc_keys, sort=False).first().reindex(doc_index).to_numpy()
        self.docs = {g: np.flatnonzero(doc_group == g) for g in keep_all}
        self.counts = counts

    def units(self, g, unit: str) -> sp.csr_matrix:
        return self.counts[self.rows[g]] if unit == "passage" else self.doc_counts[self.docs[g]]


# --------------------------------------------------------------------------- main


def score_keyness(
    dtm: DocumentTermMatrix,
    *,
    group_column: str,
    groups: Sequence | None = None,
    reference: object = None,
    prior: str | np.ndarray = "pooled",
    prior_scale: float = 1.0,
    n_boot: int = 500,
    n_perm: int = 1000,
    resampling_unit: str = "document",
    ci_level: float = 0.95,
    min_count: int = 3,
    surface_forms: Mapping[str, str] | None = None,
    random_state: int = 0,
) -> KeynessResult:
    """Score every term's keyness for each group against another group or the rest.

    Parameters
    ----------
    dtm
        Counts per passage; ``dtm.passages`` needs ``group_column`` and, for
        document-level resampling, ``doc_id`` (without it each row is a document). One
        row of summed counts per group (``textlab.store.cache.aggregate_group_counts``, with
        ``n_docs`` and ``n_tokens`` columns) gives the count-based columns only: it needs
        ``n_boot=0, n_perm=0`` (else :class:`ConfigError`), and dispersion is NA.
    group_column
        Column of ``dtm.passages`` holding the groups (e.g. ``"narrative"``).
    groups
        Groups to compare. ``None``: all groups. With two groups (given or present)
        both directions are reported (each group against the other); with more,
        each group against all the others selected (``reference == "rest"``). One
        group: that group against all the other groups.
    reference
        A group to compare every selected group against (instead of the rest).
    prior
        The Dirichlet prior ``alpha_w``, always on the whole vocabulary (before
        ``min_count`` filtering) and held fixed in resampling:
        ``"pooled"`` (default; informative, empirical Bayes as in tidylo):
        ``alpha_w = prior_scale * (count of w in the two sides compared)``, so
        ``alpha0 = prior_scale * (n_group + n_reference)``;
        ``"uniform"``: ``alpha_w = prior_scale`` for every term (the FightingWords
        reference script uses ``prior_scale=0.01``);
        an array of ``n_terms`` background counts: ``alpha_w = prior_scale * prior[w]``.
    prior_scale
        Multiplier of the prior (> 0).
    n_boot
        Bootstrap replicates for ``ci_low``/``ci_high`` (0 skips: NaN).
    n_perm
        Label permutations for ``p_perm`` (0 skips: NaN). If there are at most
        ``n_perm`` distinct assignments of document labels, all are enumerated
        (exact test) and a :class:`SmallSampleWarning` gives the smallest possible p.
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
        ``term -> readable label`` (``TokenizedCorpus.surface_forms``).
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
    >>> counts = sp.csr_matrix(np.array([[5, 1], [4, 0], [1, 6], [0, 5]]))
    >>> meta = pd.DataFrame({"doc_id": ["a", "b", "c", "d"], "side": ["x", "x", "y", "y"]})
    >>> dtm = DocumentTermMatrix(counts, np.array(["ai", "chip"], dtype=object), meta)
    >>> res = score_keyness(dtm, group_column="side", n_boot=50, n_perm=0, min_count=1)
    >>> res.table.loc[res.table.group == "x", ["term", "count_group", "count_reference"]].values.tolist()
    [['ai', 9, 1], ['chip', 1, 11]]
    """
    for name, value in (("n_boot", n_boot), ("n_perm", n_perm), ("min_count", min_count)):
        if not isinstance(value, (int, np.integer)) or value < 0:
            raise bad_value(name, value, "an integer >= 0")
    if resampling_unit not in RESAMPLING_UNITS:
        raise bad_value("resampling_unit", resampling_unit, "'document' or 'passage'")
    if not 0 < ci_level < 1:
        raise bad_value("ci_level", ci_level, "a number between 0 and 1, e.g. 0.95")
    if not prior_scale > 0:
        raise bad_value("prior_scale", prior_scale, "a number > 0 (1.0 = pooled counts)")
    if isinstance(prior, str):
        if prior not in ("pooled", "uniform"):
            raise bad_value("prior", prior, "'pooled', 'uniform' or an array of n_terms background counts")
        prior_desc = prior
    else:
        background = np.asarray(prior, dtype=float).ravel()
        if background.shape != (len(dtm.vocabulary),) or (background <= 0).any():
            raise bad_value("prior", f"array of shape {background.shape}", f"{len(dtm.vocabulary)} positive numbers")
        prior, prior_desc = background, "background counts"
    meta = dtm.passages.reset_index(drop=True)
    if group_column not in meta.columns:
        raise ConfigError(
            f"group_column={group_column!r} is not a column of the passages table; "
            f"available: {list(meta.columns)}"
        )
    labels_all = meta[group_column].to_numpy(dtype=object)
    present = list(pd.unique(meta[group_column].dropna()))
    # one row of summed counts per group (textlab.store.cache.aggregate_group_counts): nothing to resample
    aggregated = {"n_docs", "n_tokens"} <= set(meta.columns) and "doc_id" not in meta.columns \
        and meta[group_column].is_unique
    if aggregated and (n_boot > 0 or n_perm > 0):
        raise ConfigError(
            "dtm holds one row of summed counts per group (aggregate_group_counts), so bootstrap intervals "
            "and permutation tests cannot be estimated: pass n_boot=0, n_perm=0, or use one row per document "
            "(aggregate_group_counts(cached, None))"
        )
    contrasts, universe = _contrasts(present, groups, reference)

    in_universe = np.flatnonzero(pd.Series(labels_all).isin(universe).to_numpy())
    counts = sp.csr_matrix(dtm.counts, dtype=np.float64)[in_universe]
    labels = labels_all[in_universe]
    doc_keys = (
        meta["doc_id"].astype(str).to_numpy(dtype=object)[in_universe] + "\x1f" + labels.astype(str)
        if "doc_id" in meta.columns
        else np.arange(len(in_universe)).astype(str)
    )
    data = _Groups(counts, labels, doc_keys, universe)
    group_counts = {}
    for g in universe:
        if len(data.rows[g]) == 0:
            raise EstimationError(f"group {g!r} has no passages in {group_column!r}")
        y = np.asarray(counts[data.rows[g]].sum(axis=0)).ravel()
        if y.sum() == 0:
            raise EstimationError(
                f"group {g!r} has {len(data.rows[g])} passages but no counted tokens; "
                "check tokenisation or min_df/max_df"
            )
        group_counts[g] = y
    units = {}
    for g in universe:  # a loop, not a comprehension, so warnings point at the caller
        units[g] = choose_resampling_unit(
            len(data.docs[g]), len(data.rows[g]), requested=resampling_unit, group=g,
            warn=(n_boot > 0 or n_perm > 0),
        )  # fmt: skip
    vocab = np.asarray(dtm.vocabulary, dtype=object)
    forms = dict(surface_forms or {})
    frames, contrast_info = [], []
    for index, (g, ref_label, ref_groups, mirrored) in enumerate(contrasts):
        if mirrored:
            frames.append(_mirror(frames[-1], g, ref_label, data, vocab))
            contrast_info.append({**contrast_info[-1], "group": g, "reference": ref_label})
            continue
        table, info = _score_contrast(
            data, group_counts, units, g, ref_label, ref_groups,
            prior=prior, prior_scale=prior_scale, n_boot=n_boot, n_perm=n_perm, resampling_unit=resampling_unit,
            ci_level=ci_level, min_count=min_count, vocab=vocab, random_state=random_state, index=index,
        )  # fmt: skip
        frames.append(table)
        contrast_info.append(info)
    table = pd.concat(frames, ignore_index=True)
    table.insert(1, "label", [forms.get(t, t) for t in table["term"]])
    table = table[COLUMNS]
    if aggregated:  # in how many passages / documents a term occurs is unknown from summed counts
        for column in ("n_passages_group", "n_docs_group"):
            table[column] = pd.array([pd.NA] * len(table), dtype="Int64")
        table[["dispersion_passages", "dispersion_docs"]] = np.nan
        table["resampling_unit"] = "none"
    params = {
        "group_column": group_column, "groups": list(universe), "reference": reference,
        "prior": prior_desc,
        "prior_scale": prior_scale, "n_boot": n_boot, "n_perm": n_perm,
        "resampling_unit": resampling_unit, "ci_level": ci_level, "min_count": min_count,
        "random_state": random_state, "rate": "share of the side's tokens",
        "log_ratio_zero_correction": 0.5, "contrasts": contrast_info, "aggregated_counts": bool(aggregated),
    }  # fmt: skip
    return KeynessResult(table=table, params=params)


def _side(data: _Groups, group_list: list, units: dict, unit_override: str | None, keep: np.ndarray):
    """Stack the unit matrices of several groups (kept terms), their token totals and strata."""
    mats, strata = [], []
    for g in group_list:
        m = data.units(g, unit_override or units[g])
        mats.append(m)
        strata.extend([g] * m.shape[0])
    stacked = sp.vstack(mats).tocsr()
    totals = np.asarray(stacked.sum(axis=1)).ravel()
    return stacked[:, keep].tocsc(), totals, np.asarray(strata, dtype=object)


def _score_contrast(data, group_counts, units, g, ref_label, ref_groups, *, prior, prior_scale, n_boot,
                    n_perm, resampling_unit, ci_level, min_count, vocab, random_state, index):  # fmt: skip
    y_a = group_counts[g]
    y_b = np.sum([group_counts[h] for h in ref_groups], axis=0)
    n_a, n_b = float(y_a.sum()), float(y_b.sum())
    pooled = y_a + y_b
    if isinstance(prior, str):
        alpha_all = prior_scale * (pooled if prior == "pooled" else np.ones_like(pooled))
    else:
        alpha_all = prior_scale * prior
    alpha0 = float(alpha_all.sum())
    keep = np.flatnonzero(pooled >= max(min_count, 1))
    ya, yb = y_a[keep], y_b[keep]
    alpha = alpha_all[keep]
    delta, var = log_odds_dirichlet(ya, yb, n_group=n_a, n_reference=n_b, alpha=alpha, alpha0=alpha0)
    z = delta / np.sqrt(var)

    # bootstrap: units resampled within each group (stratified), prior held fixed
    boot_unit = "document" if all(units[h] == "document" for h in [g, *ref_groups]) else "passage"
    ci_low = ci_high = np.full(len(keep), np.nan)
    if n_boot > 0 and len(keep):
        rng = np.random.default_rng([random_state, index, 0])
        m_a, t_a, s_a = _side(data, [g], units, None, keep)
        m_b, t_b, s_b = _side(data, ref_groups, units, None, keep)
        reps = np.empty((n_boot, len(keep)), dtype=np.float32)
        step = _chunk(n_boot, max(len(keep), len(t_a) + len(t_b)))
        for start in progress(range(0, n_boot, step), desc=f"bootstrap {g} vs {ref_label}", unit="chunk"):
            size = min(step, n_boot - start)
            w_a = bootstrap_weights(s_a, n_boot=size, random_state=rng)
            w_b = bootstrap_weights(s_b, n_boot=size, random_state=rng)
            d, _ = log_odds_dirichlet(
                _weighted(m_a, w_a), _weighted(m_b, w_b), n_group=(w_a @ t_a)[:, None],
                n_reference=(w_b @ t_b)[:, None], alpha=alpha, alpha0=alpha0,
            )  # fmt: skip
            reps[start : start + size] = d
        ci_low, ci_high = percentile_interval(reps, ci_level=ci_level)

    # permutation of unit labels between the two sides
    perm_unit = resampling_unit
    if perm_unit == "document" and (len(data.docs[g]) < 2 or sum(len(data.docs[h]) for h in ref_groups) < 2):
        perm_unit = "passage"
    p = np.full(len(keep), np.nan)
    exact, n_assign = False, 0
    if n_perm > 0 and len(keep):
        rng = np.random.default_rng([random_state, index, 1])
        m_a, t_a, _ = _side(data, [g], units, perm_unit, keep)
        m_b, t_b, _ = _side(data, ref_groups, units, perm_unit, keep)
        mat = sp.vstack([m_a, m_b]).tocsc()
        totals = np.concatenate([t_a, t_b])
        n_units, n_first = len(totals), len(t_a)
        abs_obs = np.abs(z) * (1 - 1e-9) - 1e-12  # tolerance: the identity assignment must count
        extreme = np.zeros(len(keep), dtype=np.int64)
        assign, exact = permutation_assignments(n_units, n_first, n_perm=n_perm, random_state=rng)
        n_assign = assign.shape[0]
        step = _chunk(n_assign, max(len(keep), n_units))
        for start in progress(range(0, n_assign, step), desc=f"permutations {g} vs {ref_label}", unit="chunk"):
            w = assign[start : start + step]
            yp_a = _weighted(mat, w)
            np_a = (w @ totals)[:, None]
            d, v = log_odds_dirichlet(
                yp_a, (ya + yb) - yp_a, n_group=np_a, n_reference=(n_a + n_b) - np_a,
                alpha=alpha, alpha0=alpha0,
            )  # fmt: skip
            extreme += (np.abs(d / np.sqrt(v)) >= abs_obs).sum(axis=0)
        p = permutation_pvalues(extreme, n_assign, exact=exact)
        if exact:
            warnings.warn(
                f"{g!r} vs {ref_label!r}: only {n_assign} distinct assignments of {perm_unit} labels "
                f"({n_first} vs {n_units - n_first}); all were enumerated (exact permutation test), so "
                f"the smallest possible p_perm is {1 / n_assign:.3g}",
                SmallSampleWarning,
                stacklevel=3,
            )
    row_unit = "document" if boot_unit == "document" and perm_unit == "document" else "passage"
    table = pd.DataFrame(
        {
            "term": vocab[keep], "group": g, "reference": ref_label,
            "count_group": ya.astype(np.int64), "count_reference": yb.astype(np.int64),
            "rate_group": ya / n_a, "rate_reference": yb / n_b,
            "log_odds": delta, "log_odds_se": np.sqrt(var), "z": z,
            "ci_low": np.asarray(ci_low, dtype=float), "ci_high": np.asarray(ci_high, dtype=float),
            "g2": log_likelihood_g2(ya, yb, n_a, n_b), "log_ratio": log_ratio(ya, yb, n_a, n_b),
            "p_perm": p, "q_perm": bh_qvalues(p), "resampling_unit": row_unit,
        }  # fmt: skip
    )
    table = pd.concat([table, _dispersion(data, g, keep)], axis=1)
    table = table.sort_values(["z", "term"], ascending=[False, True], kind="stable", ignore_index=True)
    info = {
        "group": g, "reference": ref_label, "reference_groups": list(ref_groups),
        "n_tokens_group": int(n_a), "n_tokens_reference": int(n_b), "n_terms_tested": int(len(keep)),
        "bootstrap_units": {h: units[h] for h in [g, *ref_groups]}, "permutation_unit": perm_unit,
        "permutation_exact": bool(exact), "n_permutations_done": int(n_assign),
    }  # fmt: skip
    return table, info


def _dispersion(data: _Groups, g, keep: np.ndarray) -> pd.DataFrame:
    in_passages = np.asarray((data.counts[data.rows[g]][:, keep] > 0).sum(axis=0)).ravel()
    in_docs = np.asarray((data.doc_counts[data.docs[g]][:, keep] > 0).sum(axis=0)).ravel()
    return pd.DataFrame(
        {
            "n_passages_group": in_passages.astype(np.int64),
            "n_docs_group": in_docs.astype(np.int64),
            "dispersion_passages": in_passages / len(data.rows[g]),
            "dispersion_docs": in_docs / len(data.docs[g]),
        }
    )


def _mirror(table: pd.DataFrame, g, ref_label, data: _Groups, vocab: np.ndarray) -> pd.DataFrame:
    """The same two-group contrast seen from the other side (same draws, so same p and q)."""
    out = table.drop(columns=["n_passages_group", "n_docs_group", "dispersion_passages", "dispersion_docs"])
    out = out.assign(
        group=g, reference=ref_label,
        count_group=table["count_reference"], count_reference=table["count_group"],
        rate_group=table["rate_reference"], rate_reference=table["rate_group"],
        log_odds=-table["log_odds"], z=-table["z"], ci_low=-table["ci_high"], ci_high=-table["ci_low"],
        log_ratio=-table["log_ratio"],
    )  # fmt: skip
    keep = pd.Index(vocab).get_indexer(out["term"])
    out = pd.concat([out.reset_index(drop=True), _dispersion(data, g, keep)], axis=1)
    return out.sort_values(["z", "term"], ascending=[False, True], kind="stable", ignore_index=True)
