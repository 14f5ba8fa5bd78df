"""The built-in steps of a study: corpus, tfidf, keyness, model selection, topics, prevalence,
frames and perspectives (the registry and its order live in :mod:`textlab.study.steps`).

Each function takes a :class:`~textlab.study.steps.StepContext` and returns a
:class:`~textlab.data.Result` (tables + params), or ``None`` when the step does not apply.
"""

from __future__ import annotations

import inspect
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from textlab._errors import ConfigError, EstimationError, SmallSampleWarning, TextlabWarning
from textlab.data import Result

if TYPE_CHECKING:
    from textlab.study.steps import StepContext

__all__ = ["CorpusResult", "TfidfTables", "TopicsResult", "check_groups", "codebook_path", "run_corpus",
           "run_tfidf", "run_keyness", "run_model_selection", "run_topics", "run_prevalence", "run_frames",
           "run_perspectives"]


def _accepts(func: Callable, name: str) -> bool:
    return name in inspect.signature(func).parameters


# -- results of the built-in steps ------------------------------------------------------------
@dataclass(frozen=True)
class CorpusResult(Result):
    """Documents, cleaning audit, passages and tokens of a study's corpus.

    ``tokenized`` is the in-memory object the analyses read (a ``TokenizedCorpus`` in memory,
    the ``TextData`` itself on the disk store; not written); after reading a results folder
    :meth:`tokenized_corpus` rebuilds the tokenised passages from the tables.  ``cleaned`` is
    kept for code that sets it (``None`` from :func:`run_corpus`: the documents table and the
    audit hold what it held).
    """

    documents: pd.DataFrame = None
    audit: pd.DataFrame = None
    passages: pd.DataFrame = None
    terms: pd.DataFrame = None
    tokens: pd.DataFrame = None
    furniture: pd.DataFrame = None  # furniture removed per source (news-export profile), else None
    cleaned: Any = field(default=None, compare=False, repr=False)
    tokenized: Any = field(default=None, compare=False, repr=False)

    def tokenized_corpus(self) -> Any:
        """The :class:`~textlab.preprocessing.tokens.TokenizedCorpus` (rebuilt from tables if read back)."""
        if self.tokenized is not None:
            return self.tokenized
        if self.tokens is None:  # disk store: the tokens stay in their shards (checked against their manifest)
            from textlab.store.disk import open_data

            folder = (self.params.get("store") or {}).get("data_folder")
            if self.params.get("input") == "counts":  # a counts-only corpus: read its counts file again
                from textlab.study.counts_input import read_counts_corpus

                read = self.params["read"]
                tokenized = read_counts_corpus(read["counts"], rows=read["rows"], vocabulary=read["vocabulary"])
                object.__setattr__(self, "tokenized", tokenized)
                return tokenized
            if not folder:
                raise ConfigError("these results hold no tokens and name no data folder: rerun textlab analyze")
            tokenized = open_data(folder, verify="size")
            object.__setattr__(self, "tokenized", tokenized)
            return tokenized
        from textlab.preprocessing.tokens import TokenizedCorpus

        tokens = [list(t) for t in self.tokens["tokens"]]
        forms = dict(zip(self.terms["term"].astype(str), self.terms["label"].astype(str)))
        tokenized = TokenizedCorpus(self.passages, tokens, forms, dict(self.params.get("tokenizer", {})))
        object.__setattr__(self, "tokenized", tokenized)
        return tokenized


@dataclass(frozen=True)
class TfidfTables(Result):
    """Distinctive terms per group and document similarity (TF-IDF)."""

    distinctive_terms: pd.DataFrame = None
    document_similarity: pd.DataFrame = None


@dataclass(frozen=True)
class TopicsResult(Result):
    """Topics at the chosen K: stability across seeds, labels, map and the aligned fits."""

    n_topics: int = 0
    rule: str = ""
    stability: pd.DataFrame = None
    topic_terms: pd.DataFrame = None
    representative_passages: pd.DataFrame = None
    topic_map: pd.DataFrame = None
    passage_topics: pd.DataFrame = None
    distances: np.ndarray = None
    fits: list = field(default_factory=list, repr=False)


