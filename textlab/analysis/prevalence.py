"""Topic prevalence by group, with uncertainty composed from every source.

For each replicate (the *method of composition*, as in R's stm): pick one of the
aligned seed runs, draw every passage's topic proportions from its posterior
Dirichlet, resample documents (or passages) within each group, and take the
group means. Percentile intervals over the replicates therefore carry

* the posterior uncertainty of each passage's topic proportions,
* the sampling variability of documents within groups, and
* the spread across LDA runs with different seeds.

Nothing here is specific to the study's groups: any column of the passages
table can define the groups.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.special import rel_entr

from textlab._errors import ConfigError, EstimationError, SmallSampleWarning, bad_value
from textlab._progress import progress
from textlab.analysis.topics.lda import LdaFit
from textlab.stats.resampling import percentile_interval

__all__ = ["PrevalenceResult", "estimate_prevalence", "jensen_shannon_divergence"]


@dataclass(frozen=True)
class PrevalenceResult:
    """Topic prevalence by group with composed intervals.

    Attributes
    ----------
    by_group
        ``topic, group, mean, ci_low, ci_high, n_passages, n_docs, resampling_unit``.
    difference
        ``topic, group_a, group_b, difference, ci_low, ci_high, resampling_unit``
        (``group_a`` minus ``group_b``, paired replicates).
    divergence
        ``group_a, group_b, jsd, ci_low, ci_high``: Jensen–Shannon *divergence*
        (base 2, in [0, 1]) between the groups' mean topic mixtures; this is the
        square of what ``scipy.spatial.distance.jensenshannon(p, q, base=2)`` returns.
        Noise can only add divergence, so replicate divergences sit above the point
        estimate when the groups are similar: the interval can exclude ``jsd`` and then
        says how large the divergence could be, not where it is centred.
    variance_components
        ``topic, group, source, sd`` with ``source`` in ``posterior`` (topic
        proportions drawn, no resampling, within a run), ``resampling`` (units
        resampled with posterior means, within a run), ``seeds`` (spread of the
        group means across runs) and ``total`` (all three composed).
    params
        Settings and per-group resampling units.
    """

    by_group: pd.DataFrame
    difference: pd.DataFrame
    divergence: pd.DataFrame
    variance_components: pd.DataFrame
    params: dict = field(default_factory=dict)


def jensen_shannon_divergence(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Jensen–Shannon divergence in bits between distributions along the last axis.

    Parameters
    ----------
    p, q
        Arrays of probability vectors (last axis sums to 1), broadcastable.

    Returns
    -------
    numpy.ndarray
        Divergence in [0, 1]; the square of SciPy's Jensen–Shannon *distance* with ``base=2``.

    Examples
    --------
    >>> float(jensen_shannon_divergence(np.array([1.0, 0.0]), np.array([0.0, 1.0])))
    1.0
    >>> float(jensen_shannon_divergence(np.array([0.5, 0.5]), np.array([0.5, 0.5])))
    0.0
    """
    p = np.asarray(p, dtype=float)
    q = np.asarray(q, dtype=float)
    m = (p + q) / 2.0
    value = 0.5 * (rel_entr(p, m).sum(axis=-1) + rel_entr(q, m).sum(axis=-1)) / math.log(2.0)
    return np.clip(value, 0.0, 1.0)


