"""Make a validation set from a study's results and write it for coders (form + CSV) and for the researcher (key)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from textlab._errors import ConfigError, bad_value
from textlab.data import Result
from textlab.validation.form import render_form
from textlab.validation.items import frame_items, topic_intrusion_items, word_intrusion_items

__all__ = ["ValidationItems", "make_validation", "write_validation", "ITEM_FILES"]

#: Files of a validation folder: what coders get, and what they must not see.
ITEM_FILES = {"form": "form.html", "items": "items.csv", "key": "answer_key.csv", "settings": "validation.json"}
_PREFIX = {"word_intrusion": "W", "topic_intrusion": "T", "frame_coding": "F"}


@dataclass(frozen=True)
class ValidationItems(Result):
    """Validation items and their answer key.

    Attributes
    ----------
    items
        What coders see: ``item_id, task, passage_id, text, option_1 ... option_n`` (option labels).
    key
        What they must not see: ``item_id, task, topic, passage_id, answer, chance, stratum, options``
        (``answer``: the intruding word / topic number, or the frames the dictionary finds, ``;``-joined,
        ``none`` for no frame; ``options``: JSON ``[[value, label], ...]``).
    params
        Settings (``n_word``, ``n_topic``, ``n_frame``, ``random_state``) and ``coverage``: how much of
        the model the items cover.
    """

    items: pd.DataFrame = None
    key: pd.DataFrame = None


def _descriptions(result: Any) -> dict[str, str]:
    """Frame descriptions from the study's codebook, when it can be read."""
    path = (getattr(result, "provenance", None) or {}).get("codebook")
    if not path or not Path(path).is_file():
        return {}
    from textlab.analysis.frames import load_codebook

    return dict(load_codebook(path).descriptions)


def _coverage(result: Any, key: pd.DataFrame, n_word: int) -> dict[str, Any]:
    """Counts behind the statement of how much of the model the items test."""
    tables = result.tables
    n_passages = int(len(tables["passages"])) if "passages" in tables else 0
    topics = tables.get("passage_topics")
    k = len([c for c in topics.columns if str(c).startswith("topic_")]) if topics is not None else 0
    topic_items = key[key["task"] == "topic_intrusion"]
    frame_items_ = key[key["task"] == "frame_coding"]
    frames = tables.get("frames_by_passage")
    n_frames = int(frames["frame"].nunique()) if frames is not None else 0
    word_topics = int(key.loc[key["task"] == "word_intrusion", "topic"].nunique())
    out = {"n_topics": k, "n_passages": n_passages, "word_intrusion_topics": word_topics,
           "word_intrusion_items_per_topic": n_word, "topic_intrusion_passages": int(len(topic_items)),
           "topic_intrusion_dominant_topics": int(topic_items["topic"].nunique()),
           "frame_coding_passages": int(len(frame_items_)), "n_frames": n_frames,
           "frame_coding_strata": sorted(frame_items_["stratum"].astype(str).unique().tolist())}
    share = lambda n: f"{n / n_passages:.2g}" if n_passages else "n/a"  # noqa: E731
    out["statement"] = (
        f"Word intrusion tests {word_topics} of {k} topics ({n_word} item(s) each, top {8} words only: it says "
        f"nothing about the rest of each topic's vocabulary). Topic intrusion covers {len(topic_items)} of "
        f"{n_passages} passages (share {share(len(topic_items))}), {out['topic_intrusion_dominant_topics']} of {k} topics "
        f"as the dominant topic. Frame coding covers {len(frame_items_)} passages (share {share(len(frame_items_))}) "
        f"sampled evenly over {len(out['frame_coding_strata'])} dictionary strata ({n_frames} frames + none), so its "
        "precision and recall describe the strata, not the corpus-wide mix of frames.")
    return out


