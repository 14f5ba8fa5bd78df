"""Validation items from a study's results: word intrusion, topic intrusion (Chang et al. 2009), frame coding.

* **Word intrusion**: five of a topic's most probable words and one *intruder*, a word that is
  among the most probable of another topic but improbable in this one; a coder who finds the
  intruder shows the topic is coherent.
* **Topic intrusion**: a passage with the labels of its three most probable topics and one
  improbable topic; a coder who finds the intruding topic shows the passage's topic mix makes sense.
* **Frame coding**: passages sampled within strata of the dictionary's dominant frame (``none``
  included), coded by marking every frame the passage uses; scored as the dictionary's precision
  and recall against the coders.

Everything is drawn from ``np.random.default_rng(random_state)``; the answer key is a separate
table that the coders' files never contain.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from textlab._errors import ConfigError, bad_value

__all__ = ["word_intrusion_items", "topic_intrusion_items", "frame_items", "topic_words", "topic_labels"]

N_SHOWN = 5  # top words shown with the intruder (Chang et al. 2009)
N_POOL = 8   # words per topic the shown words and intruders are drawn from


def topic_words(result: Any, n: int = 20) -> dict[int, list[str]]:
    """Topic (1..K) -> its ``n`` most probable terms (from the reference fit, else the ``topic_terms`` table)."""
    fits = getattr(result, "fits", None) or []
    if fits:
        fit = fits[0]
        order = np.argsort(-np.asarray(fit.topic_term), axis=1, kind="stable")[:, :n]
        return {k + 1: [str(fit.vocabulary[i]) for i in row] for k, row in enumerate(order)}
    terms = result.tables.get("topic_terms")
    if terms is None:
        raise ConfigError("validation needs the topics step (its topic_terms table); run the study with topics")
    chosen = terms[terms["method"] == "probability"].sort_values(["topic", "rank"])
    return {int(t): group["term"].astype(str).tolist()[:n] for t, group in chosen.groupby("topic")}


def topic_labels(result: Any, n: int = 8) -> dict[int, str]:
    """Topic -> readable label: its ``n`` most probable terms as surface forms."""
    forms = {}
    terms = result.tables.get("topic_terms")
    if terms is not None:
        forms = dict(zip(terms["term"].astype(str), terms["label"].astype(str)))
    try:
        forms = {**dict(result.tokenized.surface_forms), **forms}
    except (AttributeError, KeyError, TypeError):
        pass
    return {k: ", ".join(forms.get(w, w.replace("_", " ")) for w in words[:n])
            for k, words in topic_words(result, n).items()}


def _probability(result: Any) -> tuple[dict[str, int], np.ndarray] | None:
    fits = getattr(result, "fits", None) or []
    if not fits:
        return None
    fit = fits[0]
    return {str(w): i for i, w in enumerate(fit.vocabulary)}, np.asarray(fit.topic_term)


def word_intrusion_items(result: Any, n_per_topic: int, rng: np.random.Generator) -> list[dict]:
    """Word-intrusion items, ``n_per_topic`` for every topic (options shuffled; key in ``answer``)."""
    words = topic_words(result, 20)
    if len(words) < 2:
        raise ConfigError("word intrusion needs at least 2 topics")
    prob = _probability(result)
    forms = _forms(result)
    items = []
    for k, top in words.items():
        pool = top[:N_POOL]
        for _ in range(n_per_topic):
            shown = list(rng.choice(pool, size=min(N_SHOWN, len(pool)), replace=False))
            candidates = [w for j, other in words.items() if j != k for w in other[:N_POOL]
                          if w not in top and w not in shown]
            if prob is not None:  # keep intruders in the improbable half of this topic
                index, topic_term = prob
                values = topic_term[k - 1]
                low = [w for w in candidates if w in index and values[index[w]] <= np.median(values)]
                candidates = low or candidates
            if not candidates:
                raise ConfigError(f"topic {k}: no intruder word available (every other topic's top words are "
                                  "among its own); the topics overlap too much for word intrusion")
            intruder = str(rng.choice(sorted(set(candidates))))
            options = [*shown, intruder]
            rng.shuffle(options)
            items.append({"task": "word_intrusion", "topic": k, "passage_id": "", "text": "",
                          "options": [[w, forms.get(w, w.replace("_", " "))] for w in options],
                          "answer": intruder, "chance": 1 / len(options)})
    return items


def _forms(result: Any) -> dict[str, str]:
    terms = result.tables.get("topic_terms")
    return {} if terms is None else dict(zip(terms["term"].astype(str), terms["label"].astype(str)))


def _passage_texts(result: Any) -> pd.Series:
    passages = result.tables.get("passages")
    if passages is None or "text" not in passages.columns:
        raise ConfigError("validation needs the passages' texts (the passages table of the corpus step)")
    return pd.Series(passages["text"].astype(str).to_numpy(), index=passages["passage_id"].astype(str))


def _stratified(strata: pd.Series, n: int, rng: np.random.Generator) -> list[str]:
    """``n`` index labels of ``strata`` spread evenly over its values (round robin, random within a stratum)."""
    pools = {value: list(rng.permutation(strata.index[strata == value].to_numpy()))
             for value in sorted(strata.unique(), key=str)}
    chosen: list[str] = []
    while len(chosen) < n and any(pools.values()):
        for value in list(pools):
            if pools[value] and len(chosen) < n:
                chosen.append(str(pools[value].pop()))
    return chosen


def topic_intrusion_items(result: Any, n_items: int, rng: np.random.Generator) -> list[dict]:
    """Topic-intrusion items: passages stratified by their dominant topic; 3 top topics + 1 improbable topic."""
    table = result.tables.get("passage_topics")
    if table is None:
        raise ConfigError("topic intrusion needs the topics step (its passage_topics table)")
    columns = [c for c in table.columns if str(c).startswith("topic_")]
    theta = table[columns].to_numpy(dtype=float)
    k = theta.shape[1]
    if k < 3:
        raise bad_value("n_topic", n_items, "0: topic intrusion needs at least 3 topics")
    ids = table["passage_id"].astype(str).to_numpy()
    texts = _passage_texts(result)
    dominant = pd.Series(theta.argmax(axis=1) + 1, index=ids)
    labels = topic_labels(result)
    row_of = {pid: i for i, pid in enumerate(ids)}
    items = []
    for pid in _stratified(dominant, n_items, rng):
        order = np.argsort(-theta[row_of[pid]], kind="stable")
        top = [int(t) + 1 for t in order[:min(3, k - 1)]]
        low = [int(t) + 1 for t in order[max(len(top), k // 2):]]  # the improbable half, never a shown topic
        intruder = int(rng.choice(low))
        options = [*top, intruder]
        rng.shuffle(options)
        items.append({"task": "topic_intrusion", "topic": top[0], "passage_id": pid, "text": texts.get(pid, ""),
                      "options": [[str(t), f"Topic {t}: {labels.get(t, '')}"] for t in options],
                      "answer": str(intruder), "chance": 1 / len(options)})
    return items


def frame_items(result: Any, n_items: int, rng: np.random.Generator, descriptions: dict[str, str]) -> list[dict]:
    """Frame-coding items: passages stratified by the dictionary's dominant frame (``none``: no hit)."""
    table = result.tables.get("frames_by_passage")
    if table is None:
        raise ConfigError("frame coding needs the frames step (its frames_by_passage table); set [frames] codebook")
    frames = list(dict.fromkeys(table["frame"].astype(str)))
    hits = table.pivot_table(index="passage_id", columns="frame", values="n_hits", sort=False)[frames]
    hits.index = hits.index.astype(str)
    dominant = pd.Series(np.where(hits.to_numpy().max(axis=1) > 0,
                                  np.array(frames, dtype=object)[hits.to_numpy().argmax(axis=1)], "none"),
                         index=hits.index)
    texts = _passage_texts(result)
    options = [[f, f + (f" ({descriptions[f]})" if descriptions.get(f) else "")] for f in frames]
    items = []
    for pid in _stratified(dominant, n_items, rng):
        present = [f for f in frames if hits.loc[pid, f] > 0]
        items.append({"task": "frame_coding", "topic": 0, "passage_id": pid, "text": texts.get(pid, ""),
                      "options": options, "answer": ";".join(present) if present else "none",
                      "stratum": dominant[pid], "chance": float("nan")})
    return items
