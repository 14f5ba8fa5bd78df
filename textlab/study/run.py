"""A study in one call: config → every registered step → one result per step.

:func:`run_study` runs the steps of :data:`textlab.study.steps.STEPS` in order from a
:class:`~textlab.study.config.StudyConfig` and returns a :class:`StudyResult` (each step's
result, their tables, and provenance: package versions, config, input hashes, seeds,
timings, warnings and the settings of every step).  :func:`write_results` writes a folder that
:func:`~textlab.study.results.read_results` reads back.  The same config gives identical
results on every rerun.
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
from textlab._errors import ConfigError, TextlabWarning
from textlab._progress import progress
from textlab.study.config import StudyConfig, load_study_config

__all__ = ["StudyResult", "run_study", "write_results", "read_results", "prepare_tokens", "FAST_OPTIONS",
           "collect_tables"]

#: Options replaced by ``fast=True``: a quick look (seconds), not for publication.
FAST_OPTIONS: dict[str, Any] = {
    "n_boot": 100,
    "n_perm": 2000,
    "n_draws": 50,
    "selection_random_states": (0,),
    "stability_random_states": (0, 1, 2),
}

_PACKAGES = ("numpy", "scipy", "pandas", "scikit-learn", "gensim", "nltk", "matplotlib", "tomotopy", "pyarrow")


@dataclass(frozen=True)
class StudyResult:
    """Everything a study computed: one result per step, their tables, and the provenance.

    Attributes
    ----------
    config
        The configuration that produced the result.
    results
        Step name -> the step's result (a :class:`textlab.data.Result`, a result dataclass such
        as ``KeynessResult`` or ``ModelSelection``, or ``None`` if the step was skipped), in the
        order the steps ran (:data:`textlab.study.steps.STEPS`).
    tables
        Public table name -> table, gathered from the steps (the CSV files of the results folder).
    provenance
        Versions, config, input hashes, seeds, timings, warnings, and ``steps``: the settings
        (``params``) of every step.
    source
        The results folder this was read from (:func:`~textlab.study.results.read_results`), or ``None``.
    memory
        In-memory objects that are not written (the document-term matrix ``dtm``).

    Other names: ``cleaned`` (``None``: the ``documents`` and ``audit`` tables hold it), ``tokenized``, ``dtm``, ``fits``
    (aligned LDA fits at the chosen K), ``n_topics``, ``group_column``.
    """

    config: StudyConfig
    results: dict[str, Any]
    provenance: dict[str, Any] = field(default_factory=dict, repr=False)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)
    source: Path | None = None
    memory: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.tables:
            object.__setattr__(self, "tables", collect_tables(self.results))

    @property
    def group_column(self) -> str:
        """The metadata column that defines the groups."""
        return self.config.group_column

    @property
    def cleaned(self) -> Any:
        """A ``CleanResult`` if the corpus step kept one (the built-in step keeps tables instead)."""
        corpus = self.results.get("corpus")
        return None if corpus is None else corpus.cleaned

    @property
    def tokenized(self) -> Any:
        """The tokenised passages (rebuilt from the results folder when read back)."""
        return self.results["corpus"].tokenized_corpus()

    @property
    def dtm(self) -> Any:
        """Passage-by-term counts (``None`` when read back from a results folder)."""
        return self.memory.get("dtm")

    @property
    def fits(self) -> list:
        """The LDA fits at the chosen K, topics aligned to the first seed."""
        topics = self.results.get("topics")
        return [] if topics is None else list(topics.fits)

    @property
    def n_topics(self) -> int:
        """The number of topics used."""
        topics = self.results.get("topics")
        return 0 if topics is None else int(topics.n_topics)

    @property
    def fast(self) -> bool:
        """Whether this was a quick-look run (``--fast``)."""
        return bool(self.config.fast)


def collect_tables(results: dict[str, Any], steps: Any = None) -> dict[str, pd.DataFrame]:
    """Public table name -> table, from each step's ``tables`` mapping (steps not registered: all tables)."""
    from textlab.study.steps import STEPS

    mapping = {step.name: step.tables for step in (STEPS if steps is None else steps)}
    out: dict[str, pd.DataFrame] = {}
    for name, value in results.items():
        if value is None:
            continue
        for public, attribute in mapping.get(name, {}).items():
            table = getattr(value, attribute, None)
            if isinstance(table, pd.DataFrame):
                out[public] = table
        if name not in mapping and isinstance(getattr(value, "tables", None), dict):  # an unknown step read back
            out.update({k: v for k, v in value.tables.items() if isinstance(v, pd.DataFrame)})
    return out


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
    if fast and not config.fast:
        config = config.replace(**FAST_OPTIONS, fast=True)
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
    from textlab.study.steps import check_groups

    config = _as_config(config, fast)
    corpus = load_corpus(config.corpus_path, text_column=config.text_column, id_column=config.id_column,
                         encoding=config.encoding, format=config.corpus_format)
    check_groups(config, corpus.docs.columns, lambda column: corpus.docs[column])
    cleaned = clean_corpus(corpus, disable=config.clean_disable, profile=config.clean_profile,
                           patterns=config.clean_patterns)
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


