"""A locked analysis plan: what a study will be run with, fixed (hashed) before any result is seen.

``textlab lock study.toml`` writes ``study.lock.json`` next to the study file: the sha256 of
the study file, of the codebook and of the stopword / alias / phrase files it names (the shipped
defaults included, so an edited default shows too), the seeds, the sha256 of ``requirements.lock``
when one is found, and the installed versions of the packages the results depend on.
:func:`check_lock` compares a run's inputs with that file; ``textlab analyze`` records the
outcome in ``provenance.json`` (``lock``) and the report states it on its first page, with every
deviation listed.

The lock is a record, not an enforcement: a run that deviates still runs, and says how it
deviates.  It does not hash the corpus (the plan is about how the data will be analysed).
"""

from __future__ import annotations

import datetime as _dt
import json
from pathlib import Path
from typing import Any

from textlab._errors import ConfigError, InputFileError
from textlab._io import sha256_file, write_json

__all__ = ["LOCK_NAME", "lock_path", "lock_study", "lock_record", "check_lock"]

LOCK_NAME = "study.lock.json"
LOCK_FORMAT = "textlab-lock"
_TOKEN_FILES = ("aliases", "extra_aliases", "stopwords", "user_phrases")


def lock_path(study_file: str | Path) -> Path:
    """The lock file of a study file: ``study.lock.json`` in the same folder (``<stem>.lock.json`` otherwise).

    Examples
    --------
    >>> lock_path("seeds/study.toml").name
    'study.lock.json'
    >>> lock_path("plans/pilot.toml").name
    'pilot.lock.json'
    """
    path = Path(study_file)
    return path.with_name(LOCK_NAME if path.stem == "study" else f"{path.stem}.lock.json")


def _default_file(option: str) -> Path | None:
    if option == "aliases":
        from textlab.preprocessing._text.aliases import DEFAULT_ALIASES_PATH

        return Path(DEFAULT_ALIASES_PATH)
    from textlab.preprocessing._text.pipeline import DEFAULT_PHRASES_PATH, DEFAULT_STOPWORDS_PATH

    return {"stopwords": Path(DEFAULT_STOPWORDS_PATH), "user_phrases": Path(DEFAULT_PHRASES_PATH)}.get(option)


def _named_files(config: Any) -> dict[str, Path]:
    """Role -> file for the codebook and the token files a config names (defaults resolved)."""
    from textlab.study.steps import codebook_path

    files: dict[str, Path] = {}
    codebook = codebook_path(config)
    if codebook is not None:
        files["codebook"] = Path(codebook)
    guided = (config.step_options or {}).get("guided", {}).get("codebook")
    if guided:
        path = Path(guided)
        files["guided_codebook"] = path if path.is_absolute() else Path(config.source).parent / path
    tokenizer = dict(config.tokenizer or {})
    for option in _TOKEN_FILES:
        value = tokenizer.get(option, "default" if option in ("aliases", "stopwords", "user_phrases") else None)
        if value == "default":
            path = _default_file(option)
        elif isinstance(value, str):
            path = Path(value) if Path(value).is_absolute() else Path(config.source).parent / value
        else:
            path = None  # an inline list or None: part of the study file, already hashed
        if path is not None:
            files[f"tokens.{option}"] = path
    return files


def _requirements_lock(start: Path) -> Path | None:
    """The nearest ``requirements.lock`` in the study's folder or above it, else beside textlab's source tree."""
    import textlab

    for folder in [start, *start.parents, Path(textlab.__file__).resolve().parents[1]]:
        candidate = folder / "requirements.lock"
        if candidate.is_file():
            return candidate
    return None


