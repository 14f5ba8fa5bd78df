"""Atomic output: files and folders that appear whole or not at all.

A file is written to a temporary sibling and moved into place with :func:`os.replace`; an output
folder is built under a temporary name and swapped into place (one atomic exchange on Linux, a
recoverable two-step rename elsewhere) while a lock file keeps other runs out, and only folders
that textlab wrote (they hold ``.textlab-output``) or empty ones are ever replaced. Outputs put in
place are recorded so the CLI can name them on Ctrl-C. :mod:`textlab._io` re-exports every name
here; import them from there.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from textlab._errors import OutputError

__all__ = [
    "atomic_write",
    "atomic_directory",
    "check_output_directory",
    "check_output_file",
    "OUTPUT_MARKER",
    "written_outputs",
]


#: Written into every output folder textlab builds; only folders holding it are ever replaced.
OUTPUT_MARKER = ".textlab-output"
_MARKER_TEXT = (
    "This folder was written by textlab. Rerunning textlab with this folder as its output replaces it\n"
    "as a whole; textlab refuses to do so while the folder holds files not listed below.\n"
    "files:\n"
)


def _marker_text(folder: Path) -> str:
    names = sorted(p.name for p in folder.iterdir() if p.name != OUTPUT_MARKER)
    return _MARKER_TEXT + "".join(f"{name}\n" for name in names)


def _foreign_files(folder: Path) -> list[str]:
    """Entries of a textlab output folder that its marker does not list (files a user added)."""
    text = (folder / OUTPUT_MARKER).read_text(encoding="utf-8")
    if "files:\n" not in text:  # an early marker without a listing: everything counts as textlab's
        return []
    listed = set(text.split("files:\n", 1)[1].splitlines())
    return sorted(p.name for p in folder.iterdir() if p.name != OUTPUT_MARKER and p.name not in listed)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _make_shareable(path: Path, *, directory: bool) -> None:
    """Give a temporary file or folder the permissions a normal one would get (mkstemp makes 0600/0700)."""
    os.chmod(path, (0o777 if directory else 0o666) & ~_umask())


@contextlib.contextmanager
def atomic_write(path: str | Path, mode: str = "w", encoding: str | None = "utf-8") -> Iterator[IO[Any]]:
    """Open a temporary file next to ``path`` and move it into place on success.

    Parameters
    ----------
    path
        Final destination. Its parent directory is created if needed.
    mode
        ``"w"`` for text or ``"wb"`` for bytes.
    encoding
        Text encoding (ignored in binary mode).

    Yields
    ------
    file object
        Write to it; on any exception (including ``KeyboardInterrupt``) the
        temporary file is deleted and ``path`` is left untouched.

    Raises
    ------
    OutputError
        ``path`` is an existing folder.
    """
    path = Path(path)
    if path.is_dir():
        raise OutputError(f"{path}: is a folder; give a file name (for example {path / 'report.html'})")
    path.parent.mkdir(parents=True, exist_ok=True)
    kwargs = {} if "b" in mode else {"encoding": encoding, "newline": ""}
    tmp_name = None
    try:
        with _interrupts_held():  # a Ctrl-C now is raised once the file exists and is known to the clean-up
            fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
            os.close(fd)
            _make_shareable(Path(tmp_name), directory=False)
        with open(tmp_name, mode, **kwargs) as handle:
            yield handle
        with _interrupts_held():
            os.replace(tmp_name, path)
            if not _in_temporary_folder(path):  # files of a folder being built are not outputs yet
                _WRITTEN.append(path)
    except BaseException:
        if tmp_name is not None:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp_name)
        raise


def check_output_directory(path: str | Path, *, inputs: Iterable[str | Path] = ()) -> Path:
    """Refuse an output folder that textlab must not replace; return it resolved.

    Parameters
    ----------
    path
        Intended output folder.
    inputs
        Input files and folders: the output may neither be one of them nor contain them.

    Raises
    ------
    OutputError
        ``path`` is an existing file, the filesystem root, an input or a folder holding
        inputs, or a non-empty folder that textlab did not write (no ``.textlab-output``).
    """
    if not str(path).strip():
        raise OutputError("--out is empty: name the output folder, e.g. --out results")
    if Path(path).expanduser().is_symlink():
        raise OutputError(f"{path}: is a symbolic link (to {os.readlink(Path(path).expanduser())}); textlab replaces "
                          "its output folder as a whole and does not do so through a link: choose another folder")
    resolved = Path(path).expanduser().resolve()
    if resolved.parent == resolved:
        raise OutputError(f"{path}: cannot write results to the filesystem root; choose a new folder")
    if resolved.exists() and not resolved.is_dir():
        raise OutputError(f"{path}: exists and is not a folder; choose a new folder name")
    blocking = next((p for p in resolved.parents if p.exists() and not p.is_dir()), None)
    if blocking is not None:
        raise OutputError(f"{path}: {blocking} is a file, so no folder can be made inside it")
    cwd = Path.cwd().resolve()
    if resolved == cwd or resolved in cwd.parents:
        raise OutputError(f"{path}: is (or holds) the current folder, which textlab would replace; choose a new folder")
    for item in inputs:
        item = Path(item).expanduser().resolve()
        if item == resolved or resolved in item.parents:
            raise OutputError(f"{path}: is or contains the input {item}; choose a separate output folder")
    if resolved.is_dir() and any(resolved.iterdir()):
        marked = (resolved / OUTPUT_MARKER).is_file()
        names = _foreign_files(resolved) if marked else sorted(p.name for p in resolved.iterdir())
        if names:
            shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
            raise OutputError(
                f"{path}: folder holds files textlab did not write ({shown}); textlab replaces its output folder "
                "as a whole, so move them out or choose a new folder"
                + ("" if marked else " (an output of an older textlab version: delete it first)")
            )
    return resolved


def check_output_file(path: str | Path, *, inputs: Iterable[str | Path] = (), default_name: str) -> Path:
    """Resolve an output file path and refuse one that would overwrite an input.

    Parameters
    ----------
    path
        A file path; an existing folder, or a path ending in ``/``, means ``path/default_name``.
        ``~`` is expanded.
    inputs
        Input files and folders: the output may be none of them and may not lie inside an input folder.
    default_name
        File name used when ``path`` is a folder.

    Raises
    ------
    OutputError
        The output would be an input, lie inside an input folder, or sit below an existing file.
    """
    text = str(path)
    if not text.strip():
        raise OutputError("--out is empty: name the file to write, e.g. --out report.html")
    target = Path(text).expanduser()
    if text.endswith(("/", os.sep)) or target.is_dir():
        target = target / default_name
    if target.is_symlink():  # os.replace swaps the link itself, but the user meant neither: say so
        raise OutputError(f"{path}: is a symbolic link (to {os.readlink(target)}); textlab neither writes through "
                          "a link nor replaces it: remove the link or choose another file name")
    resolved = target.parent.resolve() / target.name  # the file itself is never resolved through a link
    blocking = next((p for p in resolved.parents if p.exists() and not p.is_dir()), None)
    if blocking is not None:
        raise OutputError(f"{path}: {blocking} is a file, so nothing can be written inside it")
    for item in inputs:
        item = Path(item).expanduser().resolve()
        if resolved == item or (item.is_dir() and item in resolved.parents):
            raise OutputError(f"{path}: would overwrite or write into the input {item}; choose another path")
    return resolved


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (Linux ``renameat2(RENAME_EXCHANGE)``); False where unsupported."""
    if not hasattr(os, "uname") or os.uname().sysname != "Linux":
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    result = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange)
    return result == 0