def _run_steps(config: StudyConfig, steps: list, results: dict[str, Any], memory: dict[str, Any],
               timer: _Timer, finished: Any = None) -> dict[str, str]:
    """Run each step in order into ``results``; return the reasons of the steps skipped.

    ``finished(name, value)``, if given, is called as each step ends and its return value replaces
    the step's result (a :class:`~textlab.study._results_writer.SpilledResult` read back when asked).
    """
    from textlab._memory import release_memory
    from textlab.study.steps import StepContext, resolve

    skipped: dict[str, str] = {}
    bar = progress(range(len(steps)), desc="textlab study", total=len(steps), unit="step")
    for step in steps:
        with timer.step(step.name):
            missing = [r for r in step.requires if results.get(r) is None]
            if missing:
                results[step.name] = None
                skipped[step.name] = f"needs the result of {missing}, which was skipped"
            else:
                options = {**step.options, **config.step_options.get(step.section or "", {})}
                results[step.name] = resolve(step.run)(StepContext(config, results, options, memory))
                if results[step.name] is None:
                    skipped[step.name] = memory.get("skip_reasons", {}).get(
                        step.name, "the step returned no result (see the warnings)")
            if finished is not None:
                results[step.name] = finished(step.name, results.pop(step.name))
                release_memory()  # what the step freed goes back to the system before the next one
        next(bar, None)
    return skipped


def _provenance(config: StudyConfig, results: dict[str, Any], skipped: dict[str, str]) -> dict[str, Any]:
    from textlab.study.results import json_safe
    from textlab.study.steps import codebook_path

    corpus, topics = results["corpus"], results.get("topics")
    reference = topics.fits[0] if topics is not None and topics.fits else None
    steps = {name: ({"skipped": skipped.get(name, "")} if value is None else json_safe(getattr(value, "params", {})))
             for name, value in results.items()}
    selection = results.get("model_selection")
    path = codebook_path(config) if results.get("frames") is not None else None
    return {
        "textlab_version": __version__,
        "packages": _package_versions(),
        "platform": {"system": platform.system(), "machine": platform.machine(), "python": sys.version.split()[0]},
        "config": config.to_dict(),
        "inputs": corpus.params.get("read", {}).get("files", {}),
        "seeds": {
            "random_state": config.random_state,
            "selection_random_states": list(config.selection_random_states),
            "stability_random_states": list(config.stability_random_states),
        },
        "fast": bool(config.fast),
        "rerun": config.rerun_command("analyze", "results"),
        "n_topics": int(topics.n_topics) if topics is not None else None,
        "n_topics_rule": topics.rule if topics is not None else None,
        "n_topics_at_edge": bool(selection.params.get("at_edge", False)) if selection is not None else False,
        "lda_params": json_safe({k: v for k, v in reference.params.items() if k != "random_state"})
        if reference is not None else {},
        "tokenizer_params": json_safe(corpus.params.get("tokenizer", {})),
        "codebook": None if path is None else str(path),
        "lock": _lock_status(config),
        "environment": _environment(config),
        "steps": steps,
    }


def _environment(config: StudyConfig) -> dict[str, Any]:
    """The lock file's hash, tomotopy's instruction set, installed versions vs the lock (study/environment.py)."""
    from textlab.study.environment import environment_record

    return environment_record(config)


def _lock_status(config: StudyConfig) -> dict[str, Any]:
    """Whether this run matches the study's lock (:mod:`textlab.study.lock`); an unreadable lock is a deviation."""
    from textlab._errors import TextlabError
    from textlab.study.lock import check_lock

    try:
        return check_lock(config)
    except TextlabError as exc:
        return {"status": "deviates", "lock_file": None, "created": None, "deviations": [str(exc)]}


