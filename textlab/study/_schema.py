"""The study file's schema, declared once: every value's type, range and allowed values, checked at load.

:func:`check_study_file` runs on the parsed TOML before anything else is read, so a wrong-type
value (``n_topics_range = 5``, ``phrases = "false"``, ``disable = "pull_quote"``, a string seed
list) is one line naming the file, the section, the key, the value and what is allowed, and no
corpus is read first. Keys not declared here (options of registered steps, ``[compute]`` cluster
options) are checked by their owners; unknown sections and keys are refused by
:func:`textlab.study.config.load_study_config`.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from textlab._errors import ConfigError, TextlabError
from textlab.preprocessing._formats import group_label

__all__ = ["SCHEMA", "check_study_file", "check_study_paths", "group_label"]

Check = tuple[Callable[[Any], bool], str]


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _int(low: int | None = None, high: int | None = None) -> Check:
    words = ("an integer" + (f" >= {low}" if low is not None and high is None else "")
             + (f" from {low} to {high}" if low is not None and high is not None else ""))
    return (lambda v: _is_int(v) and (low is None or v >= low) and (high is None or v <= high)), words


def _text(what: str = "a non-empty string") -> Check:
    return (lambda v: isinstance(v, str) and bool(v.strip())), what


def _choice(*allowed: str) -> Check:
    return (lambda v: isinstance(v, str) and v in allowed), "one of " + ", ".join(repr(a) for a in allowed)


def _seeds() -> Check:
    return (lambda v: isinstance(v, list) and len(v) >= 1 and all(_is_int(s) and s >= 0 for s in v)
            and len(set(v)) == len(v)), "a non-empty list of distinct integers >= 0, e.g. [0, 1, 2]"


def _codec(value: Any) -> bool:
    try:
        codecs.lookup(value)
    except (LookupError, TypeError):
        return False
    return isinstance(value, str)


def _is_label(value: Any) -> bool:
    return (isinstance(value, str) and bool(value.strip())) or isinstance(value, float | int) and not isinstance(
        value, bool)


_HEX = re.compile(r"#[0-9A-Fa-f]{6}")

#: section -> key -> (test, what is allowed). One place for every built-in option of a study file.
SCHEMA: dict[str, dict[str, Check]] = {
    "corpus": {
        "path": _text("a file or folder path (a non-empty string)"),
        "text_column": _text("a column name (a non-empty string)"),
        "id_column": _text("a column name (a non-empty string)"),
        "encoding": (_codec, "a Python codec name such as \"utf-8\" or \"latin-1\""),
        "counts": _text("a counts file: a long (doc_id, term, count) .parquet/.csv/.tsv table or a .npz matrix"),
        "vocabulary": _text("a file of terms, one per line, for a .npz counts matrix"),
    },
    "groups": {
        "column": _text("a metadata column name (a non-empty string)"),
        "contrast": ((lambda v: isinstance(v, list) and len(v) == 2 and all(_is_label(g) for g in v)
                      and group_label(v[0]) != group_label(v[1])),
                     "a list of two different group values, e.g. [\"left\", \"right\"] (numbers as they print: "
                     "[\"1\", \"0\"] or [1, 0] for a 0/1 column)"),
    },
    "clean": {"disable": ((lambda v: isinstance(v, list) and all(isinstance(r, str) for r in v)),
                          "a list of rule names, e.g. [\"pull_quote\"]")},
    "passages": {"max_words": _int(1), "min_words": _int(1)},
    "lda": {
        "n_topics": _int(2),
        "n_topics_range": ((lambda v: isinstance(v, list) and len(v) == 2 and all(_is_int(b) for b in v)
                            and 2 <= v[0] <= v[1]), "[low, high] with integers 2 <= low <= high, e.g. [3, 8]"),
        "selection_random_states": _seeds(),
        "stability_random_states": _seeds(),
        "sample_above": _int(0),
        "sample_size": _int(100),
        "sample_strata": ((lambda v: isinstance(v, list) and all(isinstance(c, str) and c for c in v)),
                          "a list of metadata column names, e.g. [\"outlet\", \"year\"]"),
        "fit": _choice("auto", "distributed"),
    },
    "uncertainty": {
        "n_boot": _int(1), "n_perm": _int(1), "n_draws": _int(1),
        "resampling_unit": _choice("document", "passage"),
        "max_units": _int(2),
        "ci_level": ((lambda v: isinstance(v, float | int) and not isinstance(v, bool) and 0 < v < 1),
                     "a number between 0 and 1, e.g. 0.95"),
        "random_state": _int(0),
    },
    "frames": {"codebook": _text("a codebook TOML path, or \"default\"")},
    "compute": {
        "store": _choice("auto", "memory", "disk"),
        "cache_dir": _text("a folder path (a non-empty string)"),
        "n_jobs": ((lambda v: _is_int(v) and (v == -1 or v >= 1)), "a positive integer, or -1 for all cores"),
    },
    "figures": {
        "formats": ((lambda v: isinstance(v, list) and len(v) >= 1 and all(f in ("pdf", "png", "svg") for f in v)),
                    "a non-empty list of \"pdf\", \"png\", \"svg\""),
        "dpi": _int(30, 2400),
        "colors": ((lambda v: isinstance(v, dict) and all(isinstance(c, str) and _HEX.fullmatch(c) for c in v.values())),
                   "a table of group = \"#RRGGBB\", e.g. colors = { left = \"#D55E00\" }"),
    },
    "report": {
        "title": ((lambda v: isinstance(v, str)), "a string"),
        "caveats": ((lambda v: isinstance(v, list) and all(isinstance(c, str) for c in v)), "a list of sentences"),
    },
}


def _fail(path: Path, section: str, key: str, value: Any, allowed: str) -> ConfigError:
    return ConfigError(f"{path}: [{section}] {key} = {value!r} is not allowed: expected {allowed}")


def _check_tokens(path: Path, content: dict[str, Any]) -> None:
    """``[tokens]``: each option of the type of its default, then TokenizerOptions' own checks."""
    from dataclasses import fields

    from textlab.preprocessing.tokens import TokenizerOptions

    defaults = {f.name: f.default for f in fields(TokenizerOptions)}
    for key, value in content.items():
        if key not in defaults:
            continue  # unknown keys: refused by the loader with the list of valid ones
        default = defaults[key]
        if isinstance(default, bool):
            ok, what = isinstance(value, bool), "true or false (not a string)"
        elif isinstance(default, int):
            ok, what = _is_int(value), "an integer"
        elif isinstance(default, float):
            ok, what = isinstance(value, int | float) and not isinstance(value, bool), "a number"
        elif key in ("stopwords", "user_phrases"):
            ok = (isinstance(value, str) and bool(value.strip())) or (
                isinstance(value, list) and all(isinstance(w, str) for w in value))
            what = "\"default\", \"none\", a file path, or a list of words"
        elif key == "aliases":
            ok, what = isinstance(value, str | dict) and bool(value), "\"default\", \"none\", a file path or a table"
        elif key == "extra_stopwords":
            ok, what = isinstance(value, list) and all(isinstance(w, str) for w in value), "a list of words"
        elif key == "extra_aliases":
            ok, what = isinstance(value, dict), "a table of canonical = [\"variant\", ...]"
        else:
            ok, what = isinstance(value, str), "a string"
        if not ok:
            raise _fail(path, "tokens", key, value, what)
        if isinstance(default, str) and key not in ("stopwords", "user_phrases", "aliases"):
            try:
                TokenizerOptions(**{key: value})
            except TextlabError as exc:
                raise ConfigError(f"{path}: [tokens] {exc}") from None