def estimate_prevalence(
    fits: Sequence[LdaFit] | LdaFit,
    passages: pd.DataFrame,
    *,
    group_column: str,
    contrast: tuple[str, str] | None = None,
    n_draws: int = 100,
    n_boot: int = 200,
    resampling_unit: str = "document",
    ci_level: float = 0.95,
    weight_by_length: bool = False,
    random_state: int = 0,
) -> PrevalenceResult:
    """Group means of passage-topic proportions with intervals from posterior, resampling and seeds.

    Parameters
    ----------
    fits
        One or more :class:`~textlab.analysis.topics.lda.LdaFit` with the same topics in the
        same order (e.g. ``assess_stability(fits).aligned``) and the same passages.
    passages
        Passage table with ``passage_id``, ``doc_id`` (for document resampling),
        ``n_words`` (for ``weight_by_length``) and ``group_column``. Rows are
        matched to the fits by ``passage_id``; extra rows are ignored.
    group_column
        Column defining the groups (e.g. ``"narrative"``).
    contrast
        ``(group_a, group_b)`` for the difference and divergence tables;
        ``None`` gives every pair of groups (in sorted order).
    n_draws
        Posterior draws of all passages' topic proportions; the seed runs are
        cycled through, draw ``d`` using run ``d mod n_fits``.
    n_boot
        Composed replicates wanted: each draw is combined with
        ``ceil(n_boot / n_draws)`` independent resamples, so there are
        ``n_draws * ceil(n_boot / n_draws)`` replicates in all.
    resampling_unit
        ``"document"``: documents are resampled within each group (stratified);
        a group with fewer than 2 documents falls back to its passages with a
        :class:`~textlab._errors.SmallSampleWarning`, recorded in the
        ``resampling_unit`` column. ``"passage"``: passages everywhere.
    ci_level
        Level of the percentile intervals.
    weight_by_length
        Weight passages by ``n_words`` (a mean over words rather than passages).
    random_state
        Seed of the NumPy generator driving all draws.

    Returns
    -------
    PrevalenceResult
        ``mean`` is the plain group mean of ``doc_topic`` averaged over the runs;
        intervals are percentiles of the composed replicates. Topics are 1..K.

    Raises
    ------
    ConfigError
        Fits with different K or passages, a missing column, or a contrast naming a group that does not exist.
    EstimationError
        A group with no passages.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> gamma = rng.gamma(2.0, size=(4, 2)) + 1
    >>> fit = LdaFit(topic_term=np.full((2, 3), 1 / 3), doc_topic=gamma / gamma.sum(1, keepdims=True),
    ...              doc_topic_dirichlet=gamma, vocabulary=np.array(["a", "b", "c"]),
    ...              passage_ids=np.array(["d1:000", "d1:001", "d2:000", "d3:000"]), convergence=pd.DataFrame())
    >>> passages = pd.DataFrame({"passage_id": fit.passage_ids, "doc_id": ["d1", "d1", "d2", "d3"],
    ...                          "side": ["x", "x", "y", "y"]})
    >>> result = estimate_prevalence([fit], passages, group_column="side", resampling_unit="passage",
    ...                              n_draws=20, n_boot=20)
    >>> list(result.by_group.columns)
    ['topic', 'group', 'mean', 'ci_low', 'ci_high', 'n_passages', 'n_docs', 'resampling_unit']
    """
    fits = _check_fits(fits)
    check_count("n_draws", n_draws, 2)
    check_count("n_boot", n_boot, 1)
    check_unit(resampling_unit)
    check_level(ci_level)
    if not isinstance(passages, pd.DataFrame) or "passage_id" not in passages.columns:
        raise ConfigError("passages must be a DataFrame with a 'passage_id' column (as made by split_passages)")
    table = _align_passages(passages, fits[0].passage_ids)
    labels = group_labels(table, group_column)
    if resampling_unit == "document" and "doc_id" not in table.columns:
        raise ConfigError("resampling_unit='document' needs a 'doc_id' column in passages; "
                          "add it or use resampling_unit='passage'")
    doc_ids = table["doc_id"] if "doc_id" in table.columns else None
    layout = build_layout(labels, doc_ids, resampling_unit=resampling_unit, what="estimate_prevalence")
    pairs = check_contrast(contrast, layout.groups)
    if weight_by_length:
        if "n_words" not in table.columns:
            raise ConfigError("weight_by_length=True needs an 'n_words' column in passages")
        base = pd.to_numeric(table["n_words"], errors="coerce").fillna(0).to_numpy(dtype=float)
    else:
        base = np.ones(len(table))

    n_fits, n_groups, n_topics = len(fits), len(layout.groups), fits[0].n_topics
    state = np.stack([layout.group_means(f.doc_topic, base) for f in fits])  # F x G x K
    point = state.mean(axis=0)

    per_draw = math.ceil(n_boot / n_draws)
    rng = np.random.default_rng(random_state)
    composed = np.empty((n_draws * per_draw, n_groups, n_topics))
    posterior_only = np.empty((n_draws, n_groups, n_topics))
    resampling_only = np.empty((n_draws * per_draw, n_groups, n_topics))
    run_of_draw = np.arange(n_draws) % n_fits
    for d in progress(range(n_draws), desc="prevalence draws", unit="draw"):
        fit = fits[run_of_draw[d]]
        theta = _posterior_draw(fit, rng)
        posterior_only[d] = layout.group_means(theta, base)
        weights = layout.resample_weights(rng, per_draw) * base
        rows = slice(d * per_draw, (d + 1) * per_draw)
        composed[rows] = layout.group_means(theta, weights)
        resampling_only[rows] = layout.group_means(fit.doc_topic, weights)

    low, high = percentile_interval(composed, ci_level=ci_level)
    units = np.array(layout.units, dtype=object)
    by_group = pd.DataFrame({
        "topic": np.repeat(np.arange(1, n_topics + 1), n_groups),
        "group": np.tile(layout.groups, n_topics),
        "mean": point.T.ravel(),
        "ci_low": low.T.ravel(),
        "ci_high": high.T.ravel(),
        "n_passages": np.tile(layout.n_passages, n_topics),
        "n_docs": np.tile(layout.n_docs, n_topics),
        "resampling_unit": np.tile(units, n_topics),
    })

    index = {g: i for i, g in enumerate(layout.groups)}
    diff_rows, div_rows = [], []
    for a, b in pairs:
        ia, ib = index[a], index[b]
        unit = "document" if units[ia] == units[ib] == "document" else "passage"
        d_low, d_high = percentile_interval(composed[:, ia] - composed[:, ib], ci_level=ci_level)
        diff_rows.append(pd.DataFrame({
            "topic": np.arange(1, n_topics + 1), "group_a": a, "group_b": b,
            "difference": point[ia] - point[ib], "ci_low": d_low, "ci_high": d_high, "resampling_unit": unit,
        }))
        jsd_reps = jensen_shannon_divergence(composed[:, ia], composed[:, ib])
        j_low, j_high = percentile_interval(jsd_reps, ci_level=ci_level)
        div_rows.append({"group_a": a, "group_b": b, "jsd": float(jensen_shannon_divergence(point[ia], point[ib])),
                         "ci_low": float(j_low), "ci_high": float(j_high)})
    difference = pd.concat(diff_rows, ignore_index=True) if diff_rows else pd.DataFrame(
        columns=["topic", "group_a", "group_b", "difference", "ci_low", "ci_high", "resampling_unit"])
    divergence = pd.DataFrame(div_rows, columns=["group_a", "group_b", "jsd", "ci_low", "ci_high"])

    sds = {
        "posterior": _pooled_sd(posterior_only, run_of_draw),
        "resampling": _pooled_sd(resampling_only, np.repeat(run_of_draw, per_draw)),
        "seeds": state.std(axis=0, ddof=1) if n_fits > 1 else np.zeros((n_groups, n_topics)),
        "total": composed.std(axis=0, ddof=1),
    }
    components = pd.concat([
        pd.DataFrame({"topic": np.repeat(np.arange(1, n_topics + 1), n_groups),
                      "group": np.tile(layout.groups, n_topics), "source": source, "sd": sd.T.ravel()})
        for source, sd in sds.items()
    ], ignore_index=True).sort_values(["topic", "group"], kind="stable", ignore_index=True)

    params = {
        "group_column": group_column,
        "contrast": None if contrast is None else list(pairs[0]),
        "n_fits": n_fits,
        "fit_random_states": [f.params.get("random_state") for f in fits],
        "n_topics": n_topics,
        "n_draws": n_draws,
        "n_boot": n_boot,
        "resamples_per_draw": per_draw,
        "n_replicates": int(composed.shape[0]),
        "seed_selection": "cycle: draw d uses run d mod n_fits",
        "resampling_unit": resampling_unit,
        "resampling_unit_by_group": dict(zip(layout.groups, layout.units)),
        "ci_level": ci_level,
        "interval": "percentile",
        "point_estimate": "mean over runs of the group mean of doc_topic",
        "divergence": "Jensen-Shannon divergence, base 2 (= scipy jensenshannon(base=2) ** 2)",
        "weight_by_length": weight_by_length,
        "random_state": random_state,
        "n_passages_ignored": int(len(passages) - len(table)),
        "n_passages_without_group": int((layout.codes < 0).sum()),
    }
    return PrevalenceResult(by_group, difference, divergence, components, params)


