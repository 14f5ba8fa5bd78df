"""A self-contained HTML findings report: figures embedded, numbers with intervals, caveats, provenance.

The report needs no network to open: figures are embedded as base64 PNG and
the style sheet is inline.  It states the main contrasts of a study with their
intervals (one section per step that declares one, see :mod:`textlab.study.steps`),
the caveats that follow from the design plus the study's own (``[report] caveats``), and
the provenance.
"""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path
from typing import Any

import pandas as pd

from textlab._io import write_text

__all__ = ["write_report", "render_report", "headline_findings", "section_keyness", "section_selection",
           "section_prevalence", "section_frames"]

_CSS = """
body{font-family:Georgia,'Times New Roman',serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222;
line-height:1.45}
h1,h2,h3{font-family:Helvetica,Arial,sans-serif;font-weight:600}
table{border-collapse:collapse;font-size:.85rem;margin:.5rem 0 1rem}
th,td{border-bottom:1px solid #ddd;padding:.2rem .5rem;text-align:right}
th:first-child,td:first-child{text-align:left}
figure{margin:1.5rem 0} figure img{max-width:100%} figcaption{font-size:.85rem;color:#444}
.caveat{background:#fff8e1;border-left:4px solid #E69F00;padding:.5rem 1rem}
code{font-size:.85rem}
"""


def _fmt(value: Any, digits: int = 3) -> str:
    if isinstance(value, float):
        return f"{value:.{digits}g}" if abs(value) < 1e-3 and value != 0 else f"{value:.{digits}f}"
    return html.escape(str(value))