def _check_lda_extras(path: Path, content: dict[str, Any]) -> None:
    """``[lda]`` options passed on to ``fit_lda``: each validated by fit_lda's own checks."""
    import inspect

    from textlab.analysis.topics import lda

    signature = inspect.signature(lda.fit_lda).parameters
    base = {name: p.default for name, p in signature.items() if p.default is not inspect.Parameter.empty}
    base.update(n_topics=2, random_state=0)
    for key, value in content.items():
        if key in SCHEMA["lda"] or key not in base or key in ("dictionary", "passage_ids", "progress", "keep_model"):
            continue
        if isinstance(value, bool) != isinstance(base[key], bool) and base[key] is not None:
            raise _fail(path, "lda", key, value, f"a value like fit_lda's default {base[key]!r}")
        try:
            lda._options(**{**base, key: value})
        except TextlabError as exc:
            raise ConfigError(f"{path}: [lda] {exc}") from None
        except (TypeError, ValueError):
            raise _fail(path, "lda", key, value, f"a value like fit_lda's default {base[key]!r}") from None


def check_study_paths(config: Any) -> None:
    """The files a loaded study names exist: its corpus and its codebook (the CLI checks before any work).

    Examples
    --------
    >>> from textlab.study.config import StudyConfig
    >>> check_study_paths(StudyConfig(corpus_path=Path("nowhere.csv"), group_column="g"))
    Traceback (most recent call last):
    ...
    textlab._errors.ConfigError: [corpus] path: nowhere.csv does not exist
    """
    where = f"{config.source}: " if config.source is not None else ""
    if not Path(config.corpus_path).exists():
        raise ConfigError(f"{where}[corpus] path: {config.corpus_path} does not exist")
    codebook = config.codebook
    if codebook is not None and codebook != "default" and not Path(codebook).is_file():
        raise ConfigError(f"{where}[frames] codebook: {codebook} is not a file; give a codebook TOML "
                          "(see docs/codebook.md) or \"default\"")