# -- the built-in steps -------------------------------------------------------------------------
def _documents_table(documents: pd.DataFrame, group_column: str) -> pd.DataFrame:
    """``doc_id, group, n_words_raw, n_words_clean[, title]`` from the prepared documents."""
    table = pd.DataFrame({
        "doc_id": documents["doc_id"].astype(str).to_numpy(),
        "group": documents[group_column].astype(str).to_numpy(),
        "n_words_raw": documents["n_words_raw"].to_numpy(),
        "n_words_clean": documents["n_words_clean"].to_numpy(),
    })
    if "title" in documents.columns:
        table["title"] = documents["title"].fillna("").astype(str).to_numpy()
    return table


def check_groups(config: Any, columns: Any, values: Any) -> None:
    """Refuse a ``[groups] column`` that is not in the metadata, or a contrast naming absent groups."""
    where = f"{config.source}: " if config.source is not None else ""
    internal = {"text", "raw_text", "path", "file", "doc_id", "n_words_raw", "n_words_clean"}
    if config.group_column not in columns:
        raise ConfigError(
            f"{where}[groups] column = {config.group_column!r} is not a column of the corpus metadata "
            f"({config.corpus_path}); columns: {sorted(c for c in columns if c not in internal)}")
    present = set(values(config.group_column).dropna().astype(str))
    for group in config.contrast or ():
        if str(group) not in present:
            raise ConfigError(f"{where}[groups] contrast names {group!r}, which is not a value of column "
                              f"{config.group_column!r}; values (as they print; 1.0 and 1 are \"1\"): {sorted(present)}")


def run_corpus(ctx: StepContext) -> CorpusResult:
    """Read, clean, split, tokenise and count the corpus (``[corpus] [clean] [passages] [tokens] [compute]``).

    One call to :func:`textlab.preprocessing.pipeline.prepare_data`, which keeps the counts in
    memory or in an on-disk store (``[compute] store``, ``cache_dir``) and works on
    ``[compute] n_jobs`` processes; the counts go on to the tfidf and keyness steps.
    """
    from textlab.preprocessing.pipeline import prepare_data
    from textlab.preprocessing.tokens import TokenizedCorpus

    config = ctx.config
    if config.counts_path is not None:  # [corpus] counts: a document-term matrix, no running text
        from textlab.study.counts_input import run_counts_corpus

        return run_counts_corpus(ctx)
    prepared = prepare_data(
        config.corpus_path, read={"text_column": config.text_column, "id_column": config.id_column,
                                  "encoding": config.encoding, "format": config.corpus_format},
        store=config.store, cache_dir=config.cache_dir, n_jobs=config.n_jobs,
        clean={"disable": tuple(config.clean_disable), "profile": config.clean_profile,
               "patterns": tuple(config.clean_patterns)},
        passages={"max_words": config.max_words, "min_words": config.min_words},
        tokens=dict(config.tokenizer) or None, progress=None)
    data, documents = prepared.data, prepared.documents
    from dataclasses import replace

    from textlab.preprocessing._formats import label_groups  # groups compared as they print (0.0/1.0 -> "0"/"1")

    documents = label_groups(documents, config.group_column)
    if label_groups(data.rows, config.group_column) is not data.rows:
        data = replace(data, rows=label_groups(data.rows, config.group_column))
    check_groups(config, documents.columns, lambda column: documents[column])
    if "effects" in config.step_options:  # the formula against the metadata, before any model is fitted
        from textlab.study.effects import check_effect_columns

        check_effect_columns(config, documents)
    ctx.memory["dtm"] = data
    passages = data.rows
    if prepared.params["store"] == "memory":
        tokenized = TokenizedCorpus(passages, [list(t) for t in data.tokens], data.surface_forms,
                                    dict(prepared.params["tokens"]))
    else:  # on disk the analyses read the TextData itself (tokens streamed from its shards)
        tokenized = data
    terms = data.terms[["term", "label"]].sort_values("term", kind="stable").reset_index(drop=True)
    # on the disk store the tokens stay in their shards (a million passages of token lists would not fit in
    # 2 GB); read_results reopens them from params["store"]["data_folder"]
    tokens = None if prepared.params["store"] == "disk" else pd.DataFrame(
        {"passage_id": passages["passage_id"].astype(str).to_numpy(),
         "tokens": pd.Series([list(t) for t in data.tokens], dtype=object).to_numpy()})
    params = {"read": dict(prepared.params["read"]), "clean": prepared.params["clean"],
              "passages": prepared.params["passages"],
              "tokenizer": {k: v for k, v in prepared.params["tokens"].items() if not str(k).startswith("_")},
              "counts": prepared.params["counts"],
              "store": {"requested": config.store, "used": prepared.params["store"],
                        "reason": prepared.params.get("store_reason"), "cache_dir": prepared.params["cache_dir"],
                        "data_folder": _data_folder(data)},
              "n_jobs": prepared.params["n_jobs"]}
    return CorpusResult(documents=_documents_table(documents, config.group_column), audit=prepared.audit_table(),
                        passages=passages.drop(columns=[c for c in ("note",) if c in passages.columns]),
                        terms=terms, tokens=tokens, furniture=prepared.clean_summary, params=params, cleaned=None,
                        tokenized=tokenized)