def _recover(path: Path) -> str | None:
    """Finish or undo a swap that an earlier, killed run left half done; remove its debris.

    Returns a sentence saying what was recovered, or None.
    """
    note = None
    backup = path.with_name(f".{path.name}.old")
    if backup.is_dir() and not path.exists():
        os.replace(backup, path)  # killed between the two renames: the old output comes back
        note = f"{path}: restored the previous output that an interrupted run had moved aside"
    elif backup.is_dir():
        shutil.rmtree(backup, ignore_errors=True)
    for debris in path.parent.glob(f".{path.name}.*.tmp"):
        shutil.rmtree(debris, ignore_errors=True) if debris.is_dir() else debris.unlink(missing_ok=True)
    return note


@contextlib.contextmanager
def _output_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive lock for output folder ``path`` (a ``.NAME.lock`` file beside it)."""
    import fcntl

    lock_path = path.with_name(f".{path.name}.lock")
    with _interrupts_held():  # the lock file is never left behind by a Ctrl-C between its creation and removal
        handle = open(lock_path, "a+")
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise OutputError(f"{path}: another textlab run is writing this folder now; wait for it or choose "
                              "another --out") from None
        yield
    finally:
        with _interrupts_held():
            handle.close()
            with contextlib.suppress(FileNotFoundError):
                os.unlink(lock_path)


def _swap_into_place(tmp_dir: Path, path: Path) -> Path | None:
    """Put the finished ``tmp_dir`` at ``path``; the old folder is never lost, even if killed mid-way.

    Returns the folder now holding the previous output (to delete), or ``None`` when there was none.
    """
    if path.exists():
        foreign = _foreign_files(path) if (path / OUTPUT_MARKER).is_file() else sorted(
            p.name for p in path.iterdir())
        if foreign:  # files saved into --out while the run was going
            shown = ", ".join(foreign[:3]) + (f" and {len(foreign) - 3} more" if len(foreign) > 3 else "")
            kept = path.with_name(f"{path.name}.new")
            if not kept.exists():
                os.replace(tmp_dir, kept)
            raise OutputError(f"{path}: files were added to this folder during the run ({shown}); it was left as it "
                              f"was and the new output is in {kept if kept.exists() else tmp_dir}")
        if _exchange(tmp_dir, path):  # one atomic step: the old output now sits at tmp_dir
            return tmp_dir
        backup = path.with_name(f".{path.name}.old")  # recoverable two-step swap (see _recover)
        os.replace(path, backup)
        os.replace(tmp_dir, path)
        return backup
    os.replace(tmp_dir, path)
    return None


@contextlib.contextmanager
def _interrupts_held() -> Iterator[None]:
    """Hold Ctrl-C and ``kill`` until the block ends, so an output's swap and its record happen together."""
    import signal

    held = {signal.SIGINT, signal.SIGTERM}
    try:
        previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    except (AttributeError, ValueError, OSError):  # no POSIX signal masks here
        previous = None
    try:
        yield
    finally:
        if previous is not None:
            signal.pthread_sigmask(signal.SIG_SETMASK, previous)  # a held Ctrl-C is raised now


