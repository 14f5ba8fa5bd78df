"""Validation scores in the study report: read from ``<results folder>/validation/`` when present.

``textlab validate score ITEMS answers.csv ... --out results/validation`` writes the score tables
there; ``textlab report results/`` then adds a section with model precision, frame
precision/recall, Krippendorff's alpha and the statement of what the tests cover.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

import pandas as pd

__all__ = ["SCORE_FOLDER", "write_scores", "section_validation"]

SCORE_FOLDER = "validation"


def write_scores(score: Any, out: str | Path, *, inputs: tuple = ()) -> Path:
    """Write a :class:`~textlab.validation.score.ValidationScore` as ``validation_<table>.csv`` + JSON."""
    from textlab._io import atomic_directory, write_csv, write_json

    with atomic_directory(out, inputs=inputs) as folder:
        for name, table in score.tables().items():
            write_csv(table, folder / f"validation_{name}.csv")
        write_json(score.params, folder / "validation_score.json")
    return Path(out)


def section_validation(result: Any) -> str:
    """Report section from ``<results folder>/validation/`` ("" when the study was not validated)."""
    from textlab.study.report import _table_html

    source = getattr(result, "source", None)
    folder = Path(source) / SCORE_FOLDER if source else None
    if folder is None or not (folder / "validation_score.json").is_file():
        return ""
    params = json.loads((folder / "validation_score.json").read_text(encoding="utf-8"))
    parts = ["<h3>Human validation</h3>",
             f"<p>{html.escape(str(params.get('coverage', {}).get('statement', '')))} Intervals: "
             f"{html.escape(str(params.get('interval', '')))}.</p>"]
    for name, columns in (("model", ["task", "n_items", "n_coders", "precision", "ci_low", "ci_high", "chance"]),
                          ("frames", ["frame", "n_passages", "precision", "precision_low", "precision_high", "recall",
                                      "recall_low", "recall_high"]),
                          ("agreement", ["task", "alpha", "n_coders", "n_units"])):
        path = folder / f"validation_{name}.csv"
        if path.is_file():
            table = pd.read_csv(path)
            if len(table):
                parts.append(_table_html(table, columns))
    return "".join(parts)
