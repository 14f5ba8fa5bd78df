"""A study in one call: config → corpus → tokens → models → comparisons → tables.

:func:`run_study` runs the whole analysis from a :class:`~textlab.study.config.StudyConfig`
and returns a :class:`StudyResult` of plain tables; :func:`write_results` writes
them as tidy CSV files plus ``provenance.json`` (package versions, config,
input hashes, seeds, timings, warnings).  The same config gives identical
tables on every rerun.
"""

from __future__ import annotations

import platform
import sys
import time
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from textlab._version import __version__
from textlab._errors import ConfigError, EstimationError, SmallSampleWarning, TextlabWarning
from textlab._io import atomic_directory, study_inputs, write_csv, write_json
from textlab._progress import progress
from textlab.study.config import StudyConfig, load_study_config

__all__ = ["StudyResult", "run_study", "write_results", "prepare_tokens", "FAST_OPTIONS"]

#: Options replaced by ``fast=True``: a quick look (seconds), not for publication.
FAST_OPTIONS: dict[str, Any] = {
    "n_boot": 100,
    "n_perm": 200,
    "n_draws": 50,
    "selection_random_states": (0,),
    "stability_random_states": (0, 1, 2),
}

_PACKAGES = ("numpy", "scipy", "pandas", "scikit-learn", "gensim", "nltk", "matplotlib", "tomotopy", "pyarrow")


@dataclass(frozen=True)
class StudyResult:
    """Everything a study computed, as plain tables and the objects that made them.

    Attributes
    ----------
    config
        The configuration that produced the result.
    cleaned
        :class:`textlab.preprocessing.clean.CleanResult`: cleaned corpus and audit table.
    tokenized
        :class:`textlab.preprocessing.tokens.TokenizedCorpus`: passages and tokens.
    dtm
        Passage-by-term counts.
    tables
        Name -> tidy table (the CSV files written by :func:`write_results`).
    fits
        The LDA fits at the chosen K, topics aligned to the first seed.
    n_topics
        The number of topics used.
    provenance
        Versions, config, input hashes, seeds, timings, warnings.
    """

    config: StudyConfig
    cleaned: Any
    tokenized: Any
    dtm: Any
    tables: dict[str, pd.DataFrame]
    fits: list = field(repr=False)
    n_topics: int = 0
    provenance: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def group_column(self) -> str:
        """The metadata column that defines the groups."""
        return self.config.group_column


class _Timer:
    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextmanager
    def step(self, name: str):
        start = time.perf_counter()
        yield
        self.seconds[name] = round(time.perf_counter() - start, 3)


def _as_config(config: StudyConfig | str | Path, fast: bool) -> StudyConfig:
    if isinstance(config, (str, Path)):
        config = load_study_config(config)
    elif not isinstance(config, StudyConfig):
        raise ConfigError(f"config={config!r} is not allowed: expected a StudyConfig or the path of a TOML file")
    if fast:
        config = config.replace(**FAST_OPTIONS)
    return config


def prepare_tokens(config: StudyConfig | str | Path, *, fast: bool = False):
    """Load, clean, split and tokenise the corpus a study config names.

    Parameters
    ----------
    config
        A :class:`StudyConfig` or the path of its TOML file.
    fast
        Ignored here (kept for symmetry with :func:`run_study`).

    Returns
    -------
    tuple
        ``(config, clean_result, tokenized_corpus)``.
    """
    from textlab.preprocessing.clean import clean_corpus
    from textlab.preprocessing.read import load_corpus
    from textlab.preprocessing.tokens import TokenizerOptions, preprocess

    config = _as_config(config, fast)
    corpus = load_corpus(config.corpus_path, text_column=config.text_column, id_column=config.id_column,
                         encoding=config.encoding)
    where = f"{config.source}: " if config.source is not None else ""
    internal = {"text", "raw_text", "path", "file"}
    if config.group_column not in corpus.docs.columns:
        raise ConfigError(
            f"{where}[groups] column = {config.group_column!r} is not a column of the corpus metadata "
            f"({config.corpus_path}); columns: {sorted(c for c in corpus.docs.columns if c not in internal)}"
        )
    present = set(corpus.docs[config.group_column].dropna().astype(str))
    for group in config.contrast or ():
        if str(group) not in present:
            raise ConfigError(
                f"{where}[groups] contrast names {group!r}, which is not a value of column "
                f"{config.group_column!r}; values: {sorted(present)}"
            )
    cleaned = clean_corpus(corpus, disable=config.clean_disable)
    options = TokenizerOptions(**config.tokenizer) if config.tokenizer else None
    tokenized = preprocess(cleaned.corpus, max_words=config.max_words, min_words=config.min_words, options=options)
    return config, cleaned, tokenized