def _needs_text(ctx: StepContext, name: str) -> bool:
    """Whether step ``name`` is skipped because the corpus is counts only (``[corpus] counts``)."""
    if getattr(ctx.config, "counts_path", None) is None:
        return False
    from textlab.study.counts_input import needs_text

    return needs_text(ctx, name)


def _data_folder(data: Any) -> str | None:
    """The folder of a disk store's shards (``None`` in memory)."""
    folder = getattr(data.store, "folder", None)
    return None if folder is None else str(folder)


def run_tfidf(ctx: StepContext) -> TfidfTables:
    """Counts, then the distinctive terms of each group and document similarity."""
    from textlab.analysis.tfidf import distinctive_terms, similarity_table
    from textlab.preprocessing.counts import count_terms

    tokenized = ctx.tokenized
    dtm = ctx.memory.get("dtm")
    if dtm is None:
        dtm = ctx.memory["dtm"] = count_terms(tokenized)
    distinctive = distinctive_terms(dtm, by=ctx.group_column, surface_forms=tokenized.surface_forms)
    # beyond 500 documents the square table is summed to groups (readable, and a CSV of kilobytes, not 100 MB)
    similarity = similarity_table(dtm, level="document", by=ctx.group_column, max_rows=500)
    params = {"group_column": ctx.group_column, "counts": dict(getattr(dtm, "params", {})),
              "distinctive_terms": dict(getattr(distinctive, "params", {})),
              "similarity": dict(getattr(similarity, "params", {"level": "document"}))}
    return TfidfTables(distinctive_terms=_table(distinctive), document_similarity=_table(similarity).reset_index(),
                       params=params)


def _table(value: Any) -> pd.DataFrame:
    """The table of a one-table result (or the DataFrame itself)."""
    return value if isinstance(value, pd.DataFrame) else value.table


def run_keyness(ctx: StepContext) -> Any:
    """Keyness of terms between the groups (``[groups]``, ``[uncertainty]``)."""
    from textlab.preprocessing.counts import count_terms

    config = ctx.config
    dtm = ctx.memory.get("dtm")
    if dtm is None:
        dtm = ctx.memory["dtm"] = count_terms(ctx.tokenized)
    from textlab.analysis.keyness_groups import score_study_keyness

    return score_study_keyness(dtm, group_column=config.group_column, contrast=config.contrast,
                               n_boot=config.n_boot, n_perm=config.n_perm, resampling_unit=config.resampling_unit,
                               ci_level=config.ci_level, surface_forms=ctx.tokenized.surface_forms,
                               max_units=config.max_units, random_state=config.random_state)