def _table_html(table: pd.DataFrame, columns: list[str], *, digits: int = 3) -> str:
    columns = [c for c in columns if c in table.columns]
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    rows = "".join(
        "<tr>" + "".join(f"<td>{_fmt(row[c], digits)}</td>" for c in columns) + "</tr>" for _, row in table.iterrows()
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


def _topic_labels(result: Any) -> dict[int, str]:
    """The study's one topic labelling (the same names as in every figure)."""
    from textlab.study.figures import _topic_labels as labels

    return labels(result)


def _groups(result: Any) -> tuple[str, str]:
    contrast = result.config.contrast
    return tuple(contrast) if contrast else ("each group", "the rest")  # type: ignore[return-value]


def _percent(result: Any, step: str) -> str:
    from textlab.study._results_lazy import step_params

    params = step_params(result, step)
    return f"{float(params.get('ci_level', result.config.ci_level)) * 100:.10g}%"


def headline_findings(result: Any, *, n_terms: int = 8) -> dict[str, pd.DataFrame]:
    """The tables a reader needs first: key terms, topic differences, divergence, frames.

    Parameters
    ----------
    result
        A :class:`textlab.study.run.StudyResult`.
    n_terms
        Key terms listed per group.

    Returns
    -------
    dict
        ``key_terms``, ``topic_differences``, ``divergence``, ``frames`` tables (those whose
        step ran).
    """
    tables = result.tables
    out: dict[str, pd.DataFrame] = {}
    if "keyness" in tables:
        from textlab.analysis.keyness_groups import top_key_terms

        out["key_terms"] = top_key_terms(tables["keyness"], n=n_terms)
    if "prevalence_difference" in tables:
        difference = tables["prevalence_difference"].copy()
        difference.insert(1, "label", difference["topic"].map(_topic_labels(result)))
        stability = tables["stability"].set_index("topic")
        difference["stable"] = difference["topic"].map(stability["stable"])
        out["topic_differences"] = difference.reindex(difference["difference"].abs().sort_values(ascending=False).index)
        out["divergence"] = tables["topic_divergence"]
    if "frames_by_group" in tables:
        out["frames"] = tables["frames_by_group"]
    return out


def section_keyness(result: Any) -> str:
    """Report section of the ``keyness`` step: what decides "key", then the top terms of each comparison."""
    from textlab.study.figures_compare import keyness_columns_html

    findings = headline_findings(result)
    return "".join([
        "<h3>Key terms (log-odds with informative Dirichlet prior)</h3>",
        keyness_columns_html(),
        f"<p>Intervals: {_percent(result, 'keyness')} bootstrap intervals of the log-odds. Highest-z terms of each "
        "comparison (reference <code>rest</code>: the group against all the others pooled); <code>key</code> says "
        "whether the permutation test supports it. Every group's list: <code>textlab keyness RESULTS</code>.</p>",
        _table_html(findings["key_terms"], ["group", "reference", "label", "count_group", "count_reference", "z",
                                            "log_odds", "ci_low", "ci_high", "q_perm", "key", "dispersion_docs",
                                            "resampling_unit"]),
    ])


def section_selection(result: Any) -> str:
    """Report section of the ``model_selection`` step: the rule, and a warning if K is at the edge."""
    selection = result.results["model_selection"]
    table = selection.table
    low, high = int(table["n_topics"].min()), int(table["n_topics"].max())
    parts = ["<h3>Number of topics</h3>",
             f"<p>K = {result.n_topics} chosen from {low}..{high} "
             f"({html.escape(str(selection.params.get('n_topics_range_source', '[lda] n_topics_range')))}) by: "
             f"{html.escape(str(selection.rule))}.</p>"]
    if selection.params.get("at_edge"):
        parts.append(f"<p class='caveat'><b>Warning:</b> K = {result.n_topics} is at the edge of the range searched "
                     f"({low}..{high}); a wider <code>[lda] n_topics_range</code> may choose another K.</p>")
    if selection.params.get("sample"):  # a large corpus: fitted on a stratified sample (topics.sampled)
        parts.append(f"<p>{html.escape(selection.params['sample']['why'])}.</p>")
    return "".join(parts)


def section_prevalence(result: Any) -> str:
    """Report section of the ``prevalence`` step."""
    findings = headline_findings(result)
    group_a, group_b = _groups(result)
    return "".join([
        "<h3>Topic prevalence difference</h3>",
        f"<p>Mean passage share of each topic, {html.escape(group_a)} minus {html.escape(group_b)}, with "
        f"{_percent(result, 'prevalence')} intervals composing posterior, resampling and seed uncertainty. "
        "Topics flagged unstable did not reappear reliably across seeds.</p>",
        _sample_note(result),
        _table_html(findings["topic_differences"],
                    ["topic", "label", "difference", "ci_low", "ci_high", "resampling_unit", "stable"]),
        "<h3>Divergence of topic mixtures</h3>",
        _table_html(findings["divergence"], ["group_a", "group_b", "jsd", "ci_low", "ci_high"]),
    ])


def _sample_note(result: Any) -> str:
    """One sentence when the topics were fitted on a sample and inferred for every passage (else empty)."""
    from textlab.study._results_lazy import step_params

    sample = step_params(result, "topics").get("sample")
    if not sample:
        return ""
    return (f"<p>{html.escape(sample['why'])} (sample seed {sample['random_state']}, strata "
            f"{html.escape(', '.join(sample['strata']) or 'none')}); the prevalence covers every passage.</p>")


def section_frames(result: Any) -> str:
    """Report section of the ``frames`` step: shares by group and the differences with intervals."""
    from textlab.study.figures_compare import frames_difference_html

    findings = headline_findings(result)
    return "".join([
        "<h3>Frames (codebook)</h3>",
        f"<p>Mean share of tokens matching each frame, with {_percent(result, 'frames')} bootstrap intervals.</p>",
        _table_html(findings["frames"], ["frame", "group", "mean", "ci_low", "ci_high", "resampling_unit"]),
        frames_difference_html(result),
    ])


def _png_base64(fig: Any) -> str:
    import warnings

    from textlab.plots._style import check_glyphs

    check_glyphs(fig)  # labels a font lacks: a covering installed font, or one warning naming them
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"Glyph \d+ .*missing from", category=UserWarning)
        fig.savefig(buffer, format="png", dpi=150, metadata={"Software": None})
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _caveats(result: Any, group_counts: pd.Series) -> list[str]:
    caveats = [html.escape(c) for c in result.config.report_caveats]
    for group, count in group_counts.items():
        if count < 2:
            caveats.append(f"The group <b>{html.escape(str(group))}</b> has a single document: its intervals "
                           "resample passages within that document and describe that article, not the population "
                           "of such articles.")
    caveats.append("Passages, not documents, are the unit of the topic model and of most intervals; passages "
                   "from one article are not independent, so intervals are optimistic where they rest on passages.")
    caveats.append("Group labels are the study's analytic choice; a different labelling can change the contrasts.")
    if "frames" in result.tables or "frames_by_group" in result.tables:
        caveats.append("Frames are counted from a researcher-written codebook; terms that never occur are listed "
                       "in frame_coverage.csv.")
    for warning in result.provenance.get("warnings", []):
        caveats.append("Warning raised during the analysis: " + html.escape(warning))
    return caveats


