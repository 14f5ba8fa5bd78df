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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.special import rel_entr

from textlab._errors import ConfigError
from textlab._memory import drop_mapped_pages
from textlab._progress import progress
from textlab.analysis.topics.lda import LdaFit
from textlab.data import Result
from textlab.stats.checks import check_count, check_level, check_unit
from textlab.stats.contrasts import Contrast, as_contrast
from textlab.stats.differences import comparison_sides, difference_table, group_table
from textlab.stats.intervals import percentile_interval
from textlab.stats.layout import build_layout, group_labels

__all__ = ["PrevalenceResult", "estimate_prevalence", "jensen_shannon_divergence"]


@dataclass(frozen=True)
class PrevalenceResult(Result):
    """Topic prevalence by group with composed intervals.

    Attributes
    ----------
    by_group
        ``topic, group, mean, ci_low, ci_high, n_passages, n_docs, resampling_unit``.
    difference
        ``topic, group_a, group_b, difference, ci_low, ci_high, resampling_unit``
        (``group_a`` minus ``group_b``, paired replicates; ``group_b`` is ``"rest"`` for a
        comparison against the other groups pooled).
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
        Settings (``ci_level``, ``n_boot``, ``n_draws``, ``resampling_unit``, ``contrast``,
        ``random_state`` ...), per-group resampling units and the fallbacks with their reasons.
    """

    by_group: pd.DataFrame
    difference: pd.DataFrame
    divergence: pd.DataFrame
    variance_components: pd.DataFrame
    params: dict = field(default_factory=dict, kw_only=True)


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
    contrast: Contrast | Sequence | Mapping | None = None,
    groups: Sequence | None = None,
    reference: object = None,
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
        Column defining the groups (e.g. ``"outlet"``).
    contrast
        Which groups the difference and divergence tables compare: a
        :class:`textlab.stats.Contrast`, a ``(group_a, group_b)`` pair, or a list of pairs;
        ``None`` gives every pair of groups once (in sorted order).
    groups, reference
        Shortcuts for ``contrast=Contrast(groups=..., reference=...)``, e.g.
        ``reference="rest"``: every group against all the others pooled.
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
    spec = as_contrast(contrast, groups=groups, reference=reference)
    if not isinstance(passages, pd.DataFrame) or "passage_id" not in passages.columns:
        raise ConfigError("passages must be a DataFrame with a 'passage_id' column (as made by split_passages)")
    if group_column in passages.columns:  # only the columns read are aligned (a smaller copy of a large table)
        passages = passages[[c for c in dict.fromkeys(("passage_id", group_column, "doc_id", "n_words"))
                             if c in passages.columns]]
    table = _align_passages(passages, fits[0].passage_ids)
    labels = group_labels(table, group_column)
    if resampling_unit == "document" and "doc_id" not in table.columns:
        raise ConfigError("resampling_unit='document' needs a 'doc_id' column in passages; "
                          "add it or use resampling_unit='passage'")
    doc_ids = table["doc_id"] if "doc_id" in table.columns else None
    layout = build_layout(labels, doc_ids, resampling_unit=resampling_unit, what="estimate_prevalence")
    one_group = len(layout.groups) < 2 and spec == Contrast()  # nothing to compare, nothing asked
    comparisons = [] if one_group else spec.resolve(layout.groups, default="pairs")
    if weight_by_length:
        if "n_words" not in table.columns:
            raise ConfigError("weight_by_length=True needs an 'n_words' column in passages")
        base = pd.to_numeric(table["n_words"], errors="coerce").fillna(0).to_numpy(dtype=float)
    else:
        base = np.ones(len(table))

    n_fits, n_topics = len(fits), fits[0].n_topics
    pairs = []
    for f in fits:  # F x G x K sums, F x G totals; one run's memory-mapped pages held at a time
        pairs.append(layout.group_sums(f.doc_topic, base))
        drop_mapped_pages(f.doc_topic, f.doc_topic_dirichlet)
    state_sums, state_totals = _stack(pairs)
    state = state_sums / state_totals[:, :, None]
    per_draw = math.ceil(n_boot / n_draws)
    draws = _compose(fits, layout, base, n_draws=n_draws, per_draw=per_draw, random_state=random_state)
    rep_sums, rep_totals, posterior_only, resampling_only, run_of_draw = draws
    with np.errstate(invalid="ignore", divide="ignore"):
        composed = rep_sums / rep_totals[:, :, None]
    low, high = percentile_interval(composed, ci_level=ci_level)
    topics = np.arange(1, n_topics + 1)
    by_group = group_table("topic", topics, layout, state.mean(axis=0), low, high)
    difference = difference_table(
        "topic", topics, comparisons, groups=layout.groups, units=layout.units, point_sums=state_sums,
        point_totals=state_totals, replicate_sums=rep_sums, replicate_totals=rep_totals, ci_level=ci_level,
    )  # fmt: skip
    divergence = _divergence(comparisons, layout.groups, state_sums, state_totals, rep_sums, rep_totals, ci_level)
    sds = {
        "posterior": _pooled_sd(posterior_only, run_of_draw),
        "resampling": _pooled_sd(resampling_only, np.repeat(run_of_draw, per_draw)),
        "seeds": state.std(axis=0, ddof=1) if n_fits > 1 else np.zeros(state.shape[1:]),
        "total": composed.std(axis=0, ddof=1),
    }
    components = _components(sds, topics, layout.groups)
    params = {
        "group_column": group_column,
        "contrast": spec.to_dict(),
        "comparisons": [[c.group, c.reference] for c in comparisons],
        "n_fits": n_fits,
        "fit_random_states": [f.params.get("random_state") for f in fits],
        "n_topics": n_topics,
        "n_draws": n_draws,
        "n_boot": n_boot,
        "resamples_per_draw": per_draw,
        "n_replicates": int(rep_sums.shape[0]),
        "seed_selection": "cycle: draw d uses run d mod n_fits",
        "resampling_unit": resampling_unit,
        "resampling_unit_by_group": dict(zip(layout.groups, layout.units)),
        "resampling_fallbacks": dict(layout.fallbacks),
        "ci_level": ci_level,
        "interval": "percentile",
        "point_estimate": "mean over runs of the group mean of doc_topic",
        "divergence": "Jensen-Shannon divergence, base 2 (= scipy jensenshannon(base=2) ** 2)",
        "weight_by_length": weight_by_length,
        "random_state": random_state,
        "n_passages_ignored": int(len(passages) - len(table)),
        "n_passages_without_group": int((layout.codes < 0).sum()),
    }
    return PrevalenceResult(by_group=by_group, difference=difference, divergence=divergence,
                            variance_components=components, params=params)