def n_topics_range(config: Any, n_passages: int, n_documents: int) -> tuple[tuple[int, int], str]:
    """The K range searched: the config's, or one scaled with the corpus; and how it was set."""
    if config.n_topics_range is not None:
        return tuple(config.n_topics_range), "[lda] n_topics_range"
    try:
        from textlab.analysis.topics.selection import default_n_topics_range
    except ImportError:  # TODO(integrator): remove once default_n_topics_range is committed
        return (3, 8), "default 3..8 (default_n_topics_range not available)"
    sig = inspect.signature(default_n_topics_range).parameters
    kwargs = {k: v for k, v in (("n_passages", n_passages), ("n_documents", n_documents), ("n_docs", n_documents))
              if k in sig}
    found = default_n_topics_range(**kwargs) if kwargs else default_n_topics_range(n_passages)
    found = list(found)
    low, high = int(min(found)), int(max(found))
    return (low, high), f"scaled with the corpus by default_n_topics_range ({n_passages} passages, " \
                        f"{n_documents} documents)"


def at_edge(selection: Any) -> bool:
    """Whether the chosen K is the lowest or highest K searched (``params["at_edge"]`` if recorded)."""
    if "at_edge" in selection.params:
        return bool(selection.params["at_edge"])
    ks = sorted(set(int(k) for k in selection.table["n_topics"]))
    return len(ks) > 1 and int(selection.chosen_n_topics) in (ks[0], ks[-1])


def run_model_selection(ctx: StepContext) -> Any:
    """Choose K by coherence over a range (``[lda]``); skipped when ``n_topics`` is fixed."""
    from textlab.analysis.topics.selection import select_n_topics

    config = ctx.config
    if config.n_topics is not None or _needs_text(ctx, "model_selection"):
        return None
    tokenized, sample = topic_corpus(ctx)
    n_passages = len(tokenized.passages)
    (low, high), how = n_topics_range(config, n_passages, int(tokenized.passages["doc_id"].nunique()))
    n_fit = n_passages - max(1, round(0.2 * n_passages))  # select_n_topics holds out 20 %
    if low > n_fit:
        raise EstimationError(
            f"n_topics_range = [{low}, {high}] in {config.source or 'the study config'}: the corpus has "
            f"{n_passages} passages, {n_fit} of them for fitting after holding out 20 %, so K can be "
            f"at most {n_fit}; lower the range or add documents")
    if high > n_fit:
        warnings.warn(f"n_topics_range = [{low}, {high}]: only {n_fit} passages are available for fitting "
                      f"({n_passages} passages, 20 % held out), so K is chosen from {low}..{n_fit}",
                      SmallSampleWarning, stacklevel=2)
        high = n_fit
    kwargs: dict[str, Any] = {"n_topics_range": range(low, high + 1),
                              "random_states": config.selection_random_states, "lda_kwargs": dict(config.lda),
                              "random_state": config.random_state}
    if _accepts(select_n_topics, "n_jobs"):
        kwargs["n_jobs"] = config.n_jobs
    selection = select_n_topics(tokenized, **kwargs)
    edge = at_edge(selection)
    params = {**selection.params, "n_topics_range": [low, high], "n_topics_range_source": how, "at_edge": edge,
              "sample": sample}
    if edge:
        warnings.warn(f"model selection chose K = {selection.chosen_n_topics}, at the edge of the range searched "
                      f"({low}..{high}); widen [lda] n_topics_range to check K beyond it", TextlabWarning,
                      stacklevel=2)
    summary = selection.summary.assign(at_edge=edge & selection.summary["chosen"].astype(bool))
    return type(selection)(**{**{f: getattr(selection, f) for f in selection.__dataclass_fields__},
                              "summary": summary, "params": params})