def make_validation(result: Any, *, n_word: int = 2, n_topic: int = 20, n_frame: int = 30,
                    random_state: int = 0) -> ValidationItems:
    """Word-intrusion, topic-intrusion and frame-coding items from a study's results.

    Parameters
    ----------
    result
        A :class:`~textlab.study.run.StudyResult` (a run, or a results folder read back) with
        the topics step (word and topic intrusion) and the frames step (frame coding).
    n_word
        Word-intrusion items per topic (0: none).
    n_topic
        Topic-intrusion passages, stratified by dominant topic (0: none).
    n_frame
        Frame-coding passages, stratified by the dictionary's dominant frame (0: none).
    random_state
        Seed of every draw (samples, shown words, intruders, option order).

    Returns
    -------
    ValidationItems

    Examples
    --------
    >>> from textlab.study.results import read_results
    >>> validation = make_validation(read_results("results"), n_word=1, n_topic=5, n_frame=6)  # doctest: +SKIP
    >>> write_validation(validation, "validation")                                             # doctest: +SKIP
    """
    for name, value in (("n_word", n_word), ("n_topic", n_topic), ("n_frame", n_frame), ("random_state", random_state)):
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 0:
            raise bad_value(name, value, "an integer >= 0")
    if n_word + n_topic + n_frame == 0:
        raise ConfigError("n_word, n_topic and n_frame are all 0: there is nothing to validate")
    rng = np.random.default_rng(random_state)
    raw: list[dict] = []
    if n_word:
        raw += word_intrusion_items(result, int(n_word), rng)
    if n_topic:
        raw += topic_intrusion_items(result, int(n_topic), rng)
    if n_frame:
        raw += frame_items(result, int(n_frame), rng, _descriptions(result))
    for task, prefix in _PREFIX.items():  # present each task's items in a random order, numbered as shown
        these = [item for item in raw if item["task"] == task]
        for i, j in enumerate(rng.permutation(len(these))):
            these[j]["item_id"] = f"{prefix}{i + 1:03d}"
    raw.sort(key=lambda item: ("WTF".index(item["item_id"][0]), item["item_id"]))
    width = max(len(item["options"]) for item in raw)
    items = pd.DataFrame([{"item_id": it["item_id"], "task": it["task"], "passage_id": it["passage_id"],
                           "text": it["text"], **{f"option_{i + 1}": (it["options"][i][1] if i < len(it["options"])
                                                                      else "") for i in range(width)}}
                          for it in raw])
    key = pd.DataFrame([{"item_id": it["item_id"], "task": it["task"], "topic": int(it["topic"]),
                         "passage_id": it["passage_id"], "answer": it["answer"], "chance": float(it["chance"]),
                         "stratum": it.get("stratum", ""), "options": json.dumps(it["options"], ensure_ascii=False)}
                        for it in raw])
    params = {"n_word": int(n_word), "n_topic": int(n_topic), "n_frame": int(n_frame),
              "random_state": int(random_state), "coverage": _coverage(result, key, int(n_word)),
              "source": str(getattr(result, "source", None) or (getattr(result.config, "source", None) or ""))}
    return ValidationItems(items=items, key=key, params=params)


def write_validation(validation: ValidationItems, out: str | Path, *, inputs: tuple = ()) -> Path:
    """Write ``form.html`` and ``items.csv`` (for coders), ``answer_key.csv`` and ``validation.json`` (not).

    The folder is written atomically (:func:`textlab._io.atomic_directory`); ``README.txt`` says
    which files go to coders.
    """
    from textlab._io import atomic_directory, write_csv, write_json, write_text

    key = validation.key
    form_items = [{"item_id": row.item_id, "task": row.task, "options": json.loads(row.options),
                   "text": text} for row, text in zip(key.itertuples(), validation.items["text"])]
    with atomic_directory(out, inputs=inputs) as folder:
        write_text(render_form(form_items), folder / ITEM_FILES["form"])
        write_csv(validation.items, folder / ITEM_FILES["items"])
        write_csv(key, folder / ITEM_FILES["key"])
        write_json(validation.params, folder / ITEM_FILES["settings"])
        write_text("Give coders form.html (or items.csv) only. answer_key.csv holds the answers: keep it from "
                   "them.\nEach coder returns a CSV with columns coder,item_id,answer (the form's Export button "
                   "writes it).\nScore with: textlab validate score THIS_FOLDER answers1.csv answers2.csv ...\n"
                   f"\n{validation.params['coverage']['statement']}\n", folder / "README.txt")
    return Path(out)
