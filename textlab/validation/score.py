"""Score coders' answers against the answer key: intrusion precision, frame precision/recall, agreement.

* Word and topic intrusion: the share of answers that found the intruder, per topic and over
  the whole sample ("model precision", Chang et al. 2009), with Wilson score intervals (answers
  treated as independent: with few items per topic the intervals are wide, as they should be).
* Frame coding: per frame, the coders' majority (a frame is present when more than half of the
  coders who answered the item ticked it) is the reference; the dictionary's precision
  (dictionary-positive passages the coders confirm) and recall (coder-positive passages the
  dictionary finds), with Wilson intervals.
* Agreement between coders: Krippendorff's alpha (nominal) from the ``krippendorff`` package:
  the option chosen for intrusion items, presence/absence of each frame for frame coding.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from textlab._errors import ConfigError, InputFileError
from textlab.data import Result
from textlab.validation.make import ITEM_FILES

__all__ = ["ValidationScore", "score_validation", "wilson_interval", "read_answers"]


@dataclass(frozen=True)
class ValidationScore(Result):
    """Scores of a validation round.

    Attributes
    ----------
    intrusion
        ``task, topic, n_items, n_answers, n_correct, precision, ci_low, ci_high, chance`` per topic.
    model
        ``task, n_items, n_coders, n_answers, n_correct, precision, ci_low, ci_high, chance``: the whole sample.
    frames
        ``frame, n_passages, n_coder_positive, n_dictionary_positive, true_positive, precision,
        precision_low, precision_high, recall, recall_low, recall_high`` (row ``all``: pooled).
    agreement
        ``task, alpha, n_coders, n_units, level``: Krippendorff's alpha (NaN with fewer than 2 coders).
    answers
        ``coder, item_id, task, answer, correct``: every answer read, normalised to option values.
    params
        ``ci_level``, the answer files, ``coverage`` (what the items cover, with a ``statement``).
    """

    intrusion: pd.DataFrame = None
    model: pd.DataFrame = None
    frames: pd.DataFrame = None
    agreement: pd.DataFrame = None
    answers: pd.DataFrame = None


def wilson_interval(successes: int, n: int, *, ci_level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of a proportion (NaN, NaN for ``n == 0``).

    Examples
    --------
    >>> [round(x, 4) for x in wilson_interval(8, 10)]
    [0.4902, 0.9433]
    """
    from scipy.stats import norm

    if n == 0:
        return float("nan"), float("nan")
    z = float(norm.ppf(0.5 + ci_level / 2))
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    low = 0.0 if successes == 0 else max(0.0, centre - half)  # exact ends: no rounding residue at 0 and 1
    high = 1.0 if successes == n else min(1.0, centre + half)
    return float(low), float(high)


def read_answers(paths: list[str | Path]) -> pd.DataFrame:
    """``coder, item_id, answer`` from coders' CSV files (a file without ``coder`` is named by its stem)."""
    tables = []
    for path in paths:
        path = Path(path)
        if not path.is_file():
            raise InputFileError(path, "does not exist: expected a coder's answers CSV (coder,item_id,answer)")
        table = pd.read_csv(path, dtype=str, keep_default_na=False)
        missing = {"item_id", "answer"} - set(table.columns)
        if missing:
            raise InputFileError(path, f"has no column(s) {sorted(missing)}: expected coder,item_id,answer")
        if "coder" not in table.columns:
            table["coder"] = path.stem
        tables.append(table[["coder", "item_id", "answer"]].assign(file=path.name))
    if not tables:
        raise ConfigError("answers is empty: give at least one coder's CSV")
    out = pd.concat(tables, ignore_index=True)
    out["answer"] = out["answer"].str.strip()
    out = out[out["answer"] != ""]
    duplicated = out.duplicated(["coder", "item_id"], keep=False)
    if duplicated.any():
        row = out[duplicated].iloc[0]
        raise ConfigError(f"coder {row['coder']!r} answered item {row['item_id']!r} more than once "
                          f"(files {sorted(set(out.loc[duplicated, 'file']))}); keep one answer per item")
    return out.reset_index(drop=True)