def written_outputs() -> list[Path]:
    """Output folders this process has put in place, oldest first (the CLI names them on Ctrl-C)."""
    return list(_WRITTEN)


_WRITTEN: list[Path] = []


def _in_temporary_folder(path: Path) -> bool:
    """Whether ``path`` lies inside a folder :func:`atomic_directory` is still building."""
    return any(part.startswith(".") and part.endswith(".tmp") for part in path.parent.parts)


def _discard_old(old: Path, path: Path) -> None:
    """Delete the previous output once the new one is in place; Ctrl-C here says the output is complete."""
    try:
        shutil.rmtree(old, ignore_errors=True)
    except KeyboardInterrupt:  # the new output is whole; the next run removes what is left of the old one
        raise KeyboardInterrupt(f"interrupted after {path} was written in full (the new output is in place; the "
                                "next run removes what is left of the previous one)") from None


def _write_probe(folder: Path, shown: Path) -> None:
    """Fail before any analysis when ``folder`` cannot be written (permissions, read-only disk)."""
    try:
        with _interrupts_held():  # the probe file never outlives a Ctrl-C
            fd, probe = tempfile.mkstemp(prefix=".textlab-probe.", dir=folder)
            os.close(fd)
            os.unlink(probe)
    except OSError as exc:
        raise OutputError(f"{shown}: cannot write here ({exc.strerror or exc}); choose another --out") from None


@contextlib.contextmanager
def atomic_directory(path: str | Path, *, inputs: Iterable[str | Path] = (), replace_any: bool = False) -> Iterator[Path]:
    """Build a directory under a temporary name and swap it into place on success.

    One run at a time writes a given folder (a lock file beside it); debris of earlier killed
    runs is cleaned up first (a half-done swap is completed or rolled back, and a
    :class:`~textlab.TextlabWarning` says so); the swap itself is one atomic exchange on Linux
    and a recoverable two-step rename elsewhere; files added to the folder during the run stop
    the swap (the new output is kept beside it as ``NAME.new``).

    Parameters
    ----------
    path
        Final directory. If it exists it is replaced only after the new one
        is complete; on failure it is left as it was. Only empty folders and
        folders textlab wrote (they hold ``.textlab-output``) are replaced.
    inputs
        Input files and folders the output must not be or contain.
    replace_any
        Replace an existing folder without the marker (textlab's own cache folders).

    Yields
    ------
    pathlib.Path
        The temporary directory to fill.

    Raises
    ------
    OutputError
        See :func:`check_output_directory` (checked before anything is written); another run
        holds the folder; the folder's parent cannot be written.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "results"
    >>> with atomic_directory(out) as tmp:
    ...     _ = (tmp / "table.csv").write_text("a\\n1\\n")
    >>> sorted(p.name for p in out.iterdir())
    ['.textlab-output', 'table.csv']
    """
    import warnings

    from textlab._errors import TextlabWarning

    shown = Path(path)
    path = Path(path).expanduser()
    if not replace_any:
        path = check_output_directory(path, inputs=inputs)
    path = path.resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    _write_probe(path.parent, shown)
    with _output_lock(path):
        note = _recover(path)
        if note:
            warnings.warn(note, TextlabWarning, stacklevel=3)
        if not replace_any:
            check_output_directory(path, inputs=inputs)
        tmp_dir = None
        try:
            with _interrupts_held():  # the temporary folder is known to the clean-up below before a Ctrl-C lands
                tmp_dir = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent))
                _make_shareable(tmp_dir, directory=True)
            yield tmp_dir
            (tmp_dir / OUTPUT_MARKER).write_text(_marker_text(tmp_dir), encoding="utf-8")
            with _interrupts_held():  # a Ctrl-C from here on finds the output recorded as complete
                old = _swap_into_place(tmp_dir, path)
                _WRITTEN.append(path)
            if old is not None:
                _discard_old(old, path)
        except BaseException:
            if tmp_dir is not None and tmp_dir.exists() and tmp_dir != path:
                with contextlib.suppress(BaseException):  # a second Ctrl-C: the next run removes it
                    shutil.rmtree(tmp_dir, ignore_errors=True)
            raise
