"""Resampling that respects the design: documents, passages, or clusters (a cluster bootstrap).

Units (documents, or the clusters of ``resampling="cluster:COLUMN"``) are resampled with
replacement within *strata*: the combinations of the formula's categorical terms that are
constant within a unit (an outlet for its articles), so every level keeps its rows in every
replicate. A stratum with one unit falls back to its passages with a
:class:`~textlab._errors.SmallSampleWarning` (:func:`textlab.stats.build_layout`).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from textlab._errors import ConfigError, SmallSampleWarning, bad_value
from textlab.analysis.effects._design import PERIOD, Design
from textlab.stats.layout import GroupLayout, build_layout

__all__ = ["Resampler", "make_resampler", "FEW_CLUSTERS"]

#: Below this many clusters a cluster bootstrap tends to give intervals that are too narrow (warning).
FEW_CLUSTERS = 20


@dataclass(frozen=True)
class Resampler:
    """Draws case weights (``n x N``) for the composed replicates; ``layout=None`` means no resampling."""

    kind: str
    column: str | None
    layout: GroupLayout | None
    strata: list[str]
    params: dict

    def weights(self, rng: np.random.Generator, n: int, n_rows: int) -> np.ndarray:
        """``n`` replicates of case weights (how many times each row's unit was drawn)."""
        if self.layout is None:
            return np.ones((n, n_rows))
        return self.layout.resample_weights(rng, n)


def _parse(resampling: str) -> tuple[str, str | None]:
    if isinstance(resampling, str):
        if resampling in ("document", "passage", "none"):
            return resampling, None
        if resampling.startswith("cluster:") and resampling[len("cluster:"):].strip():
            return "cluster", resampling[len("cluster:"):].strip()
    raise bad_value("resampling", resampling, "'document', 'passage', 'cluster:COLUMN' (e.g. 'cluster:author') "
                                              "or 'none' (posterior draws only)")


def _constant_within(rows: pd.DataFrame, column: str, unit_codes: np.ndarray) -> bool:
    codes = pd.factorize(rows[column])[0]
    return bool((pd.Series(codes).groupby(unit_codes).nunique() <= 1).all())


def make_resampler(design: Design, resampling: str) -> Resampler:
    """The resampling scheme for ``design.rows`` (strata, unit ids, fallbacks, cluster checks)."""
    kind, column = _parse(resampling)
    rows = design.rows
    if kind == "none":
        return Resampler("none", None, None, [], {"resampling": "none"})
    if kind == "document" and "doc_id" not in rows.columns:
        raise ConfigError("resampling='document' needs a 'doc_id' column in rows; add it or use resampling='passage'")
    if kind == "cluster":
        if column not in rows.columns:
            raise ConfigError(f"resampling='cluster:{column}': {column!r} is not a column of rows; columns: "
                              f"{sorted(map(str, rows.columns))}")
        if column in design.categorical or column in design.continuous:
            raise ConfigError(f"resampling='cluster:{column}' would resample the levels of a term of the formula; "
                              "cluster on a finer unit (e.g. author within outlet) or use resampling='document'")
        if rows[column].isna().any():
            raise ConfigError(f"resampling='cluster:{column}': {int(rows[column].isna().sum())} row(s) have no "
                              f"{column}; fill or drop them")
    units = {"document": rows.get("doc_id"), "cluster": rows.get(column)}.get(kind)
    unit_ids = pd.Series(np.arange(len(rows))) if units is None else units.astype(str).reset_index(drop=True)
    candidates = [c for c in design.categorical if c not in design.bins and c != PERIOD]
    unit_codes = pd.factorize(unit_ids)[0]
    strata = [c for c in candidates if _constant_within(rows, c, unit_codes)]
    labels = pd.Series("all", index=rows.index, dtype=object)
    for i, column in enumerate(strata):
        text = rows[column].astype(str).astype(object)
        labels = text if i == 0 else labels + " | " + text
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*resampling_unit='passage' treats.*")
        layout = build_layout(labels.astype(object), None if units is None else unit_ids,
                              resampling_unit="passage" if kind == "passage" else "document",
                              what="estimate_effect")
    n_units = int(unit_ids.nunique())
    if kind == "cluster" and n_units < FEW_CLUSTERS:
        warnings.warn(f"estimate_effect: a cluster bootstrap over {n_units} clusters of {column!r} tends to give "
                      f"intervals that are too narrow (fewer than {FEW_CLUSTERS} clusters)",
                      SmallSampleWarning, stacklevel=3)
    if kind == "passage" and "doc_id" in rows.columns and rows["doc_id"].nunique() < len(rows):
        warnings.warn("estimate_effect: resampling='passage' treats passages as independent; passages of one "
                      "document are not, so intervals can be too narrow", SmallSampleWarning, stacklevel=3)
    params = {"resampling": resampling, "resampling_unit": {"document": "doc_id", "passage": "passage",
                                                            "cluster": column}[kind],
              "n_units": n_units, "strata": strata, "n_strata": len(layout.groups),
              "resampling_fallbacks": dict(layout.fallbacks)}
    return Resampler(kind, column, layout, strata, params)