def _check_fits(fits) -> list[LdaFit]:
    if isinstance(fits, LdaFit):
        fits = [fits]
    fits = list(fits)
    if not fits:
        raise ConfigError("fits is empty: expected at least one LdaFit")
    first = fits[0]
    ids = np.asarray(first.passage_ids).astype(str)
    for i, fit in enumerate(fits):
        theta = np.asarray(fit.doc_topic)
        alpha = np.asarray(fit.doc_topic_dirichlet)
        if theta.shape[1] != first.doc_topic.shape[1]:
            raise ConfigError(
                f"fits[{i}] has {theta.shape[1]} topics but fits[0] has {first.doc_topic.shape[1]}: "
                "all fits must have the same number of topics, aligned to a common order (assess_stability)"
            )
        if not np.array_equal(np.asarray(fit.passage_ids).astype(str), ids):
            raise ConfigError(
                f"fits[{i}] has different passages or a different passage order than fits[0]: "
                "all fits must be fitted on the same passages in the same order"
            )
        if theta.shape[0] != len(ids) or alpha.shape != theta.shape:
            raise ConfigError(
                f"fits[{i}]: doc_topic {theta.shape}, doc_topic_dirichlet {alpha.shape} and "
                f"{len(ids)} passage_ids do not agree"
            )
        if not (np.all(np.isfinite(alpha)) and np.all(alpha > 0)):
            raise ConfigError(f"fits[{i}].doc_topic_dirichlet must be finite and > 0 (Dirichlet parameters)")
    return fits