def run_topics(ctx: StepContext) -> TopicsResult:
    """Refit the chosen K under several seeds, align them, and label the topics (``[lda]``)."""
    from textlab.analysis.topics.labels import representative_passages, top_terms, topic_map
    from textlab.analysis.topics.stability import assess_stability, fit_seeds

    config = ctx.config
    tokenized, sample = topic_corpus(ctx)  # all passages, or a stratified sample of a large corpus
    selection = ctx.results.get("model_selection")
    if selection is None and config.n_topics is None:  # selection skipped (counts only): K must be given
        warnings.warn("the topics step is skipped: no K was chosen (model selection was skipped); set [lda] "
                      "n_topics", TextlabWarning, stacklevel=2)
        ctx.memory.setdefault("skip_reasons", {})["topics"] = "skipped: model selection was skipped; set [lda] n_topics"
        return None
    if selection is None:
        n_topics, rule, reuse = int(config.n_topics), "fixed by config (n_topics)", None
    else:
        n_topics, rule, reuse = int(selection.chosen_n_topics), selection.rule, selection.fits
    kwargs: dict[str, Any] = dict(config.lda)
    if _accepts(fit_seeds, "n_jobs"):
        kwargs["n_jobs"] = config.n_jobs
    if getattr(config, "lda_fit", "auto") == "distributed":  # every passage in the fit, E-step on the workers
        from textlab.analysis.topics.distributed import fit_distributed_seeds
        from textlab.preprocessing.counts import count_terms

        tokenized, sample = ctx.tokenized, None
        if ctx.memory.get("dtm") is None:
            ctx.memory["dtm"] = count_terms(tokenized)
        data = ctx.memory["dtm"]
        fits = fit_distributed_seeds(data, n_topics=n_topics, random_states=config.stability_random_states,
                                     lda_kwargs=dict(config.lda))
    else:
        fits = fit_seeds(tokenized, n_topics=n_topics, random_states=config.stability_random_states, reuse=reuse,
                         **kwargs)
    stability = assess_stability(fits)
    aligned = list(stability.aligned)
    reference = aligned[0]
    has_text = getattr(tokenized, "tokens", None) is not None
    doc_lengths = [len(tokens) for tokens in tokenized.tokens] if has_text else \
        tokenized.passages["n_words"].astype(int).tolist()  # counts only: each row's total count
    passages = tokenized.passages
    if has_text and "text" not in passages.columns:  # the disk store's rows hold no text: read it from the shards
        passages = passages.assign(text=tokenized.texts())
    labels = {"topic_terms": top_terms(reference, surface_forms=tokenized.surface_forms, doc_lengths=doc_lengths),
              "representative_passages": representative_passages(reference, passages) if has_text else
              pd.DataFrame(columns=["topic", "rank", "passage_id", "doc_id", "proportion", "text"]),
              "topic_map": topic_map(reference, doc_lengths=doc_lengths, random_state=config.random_state)}
    if sample is not None:  # every passage's proportions, the topics of the sample fits frozen
        from textlab.analysis.topics.sampled import extend_fit, row_ids
        from textlab.data import as_text_data

        ids = row_ids(as_text_data(ctx.memory["dtm"], name="data").rows)  # one array of ids shared by the fits
        aligned = [extend_fit(f, ctx.memory["dtm"], sample=sample, n_jobs=config.n_jobs, dtype=np.float32,
                              passage_ids=ids) for f in aligned]
        reference, tokenized = aligned[0], ctx.tokenized
    passages = tokenized.passages
    if sample is not None:  # a large corpus: the same table, compact (see _compact_passage_topics)
        passage_topics = _compact_passage_topics(passages, reference.doc_topic, config.group_column)
        ctx.memory.pop("topic_sample", None)  # the sample's token lists are not needed after this step
    else:
        columns = {f"topic_{k + 1}": reference.doc_topic[:, k] for k in range(reference.n_topics)}
        passage_topics = pd.DataFrame({"passage_id": passages["passage_id"].to_numpy(),
                                       "doc_id": passages["doc_id"].to_numpy(),
                                       "group": passages[config.group_column].astype(str).to_numpy(),
                                       "position": passages["position"].to_numpy(), **columns})
    params = {"stability": dict(stability.params),
              "lda": {k: v for k, v in reference.params.items() if k != "random_state"},
              "random_states": list(config.stability_random_states), "sample": sample}
    return TopicsResult(n_topics=n_topics, rule=rule, stability=stability.table, **labels,
                        passage_topics=passage_topics, distances=np.asarray(stability.distances), fits=aligned,
                        params=params)


