"""Regular expressions written by users (metadata ``clean_patterns``, study ``[clean] patterns``), made safe to run.

A pattern such as ``^(a+)+$`` backtracks exponentially on a line of ``a``s followed by another
character: one line would hang every command. :func:`compile_user_pattern` refuses nested
quantifiers (a repeated group holding a repeat: the classic catastrophic shape) when it compiles,
and the pattern it returns searches with the ``regex`` module's time limit, so any other slow
shape stops with a one-line error naming the pattern instead of hanging.
"""

from __future__ import annotations

import re
from typing import Any

from textlab._errors import ConfigError

__all__ = ["UserPattern", "compile_user_pattern", "TIME_LIMIT"]

#: Seconds one search of one line may take.
TIME_LIMIT = 2.0

try:  # Python 3.11+: the parser is private but stable; 3.10 calls it sre_parse
    from re import _constants as _c
    from re import _parser as _p
except ImportError:  # pragma: no cover
    import sre_constants as _c  # type: ignore[no-redef]
    import sre_parse as _p  # type: ignore[no-redef]

_REPEATS = {_c.MAX_REPEAT, _c.MIN_REPEAT} | ({_c.POSSESSIVE_REPEAT} if hasattr(_c, "POSSESSIVE_REPEAT") else set())


def _children(op: Any, av: Any) -> list:
    """The sub-patterns of one parsed node."""
    if op in _REPEATS:
        return [av[2]]
    if op is _c.SUBPATTERN:
        return [av[3]]
    if op is _c.BRANCH:
        return list(av[1])
    if op in (getattr(_c, "ATOMIC_GROUP", None), _c.ASSERT, _c.ASSERT_NOT):
        return [av if op is getattr(_c, "ATOMIC_GROUP", None) else av[1]]
    if op is _c.GROUPREF_EXISTS:
        return [p for p in av[1:] if p is not None]
    return []


def _has_repeat(pattern: Any) -> bool:
    for op, av in pattern:
        if op in _REPEATS and (av[1] is _c.MAXREPEAT or av[1] > 1):
            return True
        if any(_has_repeat(child) for child in _children(op, av)):
            return True
    return False


def _nested(pattern: Any) -> bool:
    """True when an unbounded (or > 1) repeat holds another repeat: ``(a+)+``, ``(\\w*\\s?)*``, ``(x{2,})+``."""
    for op, av in pattern:
        if op in _REPEATS and (av[1] is _c.MAXREPEAT or av[1] > 1) and _has_repeat(av[2]):
            return True
        if any(_nested(child) for child in _children(op, av)):
            return True
    return False


class UserPattern:
    """A user's pattern: ``search`` like ``re.Pattern.search``, stopped after :data:`TIME_LIMIT` seconds."""

    def __init__(self, pattern: str, where: str) -> None:
        import regex

        self.pattern, self.where = pattern, where
        self._compiled = regex.compile(pattern)

    def search(self, text: str) -> Any:
        """First match in ``text`` or ``None``; a search over the time limit is a ConfigError naming the pattern."""
        try:
            return self._compiled.search(text, timeout=TIME_LIMIT)
        except TimeoutError:
            raise ConfigError(f"{self.where}: the pattern {self.pattern!r} took over {TIME_LIMIT:g} s on one line of "
                              f"{len(text)} characters (catastrophic backtracking); simplify it") from None

    def __reduce__(self) -> tuple:  # worker processes recompile it
        return (UserPattern, (self.pattern, self.where))

    def __repr__(self) -> str:
        return f"UserPattern({self.pattern!r})"


def compile_user_pattern(pattern: str, where: str) -> UserPattern:
    """Compile a user's regular expression, refusing invalid ones and nested quantifiers.

    Parameters
    ----------
    pattern
        The regular expression (Python ``re`` syntax).
    where
        Where it was written, for the message (``"clean_patterns for doc_id 'a'"``).

    Returns
    -------
    UserPattern
        With a time-limited ``search``.

    Raises
    ------
    ConfigError
        One line naming ``where`` and the pattern: invalid syntax, or a repeated group holding
        a repeat (``(a+)+``), which can take exponential time; rewrite it without the nesting
        (``a+``).

    Examples
    --------
    >>> compile_user_pattern(r"^Share this( article)?$", "test").search("Share this article") is not None
    True
    >>> compile_user_pattern(r"^(a+)+$", "clean_patterns for doc_id 'x'")
    Traceback (most recent call last):
    ...
    textlab._errors.ConfigError: clean_patterns for doc_id 'x': '^(a+)+$' repeats a group that itself repeats ...
    """
    if not isinstance(pattern, str):
        raise ConfigError(f"{where}: {pattern!r} is not a regular expression (a string)")
    try:
        parsed = _p.parse(pattern)
        re.compile(pattern)
    except re.error as err:
        raise ConfigError(f"{where}: {pattern!r} is not a valid regular expression ({err})") from None
    if _nested(parsed):
        raise ConfigError(f"{where}: {pattern!r} repeats a group that itself repeats (like (a+)+), which can take "
                          "exponential time on one line; remove the nesting (e.g. a+ instead of (a+)+)")
    return UserPattern(pattern, where)