def _front(result: Any) -> list[str]:
    config, prov = result.config, result.provenance
    group_a, group_b = _groups(result)
    docs, passages = result.tables["documents"], result.tables["passages"]
    group_counts = docs.groupby("group").size()
    passage_counts = passages.groupby(config.group_column).size()
    design = ", ".join(
        f"{html.escape(str(g))}: {int(group_counts[g])} document(s), {int(passage_counts.get(g, 0))} passages"
        for g in group_counts.index
    )
    title = config.report_title or f"How do {group_a} and {group_b} differ?"
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>textlab report: {html.escape(title)}</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
    ]
    if config.fast:
        parts.append("<p class='caveat'><b>Quick look (<code>--fast</code>)</b>: fewer seeds, bootstrap replicates, "
                     "permutations and posterior draws than the study file asks for; not for publication. Rerun "
                     f"without <code>--fast</code>: <code>{html.escape(config.rerun_command('report'))}</code>.</p>")
    topics = (f" LDA with K = {result.n_topics} topics ({html.escape(str(prov.get('n_topics_rule', '')))})."
              if result.n_topics else "")
    parts.append(_lock_line(prov.get("lock")))
    from textlab.study.environment import environment_line

    parts.append(environment_line(prov.get("environment")))  # says so when versions differ from the lock
    parts.append(f"<p>Corpus <code>{html.escape(Path(config.corpus_path).name)}</code>, grouped by "
                 f"<code>{html.escape(config.group_column)}</code> ({design}). After cleaning, "
                 f"{int(docs['n_words_clean'].sum())} of {int(docs['n_words_raw'].sum())} words were kept "
                 f"and split into {len(passages)} passages.{topics}</p>")
    return parts


def _lock_line(lock: Any) -> str:
    """First-page statement of whether the run matches the locked analysis plan (``textlab lock``)."""
    if not lock or lock.get("status") == "no lock":
        return ("<p><b>Analysis plan:</b> not locked (no <code>study.lock.json</code>; write one with "
                "<code>textlab lock STUDY.toml</code> before looking at results).</p>")
    when = f" of {html.escape(str(lock.get('created')))}" if lock.get("created") else ""
    if lock.get("status") == "matches":
        return f"<p><b>Analysis plan:</b> this run matches the lock{when} (study file, codebook, word lists, " \
               "seeds and environment unchanged).</p>"
    items = "".join(f"<li>{html.escape(str(d))}</li>" for d in lock.get("deviations", []))
    return f"<div class='caveat'><b>Analysis plan:</b> this run deviates from the lock{when}:<ul>{items}</ul></div>"


