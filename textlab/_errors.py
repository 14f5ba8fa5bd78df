"""Error and warning types, and the wording of messages, in one place.

Every error a user can cause is a :class:`TextlabError` (a ``ValueError``), so
``except ValueError`` keeps working for callers who do not know textlab.  The
CLI turns any ``TextlabError`` into a one-line message and exit status 2.
"""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "TextlabError",
    "Interrupted",
    "InputFileError",
    "ConfigError",
    "EstimationError",
    "OutputError",
    "TextlabWarning",
    "SmallSampleWarning",
    "CleaningWarning",
]


class Interrupted(KeyboardInterrupt):
    """Ctrl-C or ``kill`` while the ``textlab`` command runs (a :class:`KeyboardInterrupt`).

    A subclass, not ``KeyboardInterrupt`` itself: CPython 3.11 marks a bare ``KeyboardInterrupt``
    raised inside ``exec`` of a string (as ``dataclasses`` does while a module is imported) as
    unhandled even when the command catches it, and the process then ends by SIGINT instead of
    exiting with status 130.
    """


#: What the command line says when interrupted before any output was complete.
NOTHING_KEPT = "interrupted; no partial output was kept"


def raise_interrupted(signum: int, frame: object) -> None:
    """Signal handler of the ``textlab`` program: Ctrl-C or ``kill`` raise :class:`Interrupted`."""
    raise Interrupted


class TextlabError(ValueError):
    """A problem with the user's input, configuration or request."""


class InputFileError(TextlabError):
    """A corpus or metadata file that cannot be used as given.

    Parameters
    ----------
    path
        The offending file.
    problem
        What is wrong, phrased to follow the file name (``"is empty"``).
    """

    def __init__(self, path: str | Path, problem: str) -> None:
        self.path = Path(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")


class ConfigError(TextlabError):
    """An invalid study configuration or parameter value."""


class OutputError(TextlabError):
    """An output path textlab must not write to (an input, a foreign folder, an existing file)."""


class EstimationError(TextlabError):
    """A quantity that cannot be estimated from the data given (e.g. more topics than passages)."""


class TextlabWarning(UserWarning):
    """Base class of textlab's warnings."""


class SmallSampleWarning(TextlabWarning):
    """A resampling or estimate had to fall back because a group is too small."""


class CleaningWarning(TextlabWarning):
    """Something in the input looked wrong but could be handled (e.g. an empty document)."""


def bad_value(name: str, value: object, allowed: str) -> ConfigError:
    """Build the standard message for a bad parameter value.

    Parameters
    ----------
    name
        Parameter name as the user wrote it.
    value
        The value given.
    allowed
        What is allowed, in words.

    Returns
    -------
    ConfigError
        To be raised by the caller.

    Examples
    --------
    >>> str(bad_value("n_topics", 0, "an integer >= 2"))
    'n_topics=0 is not allowed: expected an integer >= 2'
    """
    return ConfigError(f"{name}={value!r} is not allowed: expected {allowed}")