def check_study_file(path: Path, raw: dict[str, Any]) -> None:
    """Check every declared value of a parsed study file; raise one ConfigError naming the first bad one.

    Parameters
    ----------
    path
        The study file (named in the message).
    raw
        The parsed TOML.

    Raises
    ------
    ConfigError
        ``"<file>: [section] key = value is not allowed: expected ..."``.

    Examples
    --------
    >>> check_study_file(Path("study.toml"), {"lda": {"n_topics_range": [3, 8]}})
    >>> check_study_file(Path("study.toml"), {"lda": {"n_topics_range": 5}})
    Traceback (most recent call last):
    ...
    textlab._errors.ConfigError: study.toml: [lda] n_topics_range = 5 is not allowed: expected [low, high] with integers 2 <= low <= high, e.g. [3, 8]
    """
    for section, content in raw.items():
        if not isinstance(content, dict):
            raise ConfigError(f"{path}: [{section}] must be a table of options (a [{section}] header), "
                              f"not {section} = {content!r}")
        for key, value in content.items():
            check = SCHEMA.get(section, {}).get(key)
            if check is not None and not check[0](value):
                raise _fail(path, section, key, value, check[1])
    passages = raw.get("passages", {})
    low, high = passages.get("min_words", 12), passages.get("max_words", 120)
    if low > high:
        raise ConfigError(f"{path}: [passages] min_words = {low!r}, max_words = {high!r} are not allowed: "
                          "expected min_words <= max_words")
    disable = raw.get("clean", {}).get("disable")
    if disable:
        from textlab.preprocessing.clean import _RULES

        unknown = [r for r in disable if r not in _RULES]
        if unknown:
            raise _fail(path, "clean", "disable", disable, "rule names among " + ", ".join(_RULES))
    patterns = raw.get("clean", {}).get("patterns")
    if patterns is not None:
        from textlab._regex import compile_user_pattern

        if not isinstance(patterns, list):
            raise _fail(path, "clean", "patterns", patterns, "a list of regular expressions, e.g. [\"^Copyright \"]")
        for pattern in patterns:
            compile_user_pattern(pattern, f"{path}: [clean] patterns")
    if "tokens" in raw:
        _check_tokens(path, raw["tokens"])
    if "lda" in raw:
        _check_lda_extras(path, raw["lda"])
