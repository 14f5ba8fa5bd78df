"""Private text-processing pieces behind :mod:`textlab.preprocessing.tokens` (normalise, aliases, passages)."""
