"""Frame codebooks: frames and the words or phrases that signal them, read from TOML or a mapping.

:func:`load_codebook` reads and checks a codebook (a table per frame with ``terms`` and an optional
``description``); :func:`default_codebook_path` is textlab's generic one (Semetko & Valkenburg's five
news frames).  :func:`textlab.analysis.frames.score_frames` counts them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from textlab._errors import ConfigError
from textlab._io import read_toml, sha256_file, sha256_text

__all__ = ["Codebook", "load_codebook", "default_codebook_path"]


_FRAME_KEYS = {"terms", "description"}
_TOP_KEYS = {"frames", "name", "description", "version", "source", "notes"}


@dataclass(frozen=True)
class Codebook:
    """Frames and the terms or phrases that signal them.

    Attributes
    ----------
    frames
        Frame name -> entries (words or phrases as the researcher wrote them).
    descriptions
        Frame name -> what the frame means (may be empty).
    params
        ``source`` (file path or ``"mapping"``), ``sha256`` of the source, ``name``, ``version``.
    """

    frames: dict[str, tuple[str, ...]]
    descriptions: dict[str, str] = field(default_factory=dict)
    params: dict = field(default_factory=dict)


def default_codebook_path() -> Path:
    """Path of textlab's generic codebook: Semetko & Valkenburg's (2000) five news frames.

    Examples
    --------
    >>> default_codebook_path().name
    'codebook_news_frames.toml'
    """
    return Path(str(resources.files("textlab").joinpath("resources", "codebook_news_frames.toml")))


def load_codebook(source: str | Path | Mapping) -> Codebook:
    """Read a codebook from a TOML file or a mapping.

    Parameters
    ----------
    source
        A TOML file with one table per frame::

            [frames.economic_consequences]
            description = "Costs, jobs, prices and profits: what an event does to the economy"
            terms = ["cost", "jobs", "price rise", "U.S. economy"]

        or a mapping in the same shape (``{"frames": {name: {"terms": [...]}}}``) or the
        short form ``{name: [terms]}``.

    Returns
    -------
    Codebook

    Raises
    ------
    InputFileError
        The file does not exist or is not valid TOML.
    ConfigError
        A frame without terms, a term that is not a non-empty string, an unknown key.

    Examples
    --------
    >>> book = load_codebook({"economy": ["investment", "jobs"], "talent": ["skills"]})
    >>> book.frames["economy"]
    ('investment', 'jobs')
    >>> sorted(load_codebook(default_codebook_path()).frames)[:2]
    ['conflict', 'economic_consequences']
    """
    if isinstance(source, Mapping):
        data = dict(source)
        origin = "mapping"
        digest = sha256_text(json.dumps(data, sort_keys=True, default=str))
        if "frames" not in data:
            data = {"frames": {name: {"terms": terms} if not isinstance(terms, Mapping) else terms
                               for name, terms in data.items()}}
    else:
        path = Path(source)
        data = read_toml(path, missing="does not exist: expected a codebook TOML file (see docs/codebook.md)")
        origin = str(path)
        digest = sha256_file(path)
    where = "codebook" if origin == "mapping" else origin
    unknown = set(data) - _TOP_KEYS
    if unknown:
        raise ConfigError(f"{where}: unknown top-level key(s) {sorted(unknown)}: expected {sorted(_TOP_KEYS)}")
    table = data.get("frames")
    if not isinstance(table, Mapping) or not table:
        raise ConfigError(f"{where}: no frames: expected [frames.<name>] tables with a 'terms' list")
    frames: dict[str, tuple[str, ...]] = {}
    descriptions: dict[str, str] = {}
    for name, spec in table.items():
        if not isinstance(spec, Mapping):
            raise ConfigError(f"{where}: frame {name!r} must be a table with 'terms' (and optional 'description')")
        extra = set(spec) - _FRAME_KEYS
        if extra:
            raise ConfigError(f"{where}: frame {name!r} has unknown key(s) {sorted(extra)}: expected {sorted(_FRAME_KEYS)}")
        terms = spec.get("terms")
        if isinstance(terms, str) or not isinstance(terms, (list, tuple)) or not terms:
            raise ConfigError(f"{where}: frame {name!r} has terms={terms!r}: expected a non-empty list of words or phrases")
        clean: list[str] = []
        for term in terms:
            if not isinstance(term, str) or not term.strip():
                raise ConfigError(f"{where}: frame {name!r} has term {term!r}: expected a non-empty string")
            if term.strip() not in clean:
                clean.append(term.strip())
        frames[str(name)] = tuple(clean)
        descriptions[str(name)] = str(spec.get("description", ""))
    params = {"source": origin, "sha256": digest, "name": data.get("name", ""), "version": data.get("version", "")}
    return Codebook(frames=frames, descriptions=descriptions, params=params)