def _compact_passage_topics(passages: pd.DataFrame, doc_topic: np.ndarray, group_column: str) -> pd.DataFrame:
    """``passage_id, doc_id, group, position, topic_1..K`` of a large corpus without copies of its columns.

    The id columns keep the passages' own storage (Arrow strings on the disk store: no million Python
    strings per column, as ``to_numpy()`` would make) and the topic columns are a view of the fit's
    float32 ``doc_topic``; the values are those of the table built for a small corpus.
    """
    table = pd.DataFrame(doc_topic, columns=[f"topic_{k + 1}" for k in range(doc_topic.shape[1])], copy=False)
    front = {"passage_id": passages["passage_id"], "doc_id": passages["doc_id"],
             "group": passages[group_column].astype(str), "position": passages["position"]}
    for i, (name, column) in enumerate(front.items()):
        table.insert(i, name, column.reset_index(drop=True))
    return table


def topic_corpus(ctx: StepContext) -> tuple[Any, dict | None]:
    """The passages topic models are fitted on (``[lda] sample_above``, ``sample_size``, ``sample_strata``).

    All of them, or above ``sample_above`` a stratified sample (strata: ``sample_strata``, default
    the group column), drawn once per study (:func:`textlab.analysis.topics.sampled.study_sample`).
    """
    if "topic_sample" not in ctx.memory:
        from textlab.analysis.topics.sampled import study_sample

        config = ctx.config
        strata = [config.group_column] if config.lda_sample_strata is None else list(config.lda_sample_strata)
        ctx.memory["topic_sample"] = study_sample(ctx.tokenized, sample_above=config.lda_sample_above,
                                                  size=config.lda_sample_size, strata=strata,
                                                  random_state=config.random_state)
    return ctx.memory["topic_sample"]


def run_prevalence(ctx: StepContext) -> Any:
    """Topic prevalence by group with composed uncertainty (``[uncertainty]``)."""
    from textlab.analysis.prevalence import estimate_prevalence

    config = ctx.config
    return estimate_prevalence(ctx.results["topics"].fits, ctx.tokenized.passages, group_column=config.group_column,
                               contrast=config.contrast, n_draws=config.n_draws, n_boot=config.n_boot,
                               resampling_unit=config.resampling_unit, ci_level=config.ci_level,
                               random_state=config.random_state)


def codebook_path(config: Any) -> Any:
    """The codebook file a config names (``None`` if unset; ``"default"`` is the shipped example)."""
    from pathlib import Path

    from textlab.analysis.frames import default_codebook_path

    if config.codebook is None:
        return None
    path = default_codebook_path() if config.codebook == "default" else Path(config.codebook)
    if not path.is_absolute() and config.source is not None:
        path = Path(config.source).parent / path
    return path


def run_frames(ctx: StepContext) -> Any:
    """Frame prevalence from the study's codebook (``[frames] codebook``); skipped without one."""
    from textlab.analysis.frames import load_codebook, score_frames

    config = ctx.config
    path = codebook_path(config)
    if path is not None and _needs_text(ctx, "frames"):
        return None
    if path is None:
        warnings.warn("no [frames] codebook set: the frames step is skipped; set [frames] codebook to your "
                      "codebook TOML (see docs/codebook.md), or codebook = \"default\" for the shipped example",
                      TextlabWarning, stacklevel=2)
        return None
    result = score_frames(ctx.tokenized, load_codebook(path), group_column=config.group_column,
                          contrast=tuple(config.contrast) if config.contrast else {"reference": "rest"},
                          n_boot=config.n_boot, resampling_unit=config.resampling_unit, ci_level=config.ci_level,
                          random_state=config.random_state)
    object.__setattr__(result, "params", {**result.params, "codebook_path": str(path)})
    return result


#: ``[effects]`` options and defaults (kept here so that loading a config does not import the effects code).
_EFFECT_OPTIONS = {"formula": "", "outcomes": "both", "link": "logit", "resampling": "document", "cluster": "",
                   "change_date": "", "contrasts": [], "reference": "", "by": "", "n_boot": 200, "n_draws": 20,
                   "n_points": 25}
def run_perspectives(ctx: StepContext) -> Any:
    """Wording within each topic and within each frame, compared between groups (``[perspectives]``)."""
    from textlab.analysis.perspectives import run_perspectives_step

    return run_perspectives_step(ctx)


#: ``[duplicates]`` options and defaults (textlab.study.duplicates.DUPLICATE_OPTIONS).
_DUPLICATE_OPTIONS = {"threshold": 0.8, "action": "keep", "num_perm": 128}
