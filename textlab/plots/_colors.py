"""One fixed, colour-blind-safe colour per group, the same in every figure."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from textlab._errors import bad_value

__all__ = ["OKABE_ITO", "NEUTRAL", "group_colors"]

#: The Okabe & Ito (2008) palette, safe for the common colour-vision deficiencies.
OKABE_ITO: dict[str, str] = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky blue": "#56B4E9",
    "bluish green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish purple": "#CC79A7",
}

#: Colour for "no group" / not significant / reference "rest".
NEUTRAL = "#BBBBBB"
#: Darker neutral for a reference category that is not a group (e.g. "rest").
REFERENCE = "#555555"

# Colours handed to groups, in this order: Okabe-Ito (yellow last, it is faint on white), then
# Paul Tol's colour-blind-safe "muted" scheme.
_OTHER = [
    OKABE_ITO["vermillion"],
    OKABE_ITO["blue"],
    OKABE_ITO["orange"],
    OKABE_ITO["bluish green"],
    OKABE_ITO["sky blue"],
    OKABE_ITO["reddish purple"],
    OKABE_ITO["black"],
    OKABE_ITO["yellow"],
    "#332288",
    "#117733",
    "#44AA99",
    "#88CCEE",
    "#DDCC77",
    "#CC6677",
    "#AA4499",
    "#882255",
    "#999933",
]


def group_colors(groups: Iterable[str], *, fixed: Mapping[str, str] | None = None) -> dict[str, str]:
    """Assign one colour to each group, deterministically.

    Groups named in ``fixed`` (a study's ``[figures] colors``) get their colour;
    every other group gets the next unused colour of the colour-blind-safe
    palette, taking the groups in sorted order. Call this once with *all* groups
    of a study and pass the result as ``colors=`` to every plot so that a figure
    showing only some groups keeps their colours. With more than 19 other groups
    colours repeat.

    Parameters
    ----------
    groups
        Group names (duplicates are ignored).
    fixed
        Extra fixed assignments ``{group: colour}``, taking precedence.

    Returns
    -------
    dict
        ``{group: "#RRGGBB"}`` with groups in sorted order.

    Examples
    --------
    >>> group_colors(["left", "right"])
    {'left': '#D55E00', 'right': '#0072B2'}
    >>> group_colors(["left", "right"], fixed={"left": "#009E73"})
    {'left': '#009E73', 'right': '#D55E00'}
    """
    names = sorted({str(g) for g in groups})
    known = dict(fixed or {})
    colors = {g: known[g] for g in names if g in known}
    free = [c for c in _OTHER if c not in known.values()] or list(_OTHER)  # never reuse a fixed colour
    others = [g for g in names if g not in colors]
    for i, g in enumerate(others):
        colors[g] = free[i % len(free)]
    return {g: colors[g] for g in names}


def resolve_colors(groups: Iterable[str], colors: Mapping[str, str] | None) -> dict[str, str]:
    """Colours for ``groups``: from ``colors`` if given (must cover them all), else :func:`group_colors`."""
    groups = [str(g) for g in groups]
    if colors is None:
        return group_colors(groups)
    missing = sorted(set(groups) - set(colors))
    if missing:
        raise bad_value("colors", dict(colors), f"a colour for every group, missing {missing}")
    return {g: colors[g] for g in groups}