def _package_versions() -> dict[str, str | None]:
    versions: dict[str, str | None] = {"textlab": __version__, "python": platform.python_version()}
    for name in _PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def _documents_table(cleaned, group_column: str) -> pd.DataFrame:
    docs = cleaned.corpus.docs
    table = pd.DataFrame({
        "doc_id": docs.index.astype(str),
        "group": docs[group_column].astype(str).to_numpy(),
        "n_words_raw": docs["n_words_raw"].to_numpy(),
        "n_words_clean": docs["n_words_clean"].to_numpy(),
    })
    if "title" in docs.columns:
        table["title"] = docs["title"].fillna("").astype(str).to_numpy()
    return table


def _passage_topics_table(fit, passages: pd.DataFrame, group_column: str) -> pd.DataFrame:
    columns = {f"topic_{k + 1}": fit.doc_topic[:, k] for k in range(fit.n_topics)}
    table = pd.DataFrame({"passage_id": passages["passage_id"].to_numpy(), "doc_id": passages["doc_id"].to_numpy(),
                          "group": passages[group_column].astype(str).to_numpy(),
                          "position": passages["position"].to_numpy(), **columns})
    return table


def run_study(config: StudyConfig | str | Path, *, fast: bool = False) -> StudyResult:
    """Run the whole analysis a study config describes.

    Steps: load and clean the corpus; split passages and tokenise; count terms;
    TF-IDF distinctive terms and document similarity; keyness between groups;
    LDA model selection over K; refits at the chosen K under several seeds,
    aligned for stability; topic labels, representative passages and the
    intertopic map; topic prevalence by group with composed uncertainty; frame
    prevalence from the codebook.

    Parameters
    ----------
    config
        A :class:`StudyConfig` or the path of its TOML file.
    fast
        Fewer seeds and replicates (:data:`FAST_OPTIONS`) for a quick look.

    Returns
    -------
    StudyResult

    Examples
    --------
    >>> result = run_study("seeds/study.toml", fast=True)  # doctest: +SKIP
    >>> result.tables["prevalence_difference"].head()      # doctest: +SKIP
    """
    from textlab.analysis.frames import default_codebook_path, load_codebook, score_frames
    from textlab.analysis.keyness import score_keyness
    from textlab.analysis.prevalence import estimate_prevalence
    from textlab.preprocessing.counts import count_terms
    from textlab.analysis.topics.labels import representative_passages, top_terms, topic_map
    from textlab.analysis.topics.selection import select_n_topics
    from textlab.analysis.topics.stability import assess_stability, fit_seeds
    from textlab.analysis.tfidf import distinctive_terms, similarity_table
    timer = _Timer()
    started = time.perf_counter()
    config = _as_config(config, fast)
    rs = config.random_state
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        steps = progress(range(7), desc="textlab study", total=7, unit="step")
        with timer.step("load_clean_tokenize"):
            config, cleaned, tokenized = prepare_tokens(config)
        next(steps, None)
        group_column = config.group_column
        passages = tokenized.passages
        with timer.step("counts_tfidf"):
            dtm = count_terms(tokenized)
            distinctive = distinctive_terms(dtm, by=group_column, surface_forms=tokenized.surface_forms)
            similarity = similarity_table(dtm, level="document")
        next(steps, None)
        with timer.step("keyness"):
            keyness = score_keyness(dtm, group_column=group_column, groups=config.contrast,
                                    n_boot=config.n_boot, n_perm=config.n_perm,
                                    resampling_unit=config.resampling_unit, ci_level=config.ci_level,
                                    surface_forms=tokenized.surface_forms, random_state=rs)
        next(steps, None)
        with timer.step("model_selection"):
            if config.n_topics is None:
                low, high = config.n_topics_range
                n_passages = len(passages)
                n_fit = n_passages - max(1, round(0.2 * n_passages))  # select_n_topics holds out 20 %
                if low > n_fit:
                    raise EstimationError(
                        f"n_topics_range = [{low}, {high}] in {config.source or 'the study config'}: the corpus has "
                        f"{n_passages} passages, {n_fit} of them for fitting after holding out 20 %, so K can be "
                        f"at most {n_fit}; lower the range or add documents"
                    )
                if high > n_fit:
                    warnings.warn(
                        f"n_topics_range = [{low}, {high}]: only {n_fit} passages are available for fitting "
                        f"({n_passages} passages, 20 % held out), so K is chosen from {low}..{n_fit}",
                        SmallSampleWarning, stacklevel=2,
                    )
                    high = n_fit
                selection = select_n_topics(tokenized, n_topics_range=range(low, high + 1),
                                            random_states=config.selection_random_states,
                                            lda_kwargs=dict(config.lda), random_state=rs)
                n_topics = int(selection.chosen_n_topics)
                selection_table, selection_summary = selection.table, selection.summary
                selection_rule, selection_fits = selection.rule, selection.fits
            else:
                n_topics, selection_rule = config.n_topics, "fixed by config (n_topics)"
                selection_table = selection_summary = selection_fits = None
        next(steps, None)
        with timer.step("stability"):
            fits = fit_seeds(tokenized, n_topics=n_topics, random_states=config.stability_random_states,
                             reuse=selection_fits, **dict(config.lda))
            stability = assess_stability(fits)
            aligned = list(stability.aligned)
            reference = aligned[0]
            doc_lengths = [len(tokens) for tokens in tokenized.tokens]
            terms = top_terms(reference, surface_forms=tokenized.surface_forms, doc_lengths=doc_lengths)
            representative = representative_passages(reference, passages)
            coordinates = topic_map(reference, doc_lengths=doc_lengths, random_state=rs)
        next(steps, None)
        with timer.step("prevalence"):
            prevalence = estimate_prevalence(aligned, passages, group_column=group_column, contrast=config.contrast,
                                             n_draws=config.n_draws, n_boot=config.n_boot,
                                             resampling_unit=config.resampling_unit, ci_level=config.ci_level,
                                             random_state=rs)
        next(steps, None)
        with timer.step("frames"):
            if config.codebook is None:
                warnings.warn(
                    "no [frames] codebook set: frames are scored with the codebook shipped for the Malaysia AI "
                    "study (geopolitics, investment, talent, ...); set [frames] codebook to your own TOML "
                    "(see docs/codebook.md), or codebook = \"default\" to keep it",
                    TextlabWarning, stacklevel=2,
                )
            codebook_path = (default_codebook_path() if config.codebook in (None, "default")
                             else Path(config.codebook))
            if not codebook_path.is_absolute() and config.source is not None:
                codebook_path = config.source.parent / codebook_path
            codebook = load_codebook(codebook_path)
            frames = score_frames(tokenized, codebook, group_column=group_column, n_boot=config.n_boot,
                                  resampling_unit=config.resampling_unit, ci_level=config.ci_level,
                                  random_state=rs)
        next(steps, None)

    tables: dict[str, pd.DataFrame] = {
        "documents": _documents_table(cleaned, group_column),
        "audit": cleaned.audit,
        "passages": passages.drop(columns=[c for c in ("note",) if c in passages.columns]),
        "keyness": keyness.table,
        "distinctive_terms": distinctive,
        "document_similarity": similarity.reset_index(),
        "stability": stability.table,
        "topic_terms": terms,
        "representative_passages": representative,
        "topic_map": coordinates,
        "passage_topics": _passage_topics_table(reference, passages, group_column),
        "prevalence_by_group": prevalence.by_group,
        "prevalence_difference": prevalence.difference,
        "topic_divergence": prevalence.divergence,
        "frames_by_group": frames.by_group,
        "frames_by_passage": frames.by_passage,
        "frame_drivers": frames.drivers,
        "frame_coverage": frames.coverage,
    }
    if selection_table is not None:
        tables["model_selection"] = selection_table
        tables["model_selection_summary"] = selection_summary
    if getattr(prevalence, "variance_components", None) is not None:
        tables["prevalence_variance_components"] = prevalence.variance_components

    warning_texts = sorted({f"{w.category.__name__}: {w.message}" for w in caught
                            if issubclass(w.category, UserWarning)})
    shown: set[str] = set()
    for w in caught:  # re-emit textlab's own warnings once each, through the user's warning filters
        if issubclass(w.category, TextlabWarning) and str(w.message) not in shown:
            shown.add(str(w.message))
            warnings.warn(str(w.message), w.category, stacklevel=2)
    provenance = {
        "textlab_version": __version__,
        "packages": _package_versions(),
        "platform": {"system": platform.system(), "machine": platform.machine(), "python": sys.version.split()[0]},
        "config": config.to_dict(),
        "inputs": cleaned.corpus.params.get("files", {}),
        "seeds": {
            "random_state": rs,
            "selection_random_states": list(config.selection_random_states),
            "stability_random_states": list(config.stability_random_states),
        },
        "n_topics": n_topics,
        "n_topics_rule": selection_rule,
        "lda_params": {k: v for k, v in reference.params.items() if k != "random_state"},
        "tokenizer_params": {k: v for k, v in tokenized.params.items() if not k.startswith("_")},
        "codebook": str(codebook_path),
        "warnings": warning_texts,
        "timings_seconds": {**timer.seconds, "total": round(time.perf_counter() - started, 3)},
    }
    return StudyResult(config=config, cleaned=cleaned, tokenized=tokenized, dtm=dtm, tables=tables,
                       fits=aligned, n_topics=n_topics, provenance=provenance)