def _compose(fits, layout, base, *, n_draws: int, per_draw: int, random_state: int):
    """Composed replicates (posterior draw x resample, runs cycled) as group sums and totals, and the
    posterior-only and resampling-only replicates the variance components need."""
    n_groups, n_topics = len(layout.groups), fits[0].n_topics
    rng = np.random.default_rng(random_state)
    n_rep = n_draws * per_draw
    rep_sums, rep_totals = np.empty((n_rep, n_groups, n_topics)), np.empty((n_rep, n_groups))
    posterior_only = np.empty((n_draws, n_groups, n_topics))
    resampling_only = np.empty((n_rep, n_groups, n_topics))
    run_of_draw = np.arange(n_draws) % len(fits)
    theta = None  # one N x K buffer, refilled by every draw
    for d in progress(range(n_draws), desc="prevalence draws", unit="draw"):
        fit = fits[run_of_draw[d]]
        theta = _posterior_draw(fit, rng, out=theta)
        posterior_only[d] = layout.group_means(theta, base)
        weights = layout.resample_weights(rng, per_draw) * base
        rows = slice(d * per_draw, (d + 1) * per_draw)
        rep_sums[rows], rep_totals[rows] = layout.group_sums(theta, weights)
        resampling_only[rows] = layout.group_means(fit.doc_topic, weights)
        drop_mapped_pages(fit.doc_topic, fit.doc_topic_dirichlet)  # read back from a results folder: one run's pages
    return rep_sums, rep_totals, posterior_only, resampling_only, run_of_draw