def _align_passages(passages: pd.DataFrame, passage_ids: np.ndarray) -> pd.DataFrame:
    index = pd.Index(passages["passage_id"].astype(str))
    if index.has_duplicates:
        dup = index[index.duplicated()].unique()[:5].tolist()
        raise ConfigError(f"passages has duplicate passage_id values, e.g. {dup}: expected one row per passage")
    ids = np.asarray(passage_ids).astype(str)
    position = index.get_indexer(ids)
    if (position < 0).any():
        missing = ids[position < 0][:5].tolist()
        raise ConfigError(
            f"{int((position < 0).sum())} passage(s) of the fits are not in passages, e.g. {missing}: "
            "pass the passages table the model was fitted on"
        )
    return passages.iloc[position].reset_index(drop=True)


def _posterior_draw(fit: LdaFit, rng: np.random.Generator) -> np.ndarray:
    """One draw of every passage's topic proportions from Dirichlet(doc_topic_dirichlet)."""
    gamma = rng.standard_gamma(fit.doc_topic_dirichlet)
    totals = gamma.sum(axis=1)
    bad = ~(totals > 0)
    theta = gamma / np.where(bad, 1.0, totals)[:, None]
    if bad.any():  # all components underflowed (tiny parameters): use the posterior mean
        theta[bad] = fit.doc_topic[bad]
    return theta


def _pooled_sd(replicates: np.ndarray, run: np.ndarray) -> np.ndarray:
    """Standard deviation within runs, pooled over runs (removes the seed component)."""
    centred = np.empty_like(replicates)
    for r in np.unique(run):
        rows = run == r
        centred[rows] = replicates[rows] - replicates[rows].mean(axis=0)
    dof = len(run) - len(np.unique(run))
    if dof <= 0:
        return np.full(replicates.shape[1:], np.nan)
    return np.sqrt((centred ** 2).sum(axis=0) / dof)


# ---------------------------------------------------------------------------
# Groups and stratified bootstrap weights (shared with textlab.analysis.frames)
# ---------------------------------------------------------------------------
_UNITS = ("document", "passage")
#: Below this many documents a group's document bootstrap is flagged as coarse (warning only).
FEW_DOCUMENTS = 5


