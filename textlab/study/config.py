"""Study configuration: one TOML file names the corpus, the grouping and every option.

A study config is the unit of reproducibility: the same file gives the same
numbers on every rerun.  Every option has a default; the file only needs to
name the corpus and the grouping column.

Example
-------
.. code-block:: toml

    [corpus]
    path = "metadata.csv"          # relative to this file

    [groups]
    column = "outlet"
    contrast = ["left", "right"]   # differences are left minus right

    [frames]
    codebook = "frames.toml"       # without it the frames step is skipped

    [compute]
    store = "auto"                 # "memory" | "disk" | "auto" (by corpus size)
    n_jobs = -1                    # all cores

    [figures]
    formats = ["pdf", "png"]
    dpi = 300
    colors = { left = "#D55E00", right = "#0072B2" }

    [report]
    title = "How do left and right outlets frame the subject?"
    caveats = ["Outlets were assigned to sides by ..."]
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from textlab._errors import ConfigError
from textlab._io import read_toml
from textlab.preprocessing._formats import group_label
from textlab.study._schema import check_study_file

__all__ = ["StudyConfig", "load_study_config", "STORES", "FIGURE_FORMATS"]

#: Values of ``[compute] store``.
STORES = ("auto", "memory", "disk")
#: Values of ``[figures] formats``.
FIGURE_FORMATS = ("pdf", "png", "svg")
_HEX = re.compile(r"#[0-9A-Fa-f]{6}")


@dataclass(frozen=True)
class StudyConfig:
    """Every choice a study makes, with defaults suited to small corpora.

    Attributes
    ----------
    corpus_path
        Metadata CSV, folder of ``.txt`` files, or CSV/JSONL/Parquet table.
    group_column
        Metadata column whose values define the groups compared.
    contrast
        ``(group_a, group_b)``: differences are reported as a minus b.
        ``None`` compares each group with the rest.
    text_column, id_column, encoding
        How to read the corpus.
    clean_disable
        Cleaning rules to switch off (see :mod:`textlab.preprocessing.clean`).
    corpus_format, clean_profile, clean_patterns
        ``[corpus] format`` (``"auto"``, ``"nexis"``, ``"factiva"``, ``"proquest"``, ``"standard"``),
        ``[clean] profile`` (``"auto"``, ``"web"``, ``"news_export"``, ``"plain"``) and ``[clean]
        patterns`` (the study's removal patterns, regular expressions).
    max_words, min_words
        Passage size limits.
    tokenizer
        Keyword options for :class:`textlab.preprocessing.tokens.TokenizerOptions`.
    n_topics
        A fixed number of topics, or ``None`` to choose it by model selection.
    n_topics_range
        ``(low, high)`` inclusive range of K tried by model selection.
    selection_random_states
        Seeds fitted per K during model selection.
    stability_random_states
        Seeds refitted at the chosen K for stability and prevalence.
    lda
        Extra keyword options for :func:`textlab.analysis.topics.lda.fit_lda`.
    lda_sample_above, lda_sample_size, lda_sample_strata
        ``[lda] sample_above``, ``sample_size``, ``sample_strata``: above ``sample_above`` passages
        (0: never) topic models are fitted on a stratified sample of ``sample_size`` passages
        (strata: these columns, default the group column) and every passage's topics are then
        inferred with the topics frozen (:mod:`textlab.analysis.topics.sampled`).
    lda_fit
        ``[lda] fit``: ``"auto"`` (default: as above) or ``"distributed"``: the topics step fits every
        passage by gensim's variational Bayes with the E-step on the workers of ``[compute]``
        (:func:`textlab.analysis.topics.distributed.fit_distributed_lda`); no sample.
    counts_path, counts_vocabulary
        ``[corpus] counts`` (and ``vocabulary`` for a ``.npz`` matrix): read the corpus as counts
        only (:func:`textlab.store.load.load_counts`); ``[corpus] path`` then names the documents'
        metadata table (``doc_id`` and the group column). Steps that need running text are skipped.
    n_boot, n_perm, n_draws
        Bootstrap replicates, permutations (the most any term gets: keyness permutes sequentially,
        so terms far from significance stop early and p down to ``1 / (n_perm + 1)`` stays
        reachable) and posterior draws.
    resampling_unit
        ``"document"`` (falls back to passages for groups with one document) or ``"passage"``.
    max_units
        ``[uncertainty] max_units``: most resampling units per group in keyness (default 1,000);
        a group with more documents is resampled in random blocks of documents
        (:mod:`textlab.stats.blocks`, ``resampling_unit = "document_block"`` in the table).
    ci_level
        Width of every interval.
    codebook
        Path to a frame codebook (TOML), or ``"default"`` for textlab's generic one (Semetko &
        Valkenburg's five news frames as keyword lists; docs/codebook.md). ``None`` (not set): the frames step is
        skipped, with a warning saying how to set one.
    random_state
        Seed for every resampling step.
    store
        ``[compute] store``: where counts live, ``"memory"``, ``"disk"`` or ``"auto"`` (by corpus size).
    cache_dir
        ``[compute] cache_dir``: folder for the on-disk store (``None``: a folder next to the results).
    n_jobs
        ``[compute] n_jobs``: worker processes for topic-model fits (``-1``: all cores).
    scheduler, address, n_workers, jobqueue
        ``[compute]``: ``scheduler = "dask"`` runs the study on a Dask cluster: a running
        scheduler (``address = "tcp://host:port"``), a local cluster of ``n_workers`` processes,
        or a ``dask-jobqueue`` cluster (``jobqueue = {kind = "slurm", ...}``); see
        :class:`textlab.compute.ClusterSpec` and docs/cluster.md. Tables are identical to a
        one-process run.
    figure_formats, figure_dpi, figure_colors
        ``[figures] formats``, ``dpi`` and ``colors`` (``{group: "#RRGGBB"}``; other groups get the
        colour-blind-safe palette of :func:`textlab.plots.group_colors`).
    report_title, report_caveats
        ``[report] title`` and ``caveats`` (study-specific sentences listed first among the caveats).
    step_options
        Options of the sections owned by steps registered outside textlab (section -> options).
    fast
        ``True`` for a quick-look run (``--fast``): fewer seeds and replicates, not for publication.
    source
        The config file, if read from one.
    """

    corpus_path: Path
    group_column: str
    contrast: tuple[str, str] | None = None
    text_column: str = "text"
    id_column: str = "doc_id"
    encoding: str = "utf-8"
    clean_disable: tuple[str, ...] = ()
    corpus_format: str = "auto"
    clean_profile: str = "auto"
    clean_patterns: tuple[str, ...] = ()
    max_words: int = 120
    min_words: int = 12
    tokenizer: dict[str, Any] = field(default_factory=dict)
    n_topics: int | None = None
    n_topics_range: tuple[int, int] | None = None
    selection_random_states: tuple[int, ...] = (0, 1, 2)
    stability_random_states: tuple[int, ...] = (0, 1, 2, 3, 4)
    lda: dict[str, Any] = field(default_factory=dict)
    lda_sample_above: int = 100_000  # textlab.analysis.topics.sampled.SAMPLE_ABOVE
    lda_sample_size: int = 20_000  # textlab.analysis.topics.sampled.SAMPLE_SIZE
    lda_sample_strata: tuple[str, ...] | None = None
    lda_fit: str = "auto"  # "distributed": every passage in the fit (textlab.analysis.topics.distributed)
    counts_path: str | None = None
    counts_vocabulary: str | None = None
    n_boot: int = 500
    n_perm: int = 10_000
    n_draws: int = 200
    resampling_unit: str = "document"
    max_units: int = 1000  # textlab.stats.blocks.MAX_UNITS
    ci_level: float = 0.95
    codebook: str | None = None
    random_state: int = 0
    store: str = "auto"
    cache_dir: str | None = None
    n_jobs: int = -1
    scheduler: str = "local"
    address: str | None = None
    n_workers: int | None = None
    jobqueue: dict[str, Any] = field(default_factory=dict)
    figure_formats: tuple[str, ...] = ("pdf", "png")
    figure_dpi: int = 300
    figure_colors: dict[str, str] = field(default_factory=dict)
    report_title: str | None = None
    report_caveats: tuple[str, ...] = ()
    fast: bool = False
    step_options: dict[str, dict[str, Any]] = field(default_factory=dict)
    source: Path | None = None

    def __post_init__(self) -> None:
        for name in ("max_words", "min_words", "n_boot", "n_perm", "n_draws", "random_state", "max_units"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool):
                raise ConfigError(f"{name}={value!r} is not allowed: expected an integer")
        if not 1 <= self.min_words <= self.max_words:
            raise ConfigError(f"min_words={self.min_words!r}, max_words={self.max_words!r} are not allowed: "
                              "expected 1 <= min_words <= max_words")
        if self.resampling_unit not in ("document", "passage"):
            raise ConfigError(
                f"resampling_unit={self.resampling_unit!r} is not allowed: expected 'document' or 'passage'"
            )
        if self.n_topics_range is not None:
            bounds = self.n_topics_range
            if (len(bounds) != 2 or not all(isinstance(b, int) and not isinstance(b, bool) for b in bounds)
                    or not 2 <= bounds[0] <= bounds[1]):
                raise ConfigError(f"n_topics_range={list(bounds)!r} is not allowed: expected [low, high] with "
                                  "2 <= low <= high (or leave it unset to scale the range with the corpus)")
        if self.n_topics is not None and self.n_topics < 2:
            raise ConfigError(f"n_topics={self.n_topics!r} is not allowed: expected an integer >= 2")
        if not 0 < self.ci_level < 1:
            raise ConfigError(f"ci_level={self.ci_level!r} is not allowed: expected a number between 0 and 1")
        if self.max_units < 2:
            raise ConfigError(f"max_units={self.max_units!r} is not allowed: expected an integer >= 2")
        for name in ("n_boot", "n_perm", "n_draws"):
            if getattr(self, name) < 1:
                raise ConfigError(f"{name}={getattr(self, name)!r} is not allowed: expected a positive integer")
        if self.contrast is not None and (isinstance(self.contrast, str) or len(self.contrast) != 2):
            raise ConfigError(f"contrast={self.contrast!r} is not allowed: expected two group names")
        if self.contrast is not None:  # groups are compared as they print: 1.0, "1.0" and 1 are "1"
            object.__setattr__(self, "contrast", tuple(group_label(g) for g in self.contrast))
        if not self.selection_random_states or not self.stability_random_states:
            raise ConfigError("random_states lists must not be empty")
        self._check_compute()
        self._check_figures_and_report()

    def _check_compute(self) -> None:
        if self.store not in STORES:
            raise ConfigError(f"[compute] store = {self.store!r} is not allowed: expected one of {list(STORES)}")
        if self.cache_dir is not None and not isinstance(self.cache_dir, str | Path):
            raise ConfigError(f"[compute] cache_dir = {self.cache_dir!r} is not allowed: expected a folder path")
        n_jobs = self.n_jobs
        if not isinstance(n_jobs, int) or isinstance(n_jobs, bool) or n_jobs == 0 or n_jobs < -1:
            raise ConfigError(f"[compute] n_jobs = {n_jobs!r} is not allowed: expected a positive integer, "
                              "or -1 for all cores")
        self.cluster()

    def cluster(self) -> Any:
        """The :class:`textlab.compute.ClusterSpec` of ``[compute] scheduler/address/n_workers/jobqueue``."""
        from textlab.compute.spec import ClusterSpec

        return ClusterSpec(self.scheduler, self.address, self.n_workers, dict(self.jobqueue or {}))

    def _check_figures_and_report(self) -> None:
        formats = self.figure_formats
        if (isinstance(formats, str) or not formats
                or not all(isinstance(f, str) and f in FIGURE_FORMATS for f in formats)):
            raise ConfigError(f"[figures] formats = {formats!r} is not allowed: expected a non-empty list of "
                              f"{list(FIGURE_FORMATS)}, e.g. [\"pdf\", \"png\"]")
        dpi = self.figure_dpi
        if not isinstance(dpi, int) or isinstance(dpi, bool) or not 30 <= dpi <= 2400:
            raise ConfigError(f"[figures] dpi = {dpi!r} is not allowed: expected an integer from 30 to 2400")
        colors = self.figure_colors
        if not isinstance(colors, dict) or not all(
                isinstance(k, str) and isinstance(v, str) and _HEX.fullmatch(v) for k, v in colors.items()):
            raise ConfigError(f"[figures] colors = {colors!r} is not allowed: expected a table of group = "
                              "\"#RRGGBB\", e.g. colors = { left = \"#D55E00\" }")
        if self.report_title is not None and not isinstance(self.report_title, str):
            raise ConfigError(f"[report] title = {self.report_title!r} is not allowed: expected a string")
        if not all(isinstance(c, str) for c in self.report_caveats) or isinstance(self.report_caveats, str):
            raise ConfigError(f"[report] caveats = {self.report_caveats!r} is not allowed: expected a list of "
                              "sentences")

    def rerun_command(self, command: str = "analyze", out: str | None = None) -> str:
        """The command line that reruns this study (``--fast`` included when it was a quick look).

        Examples
        --------
        >>> StudyConfig(corpus_path=Path("c.csv"), group_column="g", fast=True).rerun_command("figures", "figs")
        'textlab figures STUDY.toml --out figs --fast'
        """
        source = "STUDY.toml" if self.source is None else f"{Path(self.source).parent.name}/{Path(self.source).name}"
        parts = ["textlab", command, source]
        if out is not None:
            parts += ["--out", out]
        if self.fast:
            parts.append("--fast")
        return " ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        """The configuration as plain JSON-ready values (for provenance)."""
        data = asdict(self)
        data["corpus_path"] = str(self.corpus_path)
        data["source"] = None if self.source is None else str(self.source)
        return data

    def replace(self, **changes: Any) -> StudyConfig:
        """A copy with some options changed (the original is unchanged)."""
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        unknown = set(changes) - set(data)
        if unknown:
            raise ConfigError(f"unknown option(s) {sorted(unknown)}; valid options: {sorted(data)}")
        data.update(changes)
        return StudyConfig(**data)


# TOML section -> {key in file: attribute}
_SCHEMA: dict[str, dict[str, str]] = {
    "corpus": {"path": "corpus_path", "text_column": "text_column", "id_column": "id_column", "encoding": "encoding",
               "format": "corpus_format", "counts": "counts_path", "vocabulary": "counts_vocabulary"},
    "groups": {"column": "group_column", "contrast": "contrast"},
    "clean": {"disable": "clean_disable", "profile": "clean_profile", "patterns": "clean_patterns"},
    "passages": {"max_words": "max_words", "min_words": "min_words"},
    "tokens": {},  # passed through to TokenizerOptions
    "lda": {
        "n_topics": "n_topics",
        "n_topics_range": "n_topics_range",
        "selection_random_states": "selection_random_states",
        "stability_random_states": "stability_random_states",
        "sample_above": "lda_sample_above",
        "sample_size": "lda_sample_size",
        "sample_strata": "lda_sample_strata",
        "fit": "lda_fit",
    },
    "uncertainty": {
        "n_boot": "n_boot",
        "n_perm": "n_perm",
        "n_draws": "n_draws",
        "resampling_unit": "resampling_unit",
        "max_units": "max_units",
        "ci_level": "ci_level",
        "random_state": "random_state",
    },
    "frames": {"codebook": "codebook"},
    "compute": {"store": "store", "cache_dir": "cache_dir", "n_jobs": "n_jobs", "scheduler": "scheduler",
                "address": "address", "n_workers": "n_workers", "jobqueue": "jobqueue"},
    "figures": {"formats": "figure_formats", "dpi": "figure_dpi", "colors": "figure_colors"},
    "report": {"title": "report_title", "caveats": "report_caveats"},
}

_TUPLES = {"contrast", "clean_disable", "clean_patterns", "n_topics_range", "selection_random_states", "stability_random_states",
           "figure_formats", "report_caveats", "lda_sample_strata"}


def _tokenizer_options() -> set[str]:
    from dataclasses import fields

    from textlab.preprocessing.tokens import TokenizerOptions

    return {f.name for f in fields(TokenizerOptions)}


def _lda_options() -> set[str]:
    """``fit_lda`` keywords a config may set (the study sets the others itself)."""
    import inspect

    from textlab.analysis.topics.lda import fit_lda

    own = {"corpus", "n_topics", "random_state", "dictionary", "passage_ids", "progress", "keep_model"}
    return set(inspect.signature(fit_lda).parameters) - own


def _tokens_section(path: Path, content: dict) -> dict[str, Any]:
    """``[tokens]``: TokenizerOptions keywords; resource files relative to the config."""
    tokenizer = dict(content)
    allowed = _tokenizer_options()
    for key in tokenizer:
        if key not in allowed:
            raise ConfigError(f"{path}: unknown option {key!r} in [tokens]; valid options: {sorted(allowed)}")
    for key in ("aliases", "stopwords", "user_phrases"):
        value = tokenizer.get(key)
        if isinstance(value, str) and value != "default" and not Path(value).is_absolute():
            tokenizer[key] = str((path.parent / value).resolve())
    return tokenizer


def _step_section(path: Path, section: str, content: dict, defaults: Any) -> dict[str, Any]:
    """Check a registered step's section: known keys, each of its default's type."""
    out = {}
    for key, value in content.items():
        if key not in defaults:
            raise ConfigError(f"{path}: unknown option {key!r} in [{section}]; valid options: {sorted(defaults)}")
        default = defaults[key]
        expected = (int, float) if isinstance(default, float) else type(default)
        if default is not None and (not isinstance(value, expected) or isinstance(value, bool) != isinstance(default, bool)):
            raise ConfigError(f"{path}: [{section}] {key} = {value!r} is not allowed: expected "
                              f"{type(default).__name__} (like the default {default!r})")
        out[key] = value
    return out


def load_study_config(path: str | Path) -> StudyConfig:
    """Read a study configuration from a TOML file.

    Parameters
    ----------
    path
        The TOML file. Relative paths inside it are resolved against its folder.

    Returns
    -------
    StudyConfig

    Raises
    ------
    InputFileError
        If the file is missing or not valid TOML.
    ConfigError
        If a section or key is unknown, or a value is not allowed.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "study.toml").write_text('[corpus]\\npath = "texts"\\n[groups]\\ncolumn = "outlet"\\n')
    >>> load_study_config(folder / "study.toml").group_column
    'outlet'
    """
    path = Path(path)
    raw = read_toml(path, missing="study config not found")
    check_study_file(path, raw)  # every declared value's type and range, before anything is read

    values: dict[str, Any] = {"source": path.resolve()}
    from textlab.study.steps import step_sections

    extra = step_sections()
    for section, content in raw.items():
        if section not in _SCHEMA and section not in extra:
            raise ConfigError(f"{path}: unknown section [{section}]; valid sections: {sorted({*_SCHEMA, *extra})}")
        if not isinstance(content, dict):
            raise ConfigError(f"{path}: [{section}] must be a table of options")
        if section in extra:
            values.setdefault("step_options", {})[section] = _step_section(path, section, content, extra[section])
            continue
        if section == "tokens":
            values["tokenizer"] = _tokens_section(path, content)
            continue
        mapping = _SCHEMA[section]
        for key, value in content.items():
            if key in mapping:
                attribute = mapping[key]
                values[attribute] = tuple(value) if attribute in _TUPLES and isinstance(value, list) else value
            elif section == "lda" and key in _lda_options():
                values.setdefault("lda", {})[key] = value
            elif section == "lda":
                raise ConfigError(
                    f"{path}: unknown option {key!r} in [lda]; valid options: {sorted(set(mapping) | _lda_options())}"
                )
            else:
                raise ConfigError(f"{path}: unknown option {key!r} in [{section}]; valid options: {sorted(mapping)}")

    for required, where in (("corpus_path", "[corpus] path"), ("group_column", "[groups] column")):
        if required not in values:
            raise ConfigError(f"{path}: missing {where}")
    cache_dir = values.get("cache_dir")
    if isinstance(cache_dir, str) and not Path(cache_dir).expanduser().is_absolute():
        values["cache_dir"] = str((path.parent / cache_dir).resolve())
    for key in ("counts_path", "counts_vocabulary"):  # [corpus] counts / vocabulary: relative to the study file
        if isinstance(values.get(key), str) and not Path(values[key]).expanduser().is_absolute():
            values[key] = str((path.parent / values[key]).resolve())
    codebook = values.get("codebook")
    if codebook is not None and codebook != "default" and not Path(codebook).is_absolute():
        values["codebook"] = str((path.parent / codebook).resolve())
    corpus_path = Path(values["corpus_path"])
    if not corpus_path.is_absolute():
        corpus_path = (path.parent / corpus_path).resolve()
    values["corpus_path"] = corpus_path
    try:
        return StudyConfig(**values)
    except TypeError as exc:  # wrong value types, e.g. a string for n_boot
        raise ConfigError(f"{path}: {exc}") from exc
    except ConfigError as exc:  # a value StudyConfig refuses: say which file
        raise ConfigError(f"{path}: {exc}") from None
