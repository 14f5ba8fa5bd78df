"""What a cleaning run reports: the audit table, its per-rule summary, warnings and parameters.

:func:`~textlab.preprocessing.clean.clean_corpus` and the streamed path of
:func:`textlab.preprocessing.pipeline.prepare_data` both turn :class:`~textlab.preprocessing.clean.CleanedBatch`
results into an audit table (:func:`audit_frame`), re-emit the batch's warnings (:func:`emit_notes`,
:func:`warn_emptied`) and record the run's ``params`` (:func:`clean_params`) through these functions;
:func:`audit_summary` condenses an audit per rule. :mod:`textlab.preprocessing.clean` re-exports them.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import pandas as pd

from textlab._errors import CleaningWarning
from textlab.preprocessing._clean_furniture import CleaningPlan
from textlab.preprocessing._clean_rules import AUDIT_COLUMNS, count_words

__all__ = ["audit_frame", "audit_summary", "clean_params", "emit_notes", "warn_emptied"]


def emit_notes(notes: Sequence[str], *, limit: int = 10) -> None:
    """Re-emit :attr:`CleanedBatch.notes` as :class:`CleaningWarning` (the first ``limit``, then a count)."""
    for note in list(notes)[:limit]:
        warnings.warn(note, CleaningWarning, stacklevel=3)
    if len(notes) > limit:
        warnings.warn(f"... and {len(notes) - limit} more cleaning warnings like these", CleaningWarning,
                      stacklevel=3)


def clean_params(active, disable, overrides_from_metadata: bool, kept_whole: list[str], n_removals: int,
                 plan: CleaningPlan | None = None) -> dict:
    """The ``params`` of a cleaning run (shared by :func:`clean_corpus` and the streamed path)."""
    out = {
        "rules": list(active),
        "disabled": list(disable),
        "overrides_from_metadata": overrides_from_metadata,
        "kept_whole": [str(d) for d in kept_whole],
        "n_removals": int(n_removals),
    }
    return out if plan is None else {**plan.params(), **out}


def audit_frame(rows: Sequence[tuple]) -> pd.DataFrame:
    """The audit table of :func:`clean_batch` rows, in document order then line order.

    Examples
    --------
    >>> audit_frame([("a", 1, 1, "navigation", "Logo")])["rule"].tolist()
    ['navigation']
    """
    return pd.DataFrame(list(rows), columns=AUDIT_COLUMNS).astype({"line_start": "int64", "line_end": "int64"})


def warn_emptied(emptied: Sequence[str]) -> None:
    """One :class:`CleaningWarning` naming documents whose whole text cleaning removed."""
    if emptied:
        warnings.warn(
            f"cleaning removed all text of {len(emptied)} documents: {', '.join(map(repr, list(emptied)[:10]))}; "
            "check the audit or set clean_keep_all for them",
            CleaningWarning,
            stacklevel=3,
        )


def audit_summary(audit: pd.DataFrame) -> pd.DataFrame:
    """Summarise an audit table per rule.

    Parameters
    ----------
    audit
        ``CleanResult.audit``.

    Returns
    -------
    pandas.DataFrame
        ``rule, n_removals, n_lines, n_words``, one row per rule that removed something,
        most words first.

    Examples
    --------
    >>> audit = pd.DataFrame({"doc_id": ["a", "a"], "line_start": [1, 5], "line_end": [1, 7],
    ...                       "rule": ["navigation", "teaser_block"], "text": ["Logo", "x y\\n\\nz"]})
    >>> audit_summary(audit).to_dict("records")[0]
    {'rule': 'teaser_block', 'n_removals': 1, 'n_lines': 3, 'n_words': 3}
    """
    table = audit.assign(
        n_lines=audit["line_end"] - audit["line_start"] + 1, n_words=audit["text"].map(count_words)
    )
    summary = (
        table.groupby("rule", sort=False)
        .agg(n_removals=("rule", "size"), n_lines=("n_lines", "sum"), n_words=("n_words", "sum"))
        .reset_index()
        .sort_values(["n_words", "rule"], ascending=[False, True], kind="stable")
        .reset_index(drop=True)
    )
    return summary.astype({"n_removals": "int64", "n_lines": "int64", "n_words": "int64"})
