"""A study is a list of steps: each names its config section, the function that computes it,
its result tables, its figures and its report section.

:data:`STEPS` holds the built-in steps (their functions in :mod:`textlab.study.builtin_steps` and
the modules they name) in the order they run.  Adding an analysis is adding one :class:`Step`
in one place::

    from textlab.study.steps import Step, register_step

    def run_length(ctx):                       # ctx.config, ctx.options, ctx.results, ctx.tokenized
        ...                                    # return a Result (tables + params), or None to skip
    register_step(Step("lengths", run_length, section="lengths", options={"top": 10},
                       tables={"passage_lengths": "table"}, figures=(draw_lengths,),
                       report=report_lengths))

and the step's tables appear in the results folder (``passage_lengths.csv``, reloadable with
:func:`~textlab.study.results.read_results`), its ``params`` in ``provenance.json``, its figures in
``textlab figures`` and its section in the report.  See ``docs/adding_a_step.md``.

Functions may be given as callables or as ``"module:function"`` strings (resolved when used),
so that drawing code is not imported by ``textlab analyze``.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from textlab._errors import ConfigError

__all__ = ["Step", "StepContext", "STEPS", "register_step", "unregister_step", "get_step", "resolve",
           "CorpusResult", "TfidfTables", "TopicsResult", "check_groups", "codebook_path"]


@dataclass(frozen=True)
class Step:
    """One analysis of a study.

    Attributes
    ----------
    name
        Unique name; the key of its result in ``StudyResult.results`` and its folder under ``data/``.
    run
        ``run(ctx: StepContext) -> result | None``: a :class:`textlab.data.Result` (tables + params)
        or another dataclass of tables/arrays (an ``LdaFit``-like holder); ``None`` skips the step.
    section
        Config section the step reads (documentation, and for steps outside textlab the TOML
        section whose keys are validated against ``options``).
    options
        For a step's own section: option name -> default (the TOML value must have the same type).
    tables
        Public table name (the CSV file) -> field of the result holding it.
    figures
        Functions ``draw(study_result) -> FigureSpec | list[FigureSpec] | None``.
    report
        ``report(study_result) -> str`` (an HTML fragment), or ``None``.
    requires
        Steps whose results this one reads; if one was skipped, this one is skipped too.
    description
        One line for listings.
    """

    name: str
    run: Callable[[StepContext], Any] | str
    section: str | None = None
    options: Mapping[str, Any] = field(default_factory=dict)
    tables: Mapping[str, str] = field(default_factory=dict)
    figures: tuple[Callable | str, ...] = ()
    report: Callable | str | None = None
    requires: tuple[str, ...] = ()
    description: str = ""


@dataclass
class StepContext:
    """What a step sees: the config, its own options, earlier results and in-memory objects."""

    config: Any
    results: dict[str, Any]
    options: dict[str, Any] = field(default_factory=dict)
    memory: dict[str, Any] = field(default_factory=dict)

    @property
    def tokenized(self) -> Any:
        """The tokenised passages of the corpus step."""
        return self.results["corpus"].tokenized_corpus()

    @property
    def group_column(self) -> str:
        return self.config.group_column


def resolve(target: Callable | str | None) -> Callable | None:
    """A callable, or the function a ``"module:function"`` string names (imported on first use)."""
    if target is None or callable(target):
        return target
    module, _, name = str(target).partition(":")
    return getattr(importlib.import_module(module), name)


def _accepts(func: Callable, name: str) -> bool:
    return name in inspect.signature(func).parameters


from textlab.study.builtin_steps import (  # noqa: E402  (the built-in steps, re-exported)
    _DUPLICATE_OPTIONS, _EFFECT_OPTIONS, CorpusResult, TfidfTables, TopicsResult, check_groups, codebook_path,
    run_corpus, run_frames, run_keyness, run_model_selection, run_perspectives, run_prevalence, run_tfidf,
    run_topics,
)


_F = "textlab.study.figures:"
_R = "textlab.study.report:"

#: The built-in steps, in the order they run.
STEPS: list[Step] = [
    Step("corpus", run_corpus, section="corpus",
         tables={"documents": "documents", "audit": "audit", "passages": "passages",
                 "furniture_by_source": "furniture"},
         figures=(_F + "figure_corpus",), description="load, clean, split into passages, tokenise"),
    Step("duplicates", "textlab.study.duplicates:run_duplicates", section="duplicates", options=_DUPLICATE_OPTIONS,
         requires=("corpus",), tables={"duplicate_clusters": "clusters"},
         description="near-duplicate documents; keep, collapse or weight them ([duplicates], or news exports)"),
    Step("tfidf", run_tfidf, section="groups", requires=("corpus",),
         tables={"distinctive_terms": "distinctive_terms", "document_similarity": "document_similarity"},
         figures=(_F + "figure_distinctive", _F + "figure_similarity"),
         description="counts, distinctive terms per group, document similarity"),
    Step("keyness", run_keyness, section="uncertainty", requires=("corpus",), tables={"keyness": "table"},
         figures=(_F + "figure_keyness", "textlab.study.figures_compare:figure_keyness_groups"),
         report=_R + "section_keyness", description="key terms between groups (the pair, and each group vs the rest)"),
    Step("model_selection", run_model_selection, section="lda", requires=("corpus",),
         tables={"model_selection": "table", "model_selection_summary": "summary"},
         figures=(_F + "figure_selection",), report=_R + "section_selection", description="choose K"),
    Step("topics", run_topics, section="lda", requires=("corpus",),
         tables={"stability": "stability", "topic_terms": "topic_terms",
                 "representative_passages": "representative_passages", "topic_map": "topic_map",
                 "passage_topics": "passage_topics"},
         figures=(_F + "figure_topics", _F + "figure_passage_topics"),
         description="refits at K across seeds, stability, labels, map"),
    Step("prevalence", run_prevalence, section="uncertainty", requires=("corpus", "topics"),
         tables={"prevalence_by_group": "by_group", "prevalence_difference": "difference",
                 "topic_divergence": "divergence", "prevalence_variance_components": "variance_components"},
         figures=(_F + "figure_prevalence", _F + "figure_topic_map"), report=_R + "section_prevalence",
         description="topic prevalence by group"),
    Step("frames", run_frames, section="frames", requires=("corpus",),
         tables={"frames_by_group": "by_group", "frames_by_passage": "by_passage", "frame_drivers": "drivers",
                 "frame_coverage": "coverage", "frames_difference": "difference"},
         figures=(_F + "figure_frames", "textlab.study.figures_compare:figure_frame_difference"),
         report=_R + "section_frames", description="frames from a codebook"),
    Step("duplicates_effect", "textlab.study.duplicates:run_duplicates_effect", section="duplicates",
         options=_DUPLICATE_OPTIONS, requires=("corpus", "duplicates"), tables={"duplicates_effect": "table"},
         report="textlab.study.duplicates:section_duplicates",
         description="headline numbers with every copy and de-duplicated"),
    Step("perspectives", run_perspectives, section="perspectives", requires=("corpus", "topics"),
         options={"enabled": True, "min_count": 5, "n_evidence": 2, "n_evidence_terms": 3},
         tables={"perspectives": "table", "perspectives_evidence": "evidence", "frame_wording": "frame_wording"},
         figures=("textlab.study.figures_compare:figure_perspectives",
                  "textlab.study.figures_compare:figure_frame_wording"),
         report="textlab.study.figures_compare:section_perspectives",
         description="wording within each topic and frame, compared between groups"),
    Step("guided_topics", "textlab.analysis.topics.guided:run_guided_step", section="guided",
         options={"codebook": "", "n_free_topics": 5, "boost": 1.0, "on_empty": "drop"}, requires=("corpus",),
         tables={"guided_keywords": "keywords", "guided_topics": "topics", "guided_agreement": "agreement",
                 "guided_passage_topics": "passage_topics"},
         report="textlab.analysis.topics.guided:section_guided",
         description="topics seeded from the codebook (skipped without a [guided] section)"),
    Step("effects", "textlab.study.effects:run_effects", section="effects", options=_EFFECT_OPTIONS,
         requires=("corpus",), tables={"effect_coefficients": "coefficients", "effect_marginal_means": "marginal_means",
                                       "effect_contrasts": "contrasts", "effect_predictions": "predictions"},
         figures=("textlab.study.effects:figure_effects",), report="textlab.study.effects:section_effects",
         description="topics and frames by source, time and covariates (skipped without an [effects] section)"),
]

_BUILTIN = {step.name for step in STEPS}


def get_step(name: str) -> Step:
    """The registered step called ``name``."""
    for step in STEPS:
        if step.name == name:
            return step
    raise ConfigError(f"step={name!r} is not registered; registered steps: {[s.name for s in STEPS]}")


def register_step(step: Step, *, after: str | None = None) -> Step:
    """Add ``step`` to the study (at the end, or right after the step named ``after``).

    Its table names must not clash with another step's.  Returns the step (usable as a decorator
    helper).  Registering a step with the name of a registered one replaces it.

    Examples
    --------
    >>> from textlab.data import Result
    >>> def count_passages(ctx):
    ...     return None  # a real step returns a Result
    >>> step = register_step(Step("passage_count", count_passages, tables={}))
    >>> [s.name for s in STEPS][-1]
    'passage_count'
    >>> unregister_step("passage_count")
    """
    if not isinstance(step, Step):
        raise ConfigError(f"step={step!r} is not allowed: expected a textlab.study.steps.Step")
    others = [s for s in STEPS if s.name != step.name]
    taken = {t: s.name for s in others for t in s.tables}
    clash = sorted(t for t in step.tables if t in taken)
    if clash:
        raise ConfigError(f"step {step.name!r}: table name(s) {clash} already belong to step(s) "
                          f"{sorted({taken[t] for t in clash})}; choose other names")
    from textlab.study.config import _SCHEMA

    if step.options and step.section in _SCHEMA:
        raise ConfigError(f"step {step.name!r}: section [{step.section}] is textlab's own; give the step's "
                          "options their own section")
    position = len(others)
    if after is not None:
        names = [s.name for s in others]
        if after not in names:
            raise ConfigError(f"after={after!r} is not a registered step: expected one of {names}")
        position = names.index(after) + 1
    STEPS[:] = [*others[:position], step, *others[position:]]
    return step


def unregister_step(name: str) -> None:
    """Remove the step ``name`` (built-in steps cannot be removed)."""
    if name in _BUILTIN:
        raise ConfigError(f"step {name!r} is built in and cannot be removed")
    STEPS[:] = [s for s in STEPS if s.name != name]


def step_sections() -> dict[str, Mapping[str, Any]]:
    """Config sections owned by steps that declare options (built-in or registered): section -> defaults."""
    return {s.section: s.options for s in STEPS if s.section and s.options}