def write_results(result: StudyResult, out_dir: str | Path) -> Path:
    """Write every table of a study as CSV plus ``provenance.json``, atomically.

    Parameters
    ----------
    result
        The output of :func:`run_study`.
    out_dir
        Folder to create or replace. It is built under a temporary name and
        swapped into place only when complete.

    Returns
    -------
    pathlib.Path
        ``out_dir``.
    """
    out_dir = Path(out_dir)
    with atomic_directory(out_dir, inputs=study_inputs(result.config)) as tmp:
        for name, table in result.tables.items():
            write_csv(table, tmp / f"{name}.csv")
        write_json(result.provenance, tmp / "provenance.json")
    return out_dir


def summary_numbers(result: StudyResult) -> dict[str, Any]:
    """Headline numbers of a study (used by the figures README and the report)."""
    tables = result.tables
    out: dict[str, Any] = {"n_topics": result.n_topics}
    docs = tables["documents"]
    out["words_raw"] = int(docs["n_words_raw"].sum())
    out["words_clean"] = int(docs["n_words_clean"].sum())
    out["n_passages"] = int(len(tables["passages"]))
    if len(tables["topic_divergence"]):
        row = tables["topic_divergence"].iloc[0]
        out["jsd"] = {k: (float(row[k]) if isinstance(row[k], (int, float, np.floating)) else row[k])
                      for k in row.index}
    return out
