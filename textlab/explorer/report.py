"""The explorer as a section of ``textlab report`` (inline: the report stays one self-contained file)."""

from __future__ import annotations

import html
from typing import Any

__all__ = ["section_explorer"]


def section_explorer(result: Any, **options: Any) -> str:
    """``<h2>Interactive explorer</h2>`` and the explorer inline, or a one-line note why it is absent.

    ``options`` go to :func:`textlab.explorer.explore`.

    Examples
    --------
    >>> html_text = section_explorer(read_results("results"))   # doctest: +SKIP
    """
    from textlab.explorer import explore

    heading = "<h2 id='explorer'>Interactive explorer</h2>"
    if "topic_map" not in result.tables:
        return heading + "<p>No explorer: the topics step did not run for this study.</p>"
    explorer = explore(result, **options)
    intro = ("<p>Click a topic on the map or in the prevalence view for its top terms and passages; move the "
             "relevance slider λ; click a term or a frame for its passages. Each view exports as PNG/SVG from its "
             f"⋯ menu. The same page on its own: <code>{html.escape('textlab explore STUDY_OR_RESULTS')}</code>.</p>")
    # wider than the report's text column, centred on it, so the views sit side by side
    wide = "<div style='width:min(96vw,100rem);position:relative;left:50%;transform:translateX(-50%)'>"
    return heading + intro + wide + explorer.fragment(root_id="textlab-report-explorer") + "</div>"