@dataclass(frozen=True)
class GroupLayout:
    """Which passage belongs to which group and which resampling unit.

    Attributes
    ----------
    groups
        Group labels, in sorted order (``str``).
    codes
        ``N`` group index per passage (``-1`` for a missing group label).
    units
        Resampling unit per group (``"document"`` or ``"passage"``).
    n_passages, n_docs
        Per group.
    unit_of_passage
        ``N`` index of the resampling unit of each passage (``-1`` if no group).
    unit_group
        Group index of each unit, units sorted by group.
    members
        Per group, its passages (a slice when they are contiguous, else indices).
    """

    groups: list[str]
    codes: np.ndarray
    units: list[str]
    n_passages: np.ndarray
    n_docs: np.ndarray
    unit_of_passage: np.ndarray
    unit_group: np.ndarray
    members: list

    def resample_weights(self, rng: np.random.Generator, n: int = 1) -> np.ndarray:
        """Stratified bootstrap: draw ``n_g`` units with replacement within each group.

        Returns an ``n x N`` float array: how many times each passage's unit was
        drawn in each of ``n`` replicates (0 for passages without a group).
        """
        unit_group = self.unit_group
        n_units = len(unit_group)
        counts = np.bincount(unit_group, minlength=len(self.groups))
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
        size = counts[unit_group]
        picks = starts[unit_group] + np.floor(rng.random((n, n_units)) * size).astype(np.int64)
        picks += (np.arange(n) * n_units)[:, None]
        unit_counts = np.bincount(picks.ravel(), minlength=n * n_units).reshape(n, n_units).astype(float)
        weights = np.zeros((n, len(self.codes)))
        has_group = self.unit_of_passage >= 0
        weights[:, has_group] = unit_counts[:, self.unit_of_passage[has_group]]
        return weights

    def group_means(self, values: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """Weighted means of ``values`` (``N`` or ``N x K``) per group.

        ``weights`` is one weight vector (``N``; result ``G`` or ``G x K``) or a
        batch of them (``m x N``; result ``m x G`` or ``m x G x K``): one weighted
        sum per group (contiguous slices when the passages are grouped).
        """
        batch = np.atleast_2d(weights)
        vals = np.asarray(values, dtype=float)
        out = np.empty((batch.shape[0], len(self.groups)) + vals.shape[1:])
        with np.errstate(invalid="ignore", divide="ignore"):
            for g, rows in enumerate(self.members):
                w = batch[:, rows]
                totals = w.sum(axis=1)
                # einsum's own loop, not BLAS: a multi-threaded BLAS on a busy machine is far slower here
                sums = np.einsum("mn,n...->m...", w, vals[rows])
                out[:, g] = sums / (totals if sums.ndim == 1 else totals[:, None])
        return out[0] if np.ndim(weights) == 1 else out


def check_unit(resampling_unit: str) -> None:
    if resampling_unit not in _UNITS:
        raise bad_value("resampling_unit", resampling_unit, "'document' or 'passage'")


def check_level(ci_level: float) -> None:
    if not (0.0 < float(ci_level) < 1.0):
        raise bad_value("ci_level", ci_level, "a number strictly between 0 and 1, e.g. 0.95")


def check_count(name: str, value: int, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise bad_value(name, value, f"an integer >= {minimum}")


def group_labels(passages: pd.DataFrame, group_column: str | None) -> pd.Series:
    """The group label of every passage as strings (missing stays missing)."""
    if group_column is None:
        return pd.Series("all", index=passages.index, dtype=object)
    if group_column not in passages.columns:
        raise ConfigError(
            f"group_column={group_column!r} is not a column of the passages table: "
            f"expected one of {sorted(map(str, passages.columns))}"
        )
    column = passages[group_column]
    if isinstance(column.dtype, pd.CategoricalDtype):
        used = set(column.dropna().astype(str))
        empty = [str(c) for c in column.cat.categories if str(c) not in used]
        if empty:
            raise EstimationError(
                f"group(s) {empty} of group_column={group_column!r} have no passages; "
                "nothing can be estimated for them: drop them first (Series.cat.remove_unused_categories())"
            )
    labels = column.astype(object).where(column.notna(), None)
    return labels.map(lambda v: None if v is None else str(v))


def build_layout(
    labels: pd.Series,
    doc_ids: pd.Series | np.ndarray | None,
    *,
    resampling_unit: str,
    what: str,
) -> GroupLayout:
    """Assign passages to groups and resampling units; warn on the passage fallback.

    A group falls back to passage resampling when ``resampling_unit="passage"``
    was asked for, or when it has fewer than 2 documents (a document bootstrap
    of one document has no variability). The fallback is announced with a
    :class:`SmallSampleWarning`; callers record it in their ``resampling_unit``
    column.
    """
    check_unit(resampling_unit)
    values = labels.to_numpy(dtype=object)
    present = np.array([v is not None for v in values], dtype=bool)
    groups = sorted({v for v in values[present]})
    if not groups:
        raise EstimationError(f"no passage has a group label: nothing to estimate for {what}")
    lookup = {g: i for i, g in enumerate(groups)}
    codes = np.full(len(values), -1, dtype=np.int64)
    codes[present] = [lookup[v] for v in values[present]]
    n_groups = len(groups)
    n_passages = np.bincount(codes[present], minlength=n_groups)

    if doc_ids is None:
        doc_codes = np.arange(len(values))
    else:
        doc_codes = pd.factorize(pd.Series(np.asarray(doc_ids, dtype=object)).astype(str))[0]
    n_docs = np.array([len(np.unique(doc_codes[codes == g])) for g in range(n_groups)])

    units: list[str] = []
    if resampling_unit == "passage" and doc_ids is not None:
        warnings.warn(
            f"{what}: resampling_unit='passage' treats passages as independent; passages of one document "
            "are not, so intervals can be too narrow (recorded in the resampling_unit column)",
            SmallSampleWarning,
            stacklevel=3,
        )
    for g, group in enumerate(groups):
        if resampling_unit == "passage" or doc_ids is None:
            units.append("passage")
        elif n_docs[g] < 2:
            units.append("passage")
            warnings.warn(
                f"{what}: group {group!r} has {n_docs[g]} document(s), so documents cannot be resampled; "
                f"resampling its {n_passages[g]} passages instead (passages of one document are not "
                "independent, so its intervals are too narrow); see the resampling_unit column",
                SmallSampleWarning,
                stacklevel=3,
            )
        else:
            units.append("document")
            if n_docs[g] < FEW_DOCUMENTS:
                warnings.warn(
                    f"{what}: group {group!r} has only {n_docs[g]} documents, so a document bootstrap has "
                    f"{math.comb(2 * int(n_docs[g]) - 1, int(n_docs[g]))} distinct resamples; its interval is "
                    "coarse and tends to be too narrow",
                    SmallSampleWarning,
                    stacklevel=3,
                )
        if n_passages[g] < 2:
            warnings.warn(
                f"{what}: group {group!r} has {n_passages[g]} passage(s); its interval reflects no sampling variability",
                SmallSampleWarning,
                stacklevel=3,
            )

    passage_level = np.array([u == "passage" for u in units])
    n = len(values)
    span = int(doc_codes.max(initial=0)) + 1 + n
    raw = np.where(passage_level[np.maximum(codes, 0)], span - n + np.arange(n), doc_codes)
    key = codes.astype(np.int64) * span + raw
    unit_of_passage = np.full(n, -1, dtype=np.int64)
    unique_keys, inverse = np.unique(key[present], return_inverse=True)
    unit_of_passage[present] = inverse
    unit_group = (unique_keys // span).astype(np.int64)

    members = []
    for g in range(n_groups):
        rows = np.flatnonzero(codes == g)
        contiguous = rows[-1] - rows[0] + 1 == len(rows) if len(rows) else True
        members.append(slice(int(rows[0]), int(rows[-1]) + 1) if len(rows) and contiguous else rows)
    return GroupLayout(groups, codes, units, n_passages, n_docs, unit_of_passage, unit_group, members)


def check_contrast(contrast, groups: list[str]) -> list[tuple[str, str]]:
    """Validate ``contrast`` against the groups present; ``None`` means every pair."""
    if contrast is None:
        return [(a, b) for i, a in enumerate(groups) for b in groups[i + 1:]]
    if isinstance(contrast, str) or len(contrast) != 2:
        raise bad_value("contrast", contrast, "a pair of group labels (group_a, group_b) or None")
    pair = (str(contrast[0]), str(contrast[1]))
    missing = [g for g in pair if g not in groups]
    if missing:
        raise ConfigError(
            f"contrast={tuple(contrast)!r} names group(s) {missing} that do not exist: "
            f"the groups present are {groups}"
        )
    if pair[0] == pair[1]:
        raise bad_value("contrast", contrast, "two different groups")
    return [pair]