def _components(sds: dict, topics: np.ndarray, groups: list) -> pd.DataFrame:
    n_groups, n_topics = len(groups), len(topics)
    return pd.concat([
        pd.DataFrame({"topic": np.repeat(topics, n_groups),
                      "group": np.tile(groups, n_topics), "source": source, "sd": sd.T.ravel()})
        for source, sd in sds.items()
    ], ignore_index=True).sort_values(["topic", "group"], kind="stable", ignore_index=True)


def _stack(pairs: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """Stack per-run ``(sums, totals)`` (each ``1 x G x K`` / ``1 x G``) into ``F x G x K`` / ``F x G``."""
    return np.concatenate([p[0] for p in pairs]), np.concatenate([p[1] for p in pairs])


def _divergence(comparisons, groups, state_sums, state_totals, rep_sums, rep_totals, ci_level) -> pd.DataFrame:
    """Jensen-Shannon divergence between the two sides' mean topic mixtures, with a percentile interval."""
    rows = []
    for c in comparisons:
        point_a, point_b = comparison_sides(c, groups, state_sums, state_totals)
        rep_a, rep_b = comparison_sides(c, groups, rep_sums, rep_totals)
        j_low, j_high = percentile_interval(jensen_shannon_divergence(rep_a, rep_b), ci_level=ci_level)
        jsd = jensen_shannon_divergence(point_a.mean(axis=0), point_b.mean(axis=0))
        rows.append({"group_a": c.group, "group_b": c.reference, "jsd": float(jsd),
                     "ci_low": float(j_low), "ci_high": float(j_high)})
    return pd.DataFrame(rows, columns=["group_a", "group_b", "jsd", "ci_low", "ci_high"])


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
        same_ids = fit.passage_ids is first.passage_ids  # one shared array (a large study): nothing to compare
        if theta.shape[1] != first.doc_topic.shape[1]:
            raise ConfigError(
                f"fits[{i}] has {theta.shape[1]} topics but fits[0] has {first.doc_topic.shape[1]}: "
                "all fits must have the same number of topics, aligned to a common order (assess_stability)"
            )
        if not same_ids and not np.array_equal(np.asarray(fit.passage_ids).astype(str), ids):
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
        drop_mapped_pages(fit.passage_ids, fit.doc_topic_dirichlet)  # checked: one fit's pages at a time
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


#: Rows drawn at a time by :func:`_posterior_draw` (bounds its float64 temporaries to ``rows x K``).
DRAW_CHUNK_ROWS = 50_000


def _posterior_draw(fit: LdaFit, rng: np.random.Generator, *, out: np.ndarray | None = None,
                    chunk_rows: int | None = None) -> np.ndarray:
    """One draw of every passage's topic proportions from Dirichlet(doc_topic_dirichlet).

    Drawn ``chunk_rows`` rows at a time into one ``N x K`` float64 array (``out`` if given, reused
    between draws): NumPy's generator fills an array of shapes element by element in order, so
    the draw is the same numbers, and leaves ``rng`` in the same state, whatever the chunk size;
    only the temporaries shrink (a million passages: no 112 MB float64 copy of the parameters
    and no second array for the normalised draw).
    """
    alpha = fit.doc_topic_dirichlet
    n = alpha.shape[0]
    step = max(1, int(chunk_rows or DRAW_CHUNK_ROWS))
    theta = np.empty(alpha.shape, dtype=np.float64) if out is None else out
    for start in range(0, n, step):
        rows = slice(start, min(n, start + step))
        gamma = rng.standard_gamma(alpha[rows])
        totals = gamma.sum(axis=1)
        bad = ~(totals > 0)
        np.divide(gamma, np.where(bad, 1.0, totals)[:, None], out=theta[rows])
        if bad.any():  # all components underflowed (tiny parameters): use the posterior mean
            theta[rows][bad] = fit.doc_topic[rows][bad]
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