def run_study(config: StudyConfig | str | Path, *, fast: bool = False, steps: list | None = None,
              out: str | Path | None = None) -> StudyResult:
    """Run every step of a study (:data:`textlab.study.steps.STEPS`) from its config.

    Built-in steps: load and clean the corpus, split passages and tokenise (``corpus``); counts,
    TF-IDF distinctive terms and document similarity (``tfidf``); keyness between groups
    (``keyness``); LDA model selection over K (``model_selection``); refits at the chosen K under
    several seeds, aligned for stability, with labels and the intertopic map (``topics``); topic
    prevalence by group with composed uncertainty (``prevalence``); frame prevalence from the
    codebook (``frames``, skipped without one).  Steps registered with
    :func:`~textlab.study.steps.register_step` run too.

    Parameters
    ----------
    config
        A :class:`StudyConfig` or the path of its TOML file.
    fast
        Fewer seeds and replicates (:data:`FAST_OPTIONS`) for a quick look; marked as such in the
        results, figures and report.
    steps
        The steps to run (default: every registered step, in order).
    out
        A results folder to write (as :func:`write_results` would). Each step's result is written
        into it as the step finishes and read back from it when a later step asks, so a large
        study holds one step's tables at a time; the folder appears, complete, when the run ends
        (nothing is left behind if it fails), and is returned read back
        (:func:`~textlab.study.results.read_results`). ``textlab analyze`` runs this way.

    Returns
    -------
    StudyResult

    Examples
    --------
    >>> result = run_study("seeds/study.toml", fast=True)  # doctest: +SKIP
    >>> result.results["prevalence"].difference.head()     # doctest: +SKIP
    >>> saved = run_study("seeds/study.toml", out="results")  # the same folder as write_results(...)  # doctest: +SKIP
    """
    from textlab.study.steps import STEPS

    config = _as_config(config, fast)
    step_list = list(STEPS if steps is None else steps)
    if not step_list or step_list[0].name != "corpus":
        raise ConfigError(f"steps={[s.name for s in step_list]!r} is not allowed: the first step must be 'corpus'")
    if out is None:
        results, memory, provenance = _run(config, step_list, finished=None)
        from textlab.study.steps import STEPS as registered

        return StudyResult(config=config, results=results, provenance=provenance,
                           tables=collect_tables(results, step_list if steps is not None else registered),
                           memory=memory)
    return _run_into(config, step_list, Path(out))


def _run_into(config: StudyConfig, step_list: list, out: Path) -> StudyResult:
    """Run the steps, writing each result into the results folder ``out`` as it finishes; read it back."""
    from types import SimpleNamespace

    from textlab._io import atomic_directory, study_inputs
    from textlab.study._results_writer import ResultsWriter, SpilledResult
    from textlab.study.results import read_results

    with atomic_directory(out, inputs=study_inputs(config)) as tmp:
        writer = ResultsWriter(config, tmp, out.name)

        def finished(name: str, value: Any) -> Any:  # the corpus step stays in memory: every step reads it
            return value if name == step_list[0].name else writer.add_step(name, value)

        results, _, provenance = _run(config, step_list, finished=finished)
        for name, value in results.items():  # the corpus, and any result a later step replaced
            if not isinstance(value, SpilledResult):
                writer.add_step(name, value)
        writer.finish(SimpleNamespace(config=config, results=results), provenance)
        del results
    return read_results(out)


def _run(config: StudyConfig, step_list: list, finished: Any) -> tuple[dict, dict, dict[str, Any]]:
    """``(results, memory, provenance)`` of running ``step_list`` (see :func:`_run_steps` for ``finished``)."""
    from textlab.compute import use_compute
    from textlab.study.results import json_safe

    timer = _Timer()
    started = time.perf_counter()
    results: dict[str, Any] = {}
    memory: dict[str, Any] = {}
    with use_compute(config.cluster()), warnings.catch_warnings(record=True) as caught:  # cluster notes not kept
        warnings.simplefilter("always")
        skipped = _run_steps(config, step_list, results, memory, timer, finished)
    warning_texts = sorted({f"{w.category.__name__}: {w.message}" for w in caught
                            if issubclass(w.category, UserWarning)})
    shown: set[str] = set()
    for w in caught:  # re-emit textlab's own warnings once each, through the user's warning filters
        if issubclass(w.category, TextlabWarning) and str(w.message) not in shown:
            shown.add(str(w.message))
            warnings.warn(str(w.message), w.category, stacklevel=3)
    provenance = _provenance(config, results, skipped)
    provenance["warnings"] = warning_texts
    provenance["compute"] = config.cluster().describe()
    provenance["timings_seconds"] = {**timer.seconds, "total": round(time.perf_counter() - started, 3)}
    return results, memory, json_safe(provenance)  # the same dict whether computed now or read from provenance.json


def write_results(result: StudyResult, out_dir: str | Path) -> Path:
    """Write a study's results folder (see :func:`textlab.study.results.write_results`)."""
    from textlab.study.results import write_results as _write

    return _write(result, out_dir)


def summary_numbers(result: StudyResult) -> dict[str, Any]:
    """Headline numbers of a study (used by the figures README and the report)."""
    tables = result.tables
    out: dict[str, Any] = {"n_topics": result.n_topics}
    docs = tables["documents"]
    out["words_raw"] = int(docs["n_words_raw"].sum())
    out["words_clean"] = int(docs["n_words_clean"].sum())
    out["n_passages"] = int(len(tables["passages"]))
    if "topic_divergence" in tables and len(tables["topic_divergence"]):
        row = tables["topic_divergence"].iloc[0]
        out["jsd"] = {k: (float(row[k]) if isinstance(row[k], (int, float, np.floating)) else row[k])
                      for k in row.index}
    return out


def read_results(path: str | Path) -> StudyResult:
    """Read a results folder back (see :func:`textlab.study.results.read_results`)."""
    from textlab.study.results import read_results as _read

    return _read(path)
