"""Topics guided by the frames codebook: one seeded topic per frame plus unseeded topics.

:func:`fit_guided_lda` turns every codebook entry into corpus tokens with the same normaliser
as :func:`~textlab.analysis.frames.score_frames`, keeps the tokens that are in the model's
vocabulary, and gives each a larger topic-word prior (``boost``) in its frame's topic through
tomotopy's ``set_word_prior`` (other topics keep the usual ``eta``).  The fit itself is
``fit_lda``'s: the same word-id corpus, dictionary filter, chains and convergence rule, so the
returned :class:`~textlab.analysis.topics.lda.LdaFit` (``GuidedTopics.fit``) goes into
prevalence, effects and figures like any other.  Topics ``1..F`` are the frames in codebook
order, ``F+1..F+n_free_topics`` are free.

Alongside the fit: which keywords were found and which were dropped and why (``keywords``),
how far each guided topic moved away from its seeds (``topics``), and how the dictionary frame
share and the guided topic share of each passage agree (``agreement``).  A frame whose keywords
are all missing is dropped with a warning that names it (``on_empty="drop"``), or refused with
a one-line error (``on_empty="error"``); it never stops the run with a crash.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from textlab._errors import EstimationError, TextlabWarning, bad_value
from textlab.data import Result

__all__ = ["GuidedTopics", "fit_guided_lda", "KEYWORD_COLUMNS"]

KEYWORD_COLUMNS = ["frame", "entry", "keyword", "topic", "status", "reason", "n_passages"]
_TOP = 20  # top terms compared with the seeds for drift


@dataclass(frozen=True)
class GuidedTopics(Result):
    """A codebook-guided topic model, its keyword report and its checks against the dictionary.

    Attributes
    ----------
    keywords
        ``frame, entry, keyword, topic, status, reason, n_passages``: one row per codebook
        entry (per token it became); ``status`` is ``"found"`` (seeded) or ``"dropped"`` with the
        ``reason`` (not in vocabulary / below min count / above max share / stop word / removed
        by phrases).
    topics
        ``topic, frame, seeded, n_keywords, seed_mass, seeds_in_top, drift, top_terms``:
        ``seed_mass`` is the topic's probability on its seeds, ``seeds_in_top`` how many of its
        top 20 terms are seeds, ``drift`` = 1 - ``seeds_in_top`` / min(20, ``n_keywords``)
        (0: the top terms are the seeds; 1: none of them is) and ``top_terms`` its 10 most
        probable terms.
    agreement
        ``frame, topic, pearson, spearman, n_passages, dictionary_mean, topic_mean``: per frame,
        correlation over passages of the dictionary frame share (``score_frames``) and the guided
        topic's share.
    passage_topics
        ``passage_id, doc_id, topic_1 ... topic_K``.
    fit
        The :class:`~textlab.analysis.topics.lda.LdaFit` (topics in the order above).
    """

    keywords: pd.DataFrame = None
    topics: pd.DataFrame = None
    agreement: pd.DataFrame = None
    passage_topics: pd.DataFrame = None
    fit: Any = field(default=None, repr=False)

    @property
    def fits(self) -> list:
        """``[fit]``: what :func:`~textlab.analysis.prevalence.estimate_prevalence` takes."""
        return [self.fit]


def _keyword_rows(codebook: Any, normalize: Any, df: dict[str, int], kept: set[str], n_passages: int,
                  no_below: int, no_above: float) -> list[dict]:
    """One row per (frame, entry, token) saying whether the token can be seeded, and if not why."""
    rows = []
    for f, (frame, entries) in enumerate(codebook.frames.items()):
        for entry in entries:
            tokens = [str(t) for t in normalize(entry)]
            if not tokens:
                rows.append(dict(frame=frame, entry=entry, keyword="", topic=f + 1, status="dropped",
                                 reason="stop word (no tokens after normalisation)", n_passages=0))
                continue
            keyword = "_".join(tokens) if len(tokens) > 1 and "_".join(tokens) in df else " ".join(tokens)
            if len(tokens) > 1 and keyword not in df:  # a phrase the corpus never joined: its words are not seeded
                rows.append(dict(frame=frame, entry=entry, keyword=keyword, topic=f + 1, status="dropped",
                                 reason="not in vocabulary (multi-word entry is not a phrase token of the corpus)",
                                 n_passages=0))
                continue
            count = df.get(keyword, 0)
            if keyword in kept:
                status, reason = "found", ""
            elif count == 0:
                inside = sorted(t for t in df if "_" in t and keyword in t.split("_"))
                reason = (f"removed by phrases (occurs only inside {', '.join(inside[:3])})" if inside
                          else "not in vocabulary")
                status = "dropped"
            elif count < no_below:
                status, reason = "dropped", f"below min count (in {count} passages; no_below={no_below})"
            elif count > no_above * n_passages:
                status, reason = "dropped", f"above max share (in {count / n_passages:.0%} of passages; " \
                                            f"no_above={no_above})"
            else:
                status, reason = "dropped", "removed by the vocabulary limit (keep_n)"
            rows.append(dict(frame=frame, entry=entry, keyword=keyword, topic=f + 1, status=status, reason=reason,
                             n_passages=int(count)))
    return rows


def _phrase_rows(rows: list[dict], kept: set[str], df: dict[str, int]) -> list[dict]:
    """Rows seeding the kept phrase tokens that contain a one-word keyword (as ``score_frames`` matches them)."""
    entries = {r["keyword"] for r in rows}
    parts: dict[str, list[str]] = {}
    for token in sorted(t for t in kept if "_" in t and t not in entries):
        for part in dict.fromkeys(token.split("_")):
            parts.setdefault(part, []).append(token)
    out = []
    for row in rows:
        word = row["keyword"]
        if not word or "_" in word or " " in word:
            continue
        out += [{**row, "keyword": phrase, "status": "found", "reason": f"phrase containing {word!r}",
                 "n_passages": int(df.get(phrase, 0))} for phrase in parts.get(word, [])]
    return out


def _document_frequency(tokens: Any) -> dict[str, int]:
    df: dict[str, int] = {}
    for doc in tokens:
        for token in set(doc):
            df[token] = df.get(token, 0) + 1
    return df


def _drop_empty_frames(keywords: pd.DataFrame, frames: list[str], on_empty: str) -> list[str]:
    """Frames that keep at least one seed; the others are refused or dropped with a warning."""
    found = keywords[keywords["status"] == "found"]
    empty = [f for f in frames if f not in set(found["frame"])]
    if empty and on_empty == "error":
        reasons = keywords[keywords["frame"] == empty[0]]["reason"].iloc[0]
        raise EstimationError(f"frame {empty[0]!r} has no keyword in the model's vocabulary (first reason: {reasons});"
                              f" add keywords that occur in the corpus, or use on_empty='drop'")
    if empty:
        warnings.warn(f"guided topics: frame(s) {empty} have no keyword in the model's vocabulary and get no seeded "
                      f"topic; see the keyword report for why each keyword was dropped", TextlabWarning, stacklevel=3)
    return [f for f in frames if f not in empty]


def _topic_table(fit: Any, seeds: dict[int, list[str]], labels: list[str], surface_forms: dict) -> pd.DataFrame:
    index = {t: i for i, t in enumerate(fit.vocabulary)}
    rows = []
    for k in range(fit.n_topics):
        order = np.argsort(-fit.topic_term[k], kind="stable")
        top = [str(fit.vocabulary[i]) for i in order[:_TOP]]
        words = seeds.get(k, [])
        mass = float(fit.topic_term[k, [index[w] for w in words]].sum()) if words else float("nan")
        in_top = len(set(top) & set(words))
        drift = 1 - in_top / min(_TOP, len(words)) if words else float("nan")
        rows.append({"topic": k + 1, "frame": labels[k], "seeded": bool(words), "n_keywords": len(words),
                     "seed_mass": mass, "seeds_in_top": in_top if words else 0, "drift": drift,
                     "top_terms": ", ".join(surface_forms.get(t, t.replace("_", " ")) for t in top[:10])})
    return pd.DataFrame(rows)


def _agreement(data: Any, codebook: Any, fit: Any, frames: list[str], normalize: Any) -> pd.DataFrame:
    """Per frame: correlation over passages of the dictionary share and the guided topic share."""
    from scipy.stats import pearsonr, spearmanr

    from textlab.analysis.frames import score_frames

    with warnings.catch_warnings():  # only the per-passage shares are used: no intervals, no warnings about them
        warnings.simplefilter("ignore")
        scored = score_frames(data, codebook, group_column=None, n_boot=1, resampling_unit="passage",
                              normalize=normalize)
    share = scored.by_passage.pivot_table(index="passage_id", columns="frame", values="share", sort=False)
    share = share.reindex(pd.Index(fit.passage_ids.astype(str)))
    rows = []
    for k, frame in enumerate(frames):
        x, y = share[frame].to_numpy(dtype=float), fit.doc_topic[:, k]
        ok = np.isfinite(x)
        constant = ok.sum() < 3 or np.ptp(x[ok]) == 0 or np.ptp(y[ok]) == 0
        rows.append({"frame": frame, "topic": k + 1,
                     "pearson": float("nan") if constant else float(pearsonr(x[ok], y[ok])[0]),
                     "spearman": float("nan") if constant else float(spearmanr(x[ok], y[ok])[0]),
                     "n_passages": int(ok.sum()), "dictionary_mean": float(np.nanmean(x)) if ok.any() else float("nan"),
                     "topic_mean": float(y[ok].mean()) if ok.any() else float("nan")})
    return pd.DataFrame(rows, columns=["frame", "topic", "pearson", "spearman", "n_passages", "dictionary_mean",
                                       "topic_mean"])


def fit_guided_lda(
    data: Any,
    codebook: Any,
    *,
    n_free_topics: int = 5,
    boost: float = 1.0,
    on_empty: str = "drop",
    seed_phrase_parts: bool = True,
    normalize: Any = None,
    random_state: int = 0,
    no_below: int = 2,
    no_above: float = 0.5,
    progress: bool = True,
    **lda_kwargs: Any,
) -> GuidedTopics:
    """Fit LDA with one topic per codebook frame seeded by the frame's keywords, plus free topics.

    Parameters
    ----------
    data
        Passages with tokens: a :class:`~textlab.preprocessing.tokens.TokenizedCorpus` or a
        :class:`~textlab.data.TextData` holding tokens.
    codebook
        A :class:`~textlab.analysis.frames.Codebook` (``load_codebook``).
    n_free_topics
        Unseeded topics added after the frames' topics (0 allowed).
    boost
        Topic-word prior of a keyword in its frame's topic (tomotopy ``set_word_prior``); the
        keyword keeps ``eta`` in the other topics, every other word ``eta`` everywhere.
    on_empty
        A frame none of whose keywords is in the vocabulary: ``"drop"`` (warn, no topic for it)
        or ``"error"`` (one-line :class:`~textlab._errors.EstimationError`).
    seed_phrase_parts
        Also seed the phrase tokens of the vocabulary that contain a one-word keyword
        (``"cost"`` seeds ``rising_cost``), as ``score_frames`` counts them by default
        (``match_phrase_parts``); listed in the keyword report as ``phrase containing 'cost'``.
    normalize
        Entry -> tokens; default as in :func:`~textlab.analysis.frames.score_frames`.
    random_state, no_below, no_above, progress, **lda_kwargs
        As in :func:`~textlab.analysis.topics.lda.fit_lda` (tomotopy engine only).

    Returns
    -------
    GuidedTopics

    Examples
    --------
    >>> from textlab.analysis.frames import load_codebook
    >>> from textlab.preprocessing.tokens import TokenizedCorpus
    >>> docs = [["tax", "cost", "budget", "vote"], ["war", "fight", "army", "vote"]] * 20
    >>> tc = TokenizedCorpus(pd.DataFrame({"passage_id": [str(i) for i in range(40)]}), docs)
    >>> book = load_codebook({"cost": ["cost", "budget"], "conflict": ["fight", "war"]})
    >>> guided = fit_guided_lda(tc, book, n_free_topics=1, no_above=1.0, passes=50, progress=False,
    ...                         normalize=str.split)
    >>> guided.keywords["status"].tolist()
    ['found', 'found', 'found', 'found']
    >>> guided.topics["frame"].tolist()
    ['cost', 'conflict', '']
    """
    from textlab.analysis.frames import Codebook, _default_normalize
    from textlab.analysis.topics.lda import _fit_prepared, _options, _prepare

    if not isinstance(codebook, Codebook):
        raise bad_value("codebook", type(codebook).__name__, "a Codebook (textlab.analysis.frames.load_codebook)")
    if on_empty not in ("drop", "error"):
        raise bad_value("on_empty", on_empty, "'drop' or 'error'")
    if not isinstance(n_free_topics, (int, np.integer)) or isinstance(n_free_topics, bool) or n_free_topics < 0:
        raise bad_value("n_free_topics", n_free_topics, "an integer >= 0")
    if not isinstance(boost, (int, float)) or isinstance(boost, bool) or not boost > 0:
        raise bad_value("boost", boost, "a positive number (the prior of a keyword in its frame's topic)")
    if lda_kwargs.get("engine", "tomotopy") not in ("tomotopy", "auto"):
        raise bad_value("engine", lda_kwargs["engine"], "'tomotopy' (seeding uses tomotopy's set_word_prior)")
    if normalize is None:
        normalize = _default_normalize(data)[0]
    tokens = data.tokens
    given = {**dict(passes=None, iterations=None, alpha="auto", eta=0.01, chunksize=2000, update_every=1,
                    gamma_threshold=0.001, tol=1e-3, keep_n=100_000, workers=1, restarts=3),
             **lda_kwargs, "engine": "tomotopy"}
    opts = _options(n_topics=max(2, len(codebook.frames) + n_free_topics), random_state=random_state,
                    no_below=no_below, no_above=no_above, progress=progress, **given)
    prepared = _prepare(data, opts)
    df = _document_frequency(tokens)
    kept = set(prepared.words.vocabulary)
    rows = _keyword_rows(codebook, normalize, df, kept, len(tokens), no_below, no_above)
    if seed_phrase_parts:
        rows += _phrase_rows(rows, kept, df)
    order = {frame: i for i, frame in enumerate(codebook.frames)}
    keywords = pd.DataFrame(sorted(rows, key=lambda r: order[r["frame"]]), columns=KEYWORD_COLUMNS)
    frames = _drop_empty_frames(keywords, list(codebook.frames), on_empty)
    keywords["topic"] = [frames.index(f) + 1 if f in frames else 0 for f in keywords["frame"]]
    n_topics = len(frames) + int(n_free_topics)
    if n_topics < 2:
        raise EstimationError(f"guided topics need at least 2 topics: {len(frames)} seeded frame(s) and "
                              f"n_free_topics={n_free_topics}; raise n_free_topics")
    found = keywords[keywords["status"] == "found"]
    seeds = {k: list(dict.fromkeys(found.loc[found["frame"] == frame, "keyword"])) for k, frame in enumerate(frames)}
    prior: dict[str, dict[int, float]] = {}
    for k, words in seeds.items():
        for word in words:
            prior.setdefault(word, {})[k] = float(boost)
    opts = {**_options(n_topics=n_topics, random_state=random_state, no_below=no_below, no_above=no_above,
                       progress=progress, **given), "word_prior": prior}
    fit = _fit_prepared(prepared, opts, stacklevel=3)
    labels = frames + [""] * int(n_free_topics)
    params = {**fit.params, "guided": {"frames": frames, "n_free_topics": int(n_free_topics), "boost": float(boost),
                                       "on_empty": on_empty, "seed_phrase_parts": bool(seed_phrase_parts),
                                       "n_keywords_found": int(len(found)),
                                       "n_keywords_dropped": int((keywords["status"] == "dropped").sum()),
                                       "frames_dropped": [f for f in codebook.frames if f not in frames],
                                       "codebook": dict(codebook.params)}}
    object.__setattr__(fit, "params", params)
    surface = dict(getattr(data, "surface_forms", None) or {})
    passages = data.passages.reset_index(drop=True)
    passage_topics = pd.DataFrame({"passage_id": fit.passage_ids,
                                   "doc_id": passages["doc_id"].astype(str).to_numpy() if "doc_id" in passages
                                   else fit.passage_ids,
                                   **{f"topic_{k + 1}": fit.doc_topic[:, k] for k in range(n_topics)}})
    return GuidedTopics(keywords=keywords, topics=_topic_table(fit, seeds, labels, surface),
                        agreement=_agreement(data, codebook, fit, frames, normalize),
                        passage_topics=passage_topics, fit=fit, params=params)


# -- the study step ``guided_topics`` (section ``[guided]``) ------------------------------------------
def run_guided_step(ctx: Any) -> GuidedTopics | None:
    """Study step: guided topics from the ``[guided]`` section; skipped (``None``) when the section is absent.

    Options (``textlab.study.steps``): ``codebook`` (``""``: the ``[frames]`` codebook), ``n_free_topics``,
    ``boost``, ``on_empty``; the ``[lda]`` options and ``[uncertainty] random_state`` are used for the fit.
    """
    from pathlib import Path

    from textlab.analysis.frames import load_codebook
    from textlab.study.steps import codebook_path

    config = ctx.config
    if "guided" not in (config.step_options or {}):
        return None
    options = ctx.options
    if options["codebook"]:
        path = Path(options["codebook"])
        if not path.is_absolute() and config.source is not None:
            path = Path(config.source).parent / path
    else:
        path = codebook_path(config)
    if path is None:
        raise bad_value("[guided] codebook", "", "a codebook TOML file, or set [frames] codebook")
    lda = {k: v for k, v in dict(config.lda).items() if k not in ("engine", "n_topics")}
    result = fit_guided_lda(ctx.tokenized, load_codebook(path), n_free_topics=options["n_free_topics"],
                            boost=float(options["boost"]), on_empty=options["on_empty"],
                            random_state=config.random_state, progress=False, **lda)
    object.__setattr__(result, "params", {**result.params, "codebook_path": str(path)})
    return result


def section_guided(result: Any) -> str:
    """Report section of the ``guided_topics`` step: keywords found, drift, agreement with the dictionary."""
    import html

    from textlab.study.report import _table_html

    guided = result.results["guided_topics"]
    keywords, topics, agreement = guided.keywords, guided.topics, guided.agreement
    dropped = keywords[keywords["status"] == "dropped"]
    info = guided.params.get("guided", {})
    lost = info.get("frames_dropped") or []
    parts = ["<h3>Topics guided by the codebook</h3>",
             f"<p>{len(info.get('frames', []))} frame topic(s) seeded with {int((keywords['status'] == 'found').sum())}"
             f" of {len(keywords)} codebook keywords (prior {info.get('boost')} in the frame's topic), plus "
             f"{info.get('n_free_topics')} free topic(s). {len(dropped)} keyword(s) dropped (reasons in "
             "<code>guided_keywords.csv</code>)"
             + (f"; frame(s) without any keyword, not seeded: {html.escape(', '.join(lost))}" if lost else "")
             + ". Drift 0 means the topic's top terms are its seeds, 1 that none is; the correlation is over "
             "passages between the dictionary frame share and the guided topic share.</p>",
             _table_html(topics[topics["seeded"]].merge(agreement[["topic", "pearson"]], on="topic", how="left"),
                         ["topic", "frame", "n_keywords", "seed_mass", "drift", "pearson", "top_terms"])]
    return "".join(parts)