def _normalise(answers: pd.DataFrame, key: pd.DataFrame) -> pd.DataFrame:
    """Answers as option values (a label is accepted for its value); unknown items refused."""
    unknown = sorted(set(answers["item_id"]) - set(key["item_id"]))
    if unknown:
        raise ConfigError(f"answers name item(s) {unknown[:5]} that are not in the answer key; score them with the "
                          "validation folder they came from")
    lookup = {}
    for item_id, task, key_answer, options in zip(key["item_id"], key["task"], key["answer"], key["options"]):
        pairs = json.loads(options)
        lookup[item_id] = (task, str(key_answer), {str(value) for value, _ in pairs} | {"none"},
                           {str(label).lower(): str(value) for value, label in pairs})
    rows = []
    for row in answers.itertuples(index=False):
        task, key_answer, values, by_label = lookup[row.item_id]
        parts = [p.strip() for p in str(row.answer).split(";") if p.strip()]
        parts = [p if p in values else by_label.get(p.lower(), p) for p in parts]
        if task == "frame_coding":
            answer = ";".join(sorted(set(parts))) if parts and "none" not in parts else "none"
            correct = np.nan
        else:
            answer = parts[0] if parts else ""
            correct = float(answer == key_answer)
        rows.append({"coder": row.coder, "item_id": row.item_id, "task": task, "answer": answer,
                     "correct": correct})
    return pd.DataFrame(rows, columns=["coder", "item_id", "task", "answer", "correct"])


def _proportion_row(n_correct: int, n: int, ci_level: float) -> dict[str, float]:
    low, high = wilson_interval(n_correct, n, ci_level=ci_level)
    return {"n_answers": int(n), "n_correct": int(n_correct),
            "precision": n_correct / n if n else float("nan"), "ci_low": low, "ci_high": high}


