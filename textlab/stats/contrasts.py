"""One contrast specification for every comparison (keyness, prevalence, frames).

A :class:`Contrast` says which groups are compared with which:

* ``pairs=[(a, b), ...]``: explicit comparisons, ``a`` against ``b``;
* ``reference=g``: every selected group against the group ``g``;
* ``reference="rest"``: every selected group against all the other groups pooled;
* ``groups=[...]`` selects the groups taking part (default: all).

With neither ``pairs`` nor ``reference`` each analysis applies its documented default
(``default="rest"`` for keyness: each group against the rest, or both directions of
the pair when two groups take part; ``default="pairs"`` for prevalence and frames:
every pair of groups once). :meth:`Contrast.resolve` turns the specification into
:class:`Comparison` objects against the groups present, naming any unknown group
and the valid values.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from textlab._errors import ConfigError, EstimationError, bad_value

__all__ = ["REST", "Comparison", "Contrast", "as_contrast"]

#: The reference label meaning "all the other groups pooled".
REST = "rest"


@dataclass(frozen=True)
class Comparison:
    """One comparison: ``group`` against ``reference`` (a group name or ``"rest"``).

    ``reference_groups`` are the groups pooled on the reference side.
    """

    group: Any
    reference: Any
    reference_groups: tuple


def _tuple(value: Any, name: str) -> tuple | None:
    if value is None:
        return None
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise bad_value(name, value, "a list of group names")
    return tuple(value)


@dataclass(frozen=True)
class Contrast:
    """Which groups are compared with which.

    Parameters
    ----------
    groups
        Groups taking part (default ``None``: every group). A single group is
        compared with all the other groups of the data.
    reference
        A group name (every selected group against it) or ``"rest"`` (every selected
        group against the other groups pooled: the other *selected* groups when two or
        more are selected, else all the others).
    pairs
        Explicit ``(group_a, group_b)`` comparisons; excludes ``groups`` and ``reference``.

    Examples
    --------
    >>> Contrast(reference="rest").resolve(["a", "b", "c"])[0]
    Comparison(group='a', reference='rest', reference_groups=('b', 'c'))
    >>> [(c.group, c.reference) for c in Contrast(pairs=[("a", "c")]).resolve(["a", "b", "c"])]
    [('a', 'c')]
    >>> Contrast(groups=["a", "zz"]).resolve(["a", "b"])
    Traceback (most recent call last):
    ...
    textlab._errors.ConfigError: contrast: groups='zz' is not a group in the data; present groups: ['a', 'b']
    """

    groups: tuple | None = None
    reference: Any = None
    pairs: tuple | None = None

    def __post_init__(self) -> None:
        groups = _tuple(self.groups, "groups")
        pairs = _tuple(self.pairs, "pairs")
        if groups is not None:
            if not groups:
                raise bad_value("groups", list(groups), "at least one group name, or None for every group")
            if len(set(groups)) != len(groups):
                raise bad_value("groups", list(groups), "group names without repeats")
        if pairs is not None:
            if groups is not None or self.reference is not None:
                raise ConfigError("contrast: give either pairs=[(a, b), ...] or groups=/reference=, not both")
            if not pairs:
                raise bad_value("pairs", [], "at least one (group_a, group_b) pair")
            checked = []
            for pair in pairs:
                if isinstance(pair, (str, bytes)) or not isinstance(pair, Sequence) or len(pair) != 2:
                    raise bad_value("pairs", pair, "pairs of two group names, e.g. [('a', 'b')]")
                if pair[0] == pair[1]:
                    raise bad_value("pairs", tuple(pair), "two different groups")
                checked.append(tuple(pair))
            pairs = tuple(checked)
        if isinstance(self.reference, (list, tuple, set)):
            raise bad_value("reference", self.reference, "one group name or 'rest'")
        object.__setattr__(self, "groups", groups)
        object.__setattr__(self, "pairs", pairs)

    def to_dict(self) -> dict:
        """Plain JSON-able form (for ``params``)."""
        return {
            "groups": None if self.groups is None else list(self.groups),
            "reference": self.reference,
            "pairs": None if self.pairs is None else [list(p) for p in self.pairs],
        }

    def resolve(self, present: Sequence, *, default: str = "rest") -> list[Comparison]:
        """The comparisons this specification makes among the groups ``present``.

        Parameters
        ----------
        present
            Group labels in the data, in the order comparisons should follow.
        default
            What to do without ``pairs`` or ``reference``: ``"rest"`` (each selected
            group against the other selected ones pooled; with exactly two groups both
            directions, the reference named) or ``"pairs"`` (every pair once).

        Raises
        ------
        ConfigError
            A named group that is not present (the message lists the valid values).
        EstimationError
            Fewer than two groups to compare.
        """
        if default not in ("rest", "pairs"):
            raise bad_value("default", default, "'rest' or 'pairs'")
        present = list(present)
        if REST in present and self.reference == REST:
            raise ConfigError(f"contrast: reference='rest' is ambiguous because a group is named 'rest'; "
                              f"present groups: {present}; rename that group")
        if len(present) < 2:
            raise EstimationError(f"a comparison needs at least two groups; the data has {present}")
        find = _finder(present)
        if self.pairs is not None:
            out = []
            for a, b in self.pairs:
                ga, gb = find("pairs", a), find("pairs", b)
                out.append(Comparison(ga, gb, (gb,)))
            return out
        focus = present if self.groups is None else [find("groups", g) for g in self.groups]
        if self.reference is not None and self.reference != REST:
            ref = find("reference", self.reference)
            out = [Comparison(g, ref, (ref,)) for g in focus if g != ref]
            if not out:
                raise ConfigError(f"contrast: groups={list(self.groups or [])!r} with reference={self.reference!r} "
                                  "compares nothing: select at least one group other than the reference")
            return out
        if len(focus) == 1:
            return [Comparison(focus[0], REST, tuple(g for g in present if g != focus[0]))]
        if self.reference is None and len(focus) == 2:
            a, b = focus
            return [Comparison(a, b, (b,)), Comparison(b, a, (a,))] if default == "rest" else [Comparison(a, b, (b,))]
        if self.reference is None and default == "pairs":
            return [Comparison(a, b, (b,)) for i, a in enumerate(focus) for b in focus[i + 1:]]
        return [Comparison(g, REST, tuple(h for h in focus if h != g)) for g in focus]


def _finder(present: list):
    by_text = {str(p): p for p in present}

    def find(name: str, value: Any) -> Any:
        if value in present:
            return present[present.index(value)]
        if str(value) in by_text:
            return by_text[str(value)]
        raise ConfigError(f"contrast: {name}={value!r} is not a group in the data; present groups: {present}")

    return find


def as_contrast(
    contrast: Contrast | Sequence | Mapping | None = None,
    *,
    groups: Sequence | None = None,
    reference: Any = None,
) -> Contrast:
    """Normalise the accepted call forms into one :class:`Contrast`.

    ``contrast`` may be a :class:`Contrast`, a ``(group_a, group_b)`` pair (the old
    ``contrast=`` form: one comparison), a list of pairs, a mapping with the keys
    ``groups``/``reference``/``pairs`` (a TOML table), or ``None``; ``groups`` and
    ``reference`` are the keyword forms and cannot be combined with ``contrast``.

    Examples
    --------
    >>> as_contrast(("a", "b")).pairs
    (('a', 'b'),)
    >>> as_contrast(groups=["a"], reference="rest")
    Contrast(groups=('a',), reference='rest', pairs=None)
    """
    if contrast is None:
        return Contrast(groups=groups, reference=reference)
    if groups is not None or reference is not None:
        raise ConfigError("give either contrast= or groups=/reference=, not both")
    if isinstance(contrast, Contrast):
        return contrast
    if isinstance(contrast, Mapping):
        unknown = set(contrast) - {"groups", "reference", "pairs"}
        if unknown:
            raise ConfigError(f"contrast has unknown key(s) {sorted(unknown)}: expected groups, reference, pairs")
        return Contrast(**dict(contrast))
    if isinstance(contrast, (str, bytes)) or not isinstance(contrast, Sequence):
        raise bad_value("contrast", contrast, "a pair of group names (group_a, group_b), a list of pairs, "
                                              "a Contrast or None")  # fmt: skip
    items = list(contrast)
    if items and all(not isinstance(i, (str, bytes)) and isinstance(i, Sequence) for i in items):
        return Contrast(pairs=items)
    if len(items) != 2:
        raise bad_value("contrast", contrast, "a pair of group labels (group_a, group_b), a list of pairs or None")
    return Contrast(pairs=[tuple(items)])