def render_report(result: Any, *, figures: dict[str, tuple[Any, str]] | None = None, explorer: bool = True) -> str:
    """Build the report's HTML text.

    The first page states the question (``[report] title``), the design and, for a ``--fast``
    run, that it is a quick look; then each step's report section in step order, the caveats
    (the study's own ``[report] caveats`` first), the figures and the provenance.

    Parameters
    ----------
    result
        A :class:`textlab.study.run.StudyResult` (a fresh run or a results folder read back).
    figures
        Name -> ``(matplotlib Figure, caption)``; by default every figure of
        :func:`textlab.study.figures.build_figures`.
    explorer
        Include the interactive explorer (:func:`textlab.explorer.explore`) inline, after the figures.

    Returns
    -------
    str
        A complete HTML document with figures embedded.
    """
    from textlab.study._results_lazy import step_ran
    from textlab.study.steps import STEPS, resolve

    images = _figure_images(result, figures)
    config, prov = result.config, result.provenance
    parts = _front(result) + ["<h2>Main contrasts</h2>"]
    for step in STEPS:
        if step.report is not None and step_ran(result, step.name):
            parts.append(resolve(step.report)(result))
    from textlab.validation.report import section_validation

    parts.append(section_validation(result))  # "" unless the results folder holds validation scores
    group_counts = result.tables["documents"].groupby("group").size()
    parts += ["<h2>Caveats</h2><div class='caveat'><ul>"]
    parts += [f"<li>{c}</li>" for c in _caveats(result, group_counts)] + ["</ul></div>", "<h2>Figures</h2>"]
    for name, png, caption in images:
        parts.append(f"<figure id='{html.escape(name)}'><img alt='{html.escape(name)}' "
                     f"src='data:image/png;base64,{png}'><figcaption><b>{html.escape(name)}.</b> "
                     f"{html.escape(caption)}</figcaption></figure>")
    if explorer:  # the interactive explorer inline (textlab.explorer): the report stays one offline file
        from textlab.explorer.report import section_explorer

        parts.append(section_explorer(result))
    packages = dict(sorted(prov.get("packages", {}).items()))  # one order whether run now or read back
    inputs = prov.get("inputs", {})
    steps = [name for name in result.results if name in prov.get("steps", {})]  # in step order (JSON sorts keys)
    parts += [
        "<h2>Provenance</h2>",
        f"<p>Rerun with <code>{html.escape(config.rerun_command('report'))}</code>. Seeds: "
        + html.escape(str(prov.get("seeds", {}))) + ". Steps: " + html.escape(", ".join(steps)) + " (the settings "
        "of each are in <code>provenance.json</code> under <code>steps</code>).</p>",
        _table_html(pd.DataFrame({"package": list(packages), "version": [str(v) for v in packages.values()]}),
                    ["package", "version"]),
    ]
    if inputs:
        rows = [{"file": k, "sha256": (v.get("sha256") if isinstance(v, dict) else v)} for k, v in inputs.items()]
        parts.append(_table_html(pd.DataFrame(rows), ["file", "sha256"]))
    parts.append("</body></html>")
    return "\n".join(parts)


def _figure_images(result: Any, figures: dict[str, tuple[Any, str]] | None) -> list[tuple[str, str, str]]:
    """``(name, PNG as base64, caption)`` of every figure, by name; each drawn, encoded and closed in turn."""
    import matplotlib.pyplot as plt

    if figures is not None:
        drawn = ((name, fig, caption) for name, (fig, caption) in figures.items())
    else:  # one figure (and the table it draws) held at a time: a large study's figures are not all open at once
        from textlab.study.figures import iter_figures

        drawn = ((spec.name, spec.figure, spec.caption) for spec in iter_figures(result))
    images = []
    for name, fig, caption in drawn:
        images.append((name, _png_base64(fig), caption))
        plt.close(fig)
    return images if figures is not None else sorted(images, key=lambda item: item[0])


def write_report(result: Any, path: str | Path) -> Path:
    """Write the findings report of a study as one self-contained HTML file.

    Parameters
    ----------
    result
        A :class:`textlab.study.run.StudyResult`.
    path
        Output file (written atomically); a folder gets ``report.html`` inside it; ``~`` is
        expanded. Refused if it would overwrite an input or write into the corpus folder.

    Returns
    -------
    pathlib.Path
        The file written.
    """
    from textlab._io import check_output_file, study_inputs

    config = result.config
    inputs = study_inputs(config) + ([Path(result.source)] if getattr(result, "source", None) else [])
    if getattr(config, "corpus_path", None) is not None:
        inputs.append(config.corpus_path)  # a corpus folder is refused as a place to write; a corpus file's folder is not
    return write_text(render_report(result), check_output_file(path, inputs=inputs, default_name="report.html"))