def _intrusion_tables(answers: pd.DataFrame, key: pd.DataFrame, ci_level: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    merged = answers.merge(key[["item_id", "topic", "chance"]], on="item_id")
    by_topic, model = [], []
    for task in ("word_intrusion", "topic_intrusion"):
        these = merged[merged["task"] == task]
        items = key[key["task"] == task]
        if items.empty:
            continue
        for topic, group in items.groupby("topic"):
            got = these[these["topic"] == topic]
            by_topic.append({"task": task, "topic": int(topic), "n_items": int(len(group)),
                             **_proportion_row(int(got["correct"].sum()), len(got), ci_level),
                             "chance": float(group["chance"].mean())})
        model.append({"task": task, "n_items": int(len(items)), "n_coders": int(these["coder"].nunique()),
                      **_proportion_row(int(these["correct"].sum()), len(these), ci_level),
                      "chance": float(items["chance"].mean())})
    columns = ["task", "topic", "n_items", "n_answers", "n_correct", "precision", "ci_low", "ci_high", "chance"]
    model_columns = ["task", "n_items", "n_coders", "n_answers", "n_correct", "precision", "ci_low", "ci_high",
                     "chance"]
    return pd.DataFrame(by_topic, columns=columns), pd.DataFrame(model, columns=model_columns)


def _frame_presence(answers: pd.DataFrame, key: pd.DataFrame) -> tuple[list[str], pd.DataFrame, pd.DataFrame]:
    """Frames; per coder x (item, frame) 0/1 (NaN: not answered); dictionary 0/1 per (item, frame)."""
    items = key[key["task"] == "frame_coding"]
    if items.empty:
        return [], pd.DataFrame(), pd.DataFrame()
    frames = [value for value, _ in json.loads(items["options"].iloc[0])]
    units = pd.MultiIndex.from_product([items["item_id"], frames], names=["item_id", "frame"])
    dictionary = pd.Series([float(f in str(a).split(";")) for a in items["answer"] for f in frames], index=units)
    coded = answers[answers["task"] == "frame_coding"]
    coders = sorted(coded["coder"].unique())
    position = {item: i * len(frames) for i, item in enumerate(items["item_id"])}
    matrix = np.full((len(coders), len(units)), np.nan)
    for row in coded.itertuples(index=False):
        chosen = set(row.answer.split(";"))
        start = position[row.item_id]
        matrix[coders.index(row.coder), start:start + len(frames)] = [float(f in chosen) for f in frames]
    return frames, pd.DataFrame(matrix, index=coders, columns=units), dictionary


def _frame_table(frames: list[str], table: pd.DataFrame, dictionary: pd.Series, ci_level: float) -> pd.DataFrame:
    columns = ["frame", "n_passages", "n_coder_positive", "n_dictionary_positive", "true_positive", "precision",
               "precision_low", "precision_high", "recall", "recall_low", "recall_high"]
    if not frames or table.empty:
        return pd.DataFrame(columns=columns)
    answered = table.notna().sum(axis=0)
    majority = (table.sum(axis=0) > answered / 2).astype(float)[answered > 0]
    dictionary = dictionary[majority.index]
    rows = []
    for frame in [*frames, "all"]:
        mask = np.ones(len(majority), bool) if frame == "all" else (majority.index.get_level_values("frame") == frame)
        human, dic = majority[mask].to_numpy(), dictionary[mask].to_numpy()
        tp = int(((human == 1) & (dic == 1)).sum())
        p_low, p_high = wilson_interval(tp, int(dic.sum()), ci_level=ci_level)
        r_low, r_high = wilson_interval(tp, int(human.sum()), ci_level=ci_level)
        rows.append({"frame": frame, "n_passages": int(mask.sum()) if frame != "all" else int(len(human) // len(frames)),
                     "n_coder_positive": int(human.sum()), "n_dictionary_positive": int(dic.sum()),
                     "true_positive": tp, "precision": tp / dic.sum() if dic.sum() else float("nan"),
                     "precision_low": p_low, "precision_high": p_high,
                     "recall": tp / human.sum() if human.sum() else float("nan"), "recall_low": r_low,
                     "recall_high": r_high})
    return pd.DataFrame(rows, columns=columns)


def _alpha(matrix: np.ndarray) -> float:
    import krippendorff

    if matrix.shape[0] < 2 or np.sum(np.sum(~np.isnan(matrix), axis=0) >= 2) == 0:
        return float("nan")
    values = matrix[~np.isnan(matrix)]
    if len(np.unique(values)) < 2:  # every coder gave the same value everywhere: alpha undefined
        return float("nan")
    return float(krippendorff.alpha(reliability_data=matrix, level_of_measurement="nominal"))


def reliability_matrices(answers: pd.DataFrame, key: pd.DataFrame) -> dict[str, np.ndarray]:
    """Task -> coders x units matrix of codes (NaN: missing), as given to ``krippendorff.alpha``."""
    out = {}
    coders = sorted(answers["coder"].unique())
    for task in ("word_intrusion", "topic_intrusion"):
        items = key[key["task"] == task]
        if items.empty:
            continue
        codes = {(i, str(v)): n for i, opts in zip(items["item_id"], items["options"])
                 for n, (v, _) in enumerate(json.loads(opts))}
        matrix = np.full((len(coders), len(items)), np.nan)
        column = {item: j for j, item in enumerate(items["item_id"])}
        for row in answers[answers["task"] == task].itertuples(index=False):
            matrix[coders.index(row.coder), column[row.item_id]] = codes.get((row.item_id, row.answer), -1)
        out[task] = matrix
    frames, table, _ = _frame_presence(answers, key)
    if frames and not table.empty:
        out["frame_coding"] = table.reindex(coders).to_numpy(dtype=float)
    return out


def score_validation(items_dir: str | Path, answers: list[str | Path], *, ci_level: float = 0.95) -> ValidationScore:
    """Score coders' answers against the answer key of a validation folder (:func:`write_validation`).

    Parameters
    ----------
    items_dir
        The folder ``textlab validate make`` wrote (it holds ``answer_key.csv``).
    answers
        Coders' CSV files (``coder,item_id,answer``; the form's export).
    ci_level
        Level of the Wilson intervals.

    Returns
    -------
    ValidationScore

    Examples
    --------
    >>> score = score_validation("validation", ["ann.csv", "bob.csv"])  # doctest: +SKIP
    >>> score.model[["task", "precision", "ci_low", "ci_high"]]         # doctest: +SKIP
    """
    folder = Path(items_dir)
    key_path = folder / ITEM_FILES["key"]
    if not key_path.is_file():
        raise InputFileError(folder, f"has no {ITEM_FILES['key']}: expected a folder written by `textlab validate make`")
    key = pd.read_csv(key_path, dtype=str, keep_default_na=False).astype(object)
    key["topic"] = pd.to_numeric(key["topic"]).astype(int)
    key["chance"] = pd.to_numeric(key["chance"], errors="coerce")  # empty for frame coding
    settings = json.loads((folder / ITEM_FILES["settings"]).read_text(encoding="utf-8")) \
        if (folder / ITEM_FILES["settings"]).is_file() else {}
    read = read_answers(list(answers))
    normal = _normalise(read, key)
    intrusion, model = _intrusion_tables(normal, key, ci_level)
    frames, table, dictionary = _frame_presence(normal, key)
    frame_table = _frame_table(frames, table, dictionary, ci_level)
    agreement = pd.DataFrame([{"task": task, "alpha": _alpha(matrix), "n_coders": int(matrix.shape[0]),
                               "n_units": int(matrix.shape[1]), "level": "nominal"}
                              for task, matrix in reliability_matrices(normal, key).items()],
                             columns=["task", "alpha", "n_coders", "n_units", "level"])
    coverage = dict(settings.get("coverage", {}))
    n_coders = int(normal["coder"].nunique())
    answered = normal["item_id"].nunique()
    coverage["statement"] = (coverage.get("statement", "") + f" {n_coders} coder(s) answered {answered} of "
                             f"{len(key)} items.").strip()
    params = {"ci_level": ci_level, "interval": "Wilson score (answers treated as independent)",
              "answer_files": sorted(set(read["file"])), "n_coders": n_coders, "coverage": coverage,
              "frame_reference": "majority of the coders who answered the item (ties: absent)",
              "alpha": "krippendorff.alpha, level_of_measurement='nominal'"}
    return ValidationScore(intrusion=intrusion, model=model, frames=frame_table, agreement=agreement,
                           answers=normal, params=params)