def lock_record(config: Any) -> dict[str, Any]:
    """What a lock holds for ``config`` (a :class:`~textlab.study.config.StudyConfig` read from a file).

    Keys: ``study_file``, ``files`` (role -> ``{"path", "sha256"}``), ``seeds``,
    ``requirements_lock`` (``{"path", "sha256"}`` or ``None``) and ``packages`` (name -> version).
    """
    from textlab.study.run import _package_versions

    if config.source is None:
        raise ConfigError("a lock needs a study read from a file (load_study_config(path)); this config has none")
    source = Path(config.source)
    files = {"study": {"path": source.name, "sha256": sha256_file(source)}}
    for role, path in _named_files(config).items():
        files[role] = {"path": str(path), "sha256": sha256_file(path) if path.is_file() else None}
    requirements = _requirements_lock(source.resolve().parent)
    return {
        "files": files,
        "seeds": {"random_state": config.random_state,
                  "selection_random_states": list(config.selection_random_states),
                  "stability_random_states": list(config.stability_random_states)},
        "requirements_lock": None if requirements is None else {"path": str(requirements),
                                                                "sha256": sha256_file(requirements)},
        "packages": _package_versions(),
    }


def lock_study(study_file: str | Path, *, out: str | Path | None = None) -> Path:
    """Write the lock of a study file (default :func:`lock_path`); return its path.

    Examples
    --------
    >>> path = lock_study("seeds/study.toml", out=tmp / "study.lock.json")  # doctest: +SKIP
    >>> check_lock(load_study_config("seeds/study.toml"), path)["status"]   # doctest: +SKIP
    'matches'
    """
    from textlab.study.config import load_study_config

    config = load_study_config(study_file)
    target = lock_path(study_file) if out is None else Path(out)
    record = {"format": LOCK_FORMAT, "version": 1,
              "created": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
              **lock_record(config)}
    return write_json(record, target)


def _read_lock(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputFileError(path, f"cannot be read as a textlab lock ({exc}); rewrite it with `textlab lock`") from None
    if not isinstance(data, dict) or data.get("format") != LOCK_FORMAT:
        raise InputFileError(path, "is not a textlab lock file; rewrite it with `textlab lock STUDY.toml`")
    return data


def _deviations(locked: dict[str, Any], now: dict[str, Any]) -> list[str]:
    out = []
    for role in sorted(set(locked.get("files", {})) | set(now["files"])):
        old, new = locked.get("files", {}).get(role), now["files"].get(role)
        if old is None:
            out.append(f"{role}: {new['path']} is used now but was not in the lock")
        elif new is None:
            out.append(f"{role}: {old['path']} was locked but is not used now")
        elif old.get("sha256") != new.get("sha256"):
            out.append(f"{role}: {new['path']} changed since the lock (sha256 {str(old.get('sha256'))[:12]} -> "
                       f"{str(new.get('sha256'))[:12]})")
    for name, value in now["seeds"].items():
        if locked.get("seeds", {}).get(name) != value:
            out.append(f"seeds: {name} = {value} (locked: {locked.get('seeds', {}).get(name)})")
    old_req, new_req = locked.get("requirements_lock"), now["requirements_lock"]
    if (old_req or {}).get("sha256") != (new_req or {}).get("sha256"):
        out.append("requirements.lock differs from the one locked" if old_req and new_req
                   else f"requirements.lock {'missing now' if old_req else 'not in the lock'}")
    for name in sorted(set(locked.get("packages", {})) | set(now["packages"])):
        old, new = locked.get("packages", {}).get(name), now["packages"].get(name)
        if old != new:
            out.append(f"package {name}: {new} installed, {old} locked")
    return out


def check_lock(config: Any, path: str | Path | None = None) -> dict[str, Any]:
    """Compare a run's inputs with its lock.

    Parameters
    ----------
    config
        The study config of the run (read from a file).
    path
        The lock file (default: :func:`lock_path` of ``config.source``).

    Returns
    -------
    dict
        ``status``: ``"matches"``, ``"deviates"`` or ``"no lock"``; ``lock_file``; ``created``;
        ``deviations``: one sentence per difference (empty when it matches).
    """
    if config.source is None:
        return {"status": "no lock", "lock_file": None, "created": None, "deviations": []}
    path = lock_path(config.source) if path is None else Path(path)
    if not path.is_file():
        return {"status": "no lock", "lock_file": str(path), "created": None, "deviations": []}
    locked = _read_lock(path)
    deviations = _deviations(locked, lock_record(config))
    return {"status": "deviates" if deviations else "matches", "lock_file": str(path),
            "created": locked.get("created"), "deviations": deviations}
