"""Alias tables: entity variants -> one canonical token, applied with one compiled regex."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from textlab._errors import ConfigError, InputFileError
from textlab._io import read_toml

__all__ = ["AliasTable", "load_alias_table", "DEFAULT_ALIASES_PATH"]

DEFAULT_ALIASES_PATH = Path(str(resources.files("textlab") / "resources" / "aliases.toml"))
_CANONICAL_RE = re.compile(r"[^\W_A-Z]+(?:_[^\W_A-Z]+)*")


@dataclass(frozen=True)
class AliasTable:
    """Canonical token -> variants, with display names.

    Attributes
    ----------
    variants
        ``{canonical: (variant, ...)}``.  Variants with an upper-case letter match exactly;
        all-lower-case variants match in any case.
    display
        ``{canonical: readable name}`` used as the surface form of the token.
    """

    variants: dict[str, tuple[str, ...]] = field(default_factory=dict)
    display: dict[str, str] = field(default_factory=dict)

    def merged(self, other: AliasTable) -> AliasTable:
        """Return this table extended (and overridden per canonical token) by ``other``."""
        return AliasTable({**self.variants, **other.variants}, {**self.display, **other.display})

    def compile(self) -> tuple[str | None, dict[str, str], dict[str, str]]:
        """Compile to ``(pattern, exact, lower)``: a regex source and variant -> token maps.

        The pattern matches whole words only; exact (capitalised) variants are tried before
        lower-case (any-case) ones, and within each kind the longest variant wins.
        """
        exact: dict[str, str] = {}
        lower: dict[str, str] = {}
        for canonical, variants in self.variants.items():
            for variant in variants:
                key = " ".join(variant.split())
                if key.lower() == key:
                    lower[key] = canonical
                else:
                    exact[key] = canonical
        branches = []
        if exact:
            branches.append(_trie_pattern(exact))
        if lower:
            branches.append(f"(?i:{_trie_pattern(lower)})")
        if not branches:
            return None, exact, lower
        return r"(?<!\w)(?:" + "|".join(branches) + r")(?![\w$])", exact, lower


def _trie_pattern(words) -> str:
    """Regex source matching any of ``words``, factored as a prefix trie (faster than a flat
    alternation).  Optional tails are greedy, so the longest variant wins; spaces match any
    run of whitespace."""
    trie: dict = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def build(node: dict) -> str:
        ends_here = "" in node
        branches = [
            (r"\s+" if char == " " else re.escape(char)) + build(child)
            for char, child in sorted(node.items())
            if char
        ]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if ends_here else body

    return build(trie)


def _check_table(variants: Mapping, display: Mapping, where: str) -> AliasTable:
    clean: dict[str, tuple[str, ...]] = {}
    for canonical, values in variants.items():
        if not isinstance(canonical, str) or not _CANONICAL_RE.fullmatch(canonical):
            raise ConfigError(
                f"{where}: canonical token {canonical!r} is not allowed: expected lower-case "
                "letters, digits and '_' (e.g. 'united_states')"
            )
        if isinstance(values, str):
            values = [values]
        if not all(isinstance(v, str) and v.strip() for v in values):
            raise ConfigError(f"{where}: variants of {canonical!r} must be non-empty strings")
        clean[canonical] = tuple(v.strip() for v in values)
    shown = {c: str(display.get(c, clean[c][0] if clean[c] else c)) for c in clean}
    return AliasTable(clean, shown)


def load_alias_table(source: object = "default") -> AliasTable:
    """Read an alias table from the shipped default, a TOML file or a mapping.

    Parameters
    ----------
    source
        ``"default"`` (the shipped ``resources/aliases.toml``), a path to a TOML file with
        ``[aliases]`` and optional ``[display]`` tables, a mapping ``{canonical: [variants]}``
        (or a tuple of ``(canonical, variants)`` pairs), or ``None`` / ``()`` for no aliases.

    Returns
    -------
    AliasTable

    Examples
    --------
    >>> load_alias_table({"who": ["WHO", "World Health Organization"]}).display
    {'who': 'WHO'}
    """
    if source is None or (isinstance(source, (tuple, list, dict)) and len(source) == 0):
        return AliasTable()
    if isinstance(source, str) and source == "default":
        source = DEFAULT_ALIASES_PATH
    if isinstance(source, (str, Path)):
        path = Path(source)
        data = read_toml(path, missing="alias table not found (expected a TOML file)")
        if "aliases" not in data or not isinstance(data["aliases"], dict):
            raise InputFileError(path, "has no [aliases] table (canonical = [variants])")
        return _check_table(data["aliases"], data.get("display", {}), str(path))
    if isinstance(source, tuple):
        source = dict(source)
    if isinstance(source, Mapping):
        return _check_table(source, {}, "aliases")
    raise ConfigError(
        f"aliases={source!r} is not allowed: expected 'default', a TOML path, a mapping "
        "{canonical: [variants]} or None"
    )
