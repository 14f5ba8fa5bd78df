"""The environment a study ran in, against the lock file of exact versions (``requirements.lock``).

:func:`environment_record` goes into ``provenance.json`` under ``environment``: the lock file's
path and SHA-256, the CPU instruction set tomotopy's sampler used (its output depends on it:
``tomotopy.isa``, e.g. ``"avx2"``), and whether every installed package the lock names has the
locked version (``importlib.metadata`` against the lock's ``name==version`` lines). The report says
on its first page when they do not match (:func:`environment_line`).
"""

from __future__ import annotations

import html
import re
from importlib import metadata
from pathlib import Path
from typing import Any

from textlab._io import sha256_file

__all__ = ["environment_record", "environment_line", "read_lock_file", "compare_with_lock"]

_LINE = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*==\s*([^\s;#]+)")


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def read_lock_file(path: str | Path) -> dict[str, str]:
    """``{canonical name: version}`` from the ``name==version`` lines of a lock file (comments skipped).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "requirements.lock"
    >>> _ = f.write_text("# pins\\nscikit_learn==1.5.0\\nnumpy==2.0.1 ; python_version >= '3.10'\\n")
    >>> read_lock_file(f)
    {'scikit-learn': '1.5.0', 'numpy': '2.0.1'}
    """
    pins = {}
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        match = _LINE.match(line)
        if match:
            pins[_canonical(match.group(1))] = match.group(2)
    return pins


def compare_with_lock(pins: dict[str, str], installed: dict[str, str] | None = None) -> dict[str, Any]:
    """Installed versions against the lock: ``{"matches", "differ": [...], "not_installed": n}``.

    Packages the lock names but that are not installed (extras not asked for) are counted, not
    a mismatch; an installed package at another version is listed as ``"name: locked X, installed Y"``.

    Examples
    --------
    >>> compare_with_lock({"numpy": "2.0.1", "jupyter": "1.0"}, {"numpy": "2.1.0"})
    {'matches': False, 'differ': ['numpy: locked 2.0.1, installed 2.1.0'], 'n_checked': 1, 'not_installed': 1}
    """
    if installed is None:
        installed = {}
        for dist in metadata.distributions():
            name = dist.metadata.get("Name")
            if name:
                installed.setdefault(_canonical(name), dist.version)
    differ, checked, missing = [], 0, 0
    for name, version in sorted(pins.items()):
        have = installed.get(name)
        if have is None:
            missing += 1
            continue
        checked += 1
        if have != version:
            differ.append(f"{name}: locked {version}, installed {have}")
    return {"matches": not differ, "differ": differ, "n_checked": checked, "not_installed": missing}


def _lock_file(start: Path | None) -> Path | None:
    from textlab.study.lock import _requirements_lock

    return _requirements_lock((start or Path.cwd()).resolve())


def _tomotopy_isa() -> str | None:
    try:
        import tomotopy
    except ImportError:
        return None
    return str(getattr(tomotopy, "isa", "unknown"))


def environment_record(config: Any = None) -> dict[str, Any]:
    """What provenance records about the environment (JSON-ready).

    Parameters
    ----------
    config
        The study's config; its file's folder is where the lock file is looked for first (then
        above it, then beside textlab's source tree).

    Returns
    -------
    dict
        ``requirements_lock`` (path or ``None``), ``requirements_lock_sha256``, ``tomotopy_isa``,
        ``matches_lock`` (``True``/``False``, ``None`` without a lock file), ``differ`` (the
        packages whose installed version is not the locked one), ``n_checked``, ``not_installed``.

    Examples
    --------
    >>> sorted(environment_record())[:3]
    ['differ', 'matches_lock', 'n_checked']
    """
    source = getattr(config, "source", None)
    lock = _lock_file(Path(source).parent if source is not None else None)
    record: dict[str, Any] = {"requirements_lock": None if lock is None else str(lock),
                              "requirements_lock_sha256": None if lock is None else sha256_file(lock),
                              "tomotopy_isa": _tomotopy_isa()}
    if lock is None:
        return {**record, "matches_lock": None, "differ": [], "n_checked": 0, "not_installed": 0}
    comparison = compare_with_lock(read_lock_file(lock))
    return {**record, "matches_lock": comparison["matches"], "differ": comparison["differ"],
            "n_checked": comparison["n_checked"], "not_installed": comparison["not_installed"]}


def environment_line(environment: dict[str, Any] | None) -> str:
    """The report's first-page sentence on the environment (a caveat box when it is not the locked one).

    Examples
    --------
    >>> environment_line({"matches_lock": False, "differ": ["numpy: locked 2.0.1, installed 2.1.0"],
    ...                   "requirements_lock_sha256": "ab" * 32, "tomotopy_isa": "avx2"})[:30]
    "<div class='caveat'><b>Environ"
    """
    if not environment:
        return ""
    isa = environment.get("tomotopy_isa")
    sampler = f" tomotopy's sampler used the {html.escape(str(isa))} instruction set." if isa else ""
    digest = str(environment.get("requirements_lock_sha256") or "")[:12]
    if environment.get("matches_lock") is None:
        return (f"<div class='caveat'><b>Environment:</b> no <code>requirements.lock</code> was found, so the "
                f"package versions cannot be checked against a lock.{sampler}</div>")
    if environment.get("matches_lock"):
        return (f"<p><b>Environment:</b> installed versions match <code>requirements.lock</code> "
                f"(sha256 {digest}…).{sampler}</p>")
    differ = environment.get("differ", [])
    items = "".join(f"<li>{html.escape(str(d))}</li>" for d in differ[:20])
    more = f"<li>and {len(differ) - 20} more</li>" if len(differ) > 20 else ""
    return (f"<div class='caveat'><b>Environment:</b> {len(differ)} installed package(s) differ from "
            f"<code>requirements.lock</code> (sha256 {digest}…), so a rerun elsewhere may give other numbers:"
            f"<ul>{items}{more}</ul>{sampler}</div>")
