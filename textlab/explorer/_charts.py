"""The explorer's views as Vega-Lite specifications, built with altair.

Each view is one Vega-Lite chart.  The views share two Vega *parameters* that the page keeps in
step: ``topic`` (the topic shown, 1..K) and, in the term view, ``lambda`` (the relevance weight,
bound to a slider).  Relevance and the top-term cut are Vega-Lite transforms, so moving the
slider re-ranks the terms in the browser without any hand-written plotting code.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

__all__ = ["map_chart", "terms_chart", "prevalence_chart", "difference_chart", "frames_chart", "keyness_chart"]

_WIDTH = 360
_TOPIC_COLOR = "#D55E00"
_GREY = "#BBBBBB"


def _alt():
    import altair as alt

    return alt


def _records(table: pd.DataFrame) -> list[dict[str, Any]]:
    """JSON-ready records (NaN -> None)."""
    return table.astype(object).where(table.notna(), None).to_dict(orient="records")


def _topic_param(alt: Any, first: int) -> Any:
    return alt.param(name="topic", value=int(first))


def _color_scale(alt: Any, colors: dict[str, str]) -> Any:
    return alt.Scale(domain=list(colors), range=list(colors.values()))


def map_chart(topics: pd.DataFrame, colors: dict[str, str]) -> dict:
    """Intertopic map: topics at their classical-scaling coordinates, area = prevalence, colour = lean.

    Unstable topics have a dashed outline; the topic shown is outlined in black.  The map zooms
    (mouse wheel) and pans (drag): topics far apart can squeeze the others into a corner.
    """
    alt = _alt()
    topic = _topic_param(alt, topics["topic"].min())
    table = topics.assign(stability_flag=topics["stable"].map({True: "stable", False: "unstable"}))
    base = alt.Chart(alt.Data(values=_records(table))).encode(
        # padding (pixels) keeps the largest circles inside the plot at the extremes of the map
        x=alt.X("x:Q", title="PC1 (Jensen–Shannon distances)", axis=alt.Axis(labels=False, ticks=False),
                scale=alt.Scale(zero=False, padding=40)),
        y=alt.Y("y:Q", title="PC2", axis=alt.Axis(labels=False, ticks=False),
                scale=alt.Scale(zero=False, padding=40)),
        tooltip=[alt.Tooltip("name:N", title="topic"), alt.Tooltip("label:N", title="top FREX terms"),
                 alt.Tooltip("prevalence:Q", format=".1%"), alt.Tooltip("lean:N"),
                 alt.Tooltip("contrast:N"), alt.Tooltip("difference:Q", format="+.3f"),
                 alt.Tooltip("diff_low:Q", format="+.3f", title="interval low"),
                 alt.Tooltip("diff_high:Q", format="+.3f", title="interval high"),
                 alt.Tooltip("stability:Q", format=".2f")])
    circles = base.mark_circle(opacity=0.55, strokeWidth=1.5).encode(
        size=alt.Size("prevalence:Q", scale=alt.Scale(range=[150, 4000]), legend=None),
        color=alt.Color("lean:N", scale=_color_scale(alt, colors), title="leans towards"),
        stroke=alt.condition("datum.topic == topic", alt.value("#000000"), alt.value("#666666")),
        strokeWidth=alt.condition("datum.topic == topic", alt.value(3.5), alt.value(1)),
        strokeDash=alt.StrokeDash("stability_flag:N", scale=alt.Scale(domain=["stable", "unstable"],
                                                                       range=[[1, 0], [4, 3]]),
                                  title="across seeds"))
    numbers = base.mark_text(fontWeight="bold", fontSize=12).encode(text="topic:N")
    zoom = alt.selection_interval(bind="scales", name="zoom")  # wheel to zoom, drag to pan, double-click resets
    chart = (circles.add_params(zoom) + numbers).add_params(topic).properties(width=_WIDTH, height=_WIDTH)
    return chart.to_dict()


def terms_chart(terms: pd.DataFrame, *, first_topic: int, n_terms: int, lambda_step: float,
                lambda_value: float = 0.6) -> dict:
    """Top ``n_terms`` terms of the topic shown, ranked by relevance at the slider's λ.

    Grey bars: the term's count in the corpus; coloured bars: the part of it assigned to the topic.
    """
    alt = _alt()
    topic = _topic_param(alt, first_topic)
    lam = alt.param(name="lambda", value=float(lambda_value),
                    bind=alt.binding_range(min=0, max=1, step=float(lambda_step), name="relevance λ "))
    ranked = (alt.Chart(alt.Data(values=_records(terms)))
              .transform_filter("datum.topic == topic")
              .transform_calculate(relevance="lambda * datum.logp + (1 - lambda) * datum.loglift")
              .transform_window(rank="row_number()", sort=[alt.SortField("relevance", order="descending"),
                                                           alt.SortField("logp", order="descending"),
                                                           alt.SortField("term", order="ascending")])
              .transform_filter(f"datum.rank <= {int(n_terms)}"))
    y = alt.Y("label:N", sort=alt.EncodingSortField("rank", order="ascending"), title=None,
              axis=alt.Axis(labelLimit=160))
    tooltip = [alt.Tooltip("label:N", title="term"), alt.Tooltip("rank:Q"),
               alt.Tooltip("relevance:Q", format=".3f"), alt.Tooltip("topic_count:Q", format=",.0f",
                                                                    title="count assigned to topic"),
               alt.Tooltip("corpus_count:Q", format=",d", title="count in corpus")]
    overall = ranked.mark_bar(color=_GREY).encode(x=alt.X("corpus_count:Q", title="count"), y=y, tooltip=tooltip)
    within = ranked.mark_bar(color=_TOPIC_COLOR).encode(x="topic_count:Q", y=y, tooltip=tooltip)
    chart = (overall + within).add_params(topic, lam).properties(width=_WIDTH - 120, height=alt.Step(13))
    return chart.to_dict()


def _interval_view(table: pd.DataFrame, *, y: str, x: str, low: str, high: str, color: str,
                   colors: dict[str, str], title: str, highlight: str | None, x_format: str) -> Any:
    alt = _alt()
    sort = list(dict.fromkeys(table[y].astype(str)))
    base = alt.Chart(alt.Data(values=_records(table))).encode(
        y=alt.Y(f"{y}:N", sort=sort, title=None, axis=alt.Axis(labelLimit=220)),
        yOffset=alt.YOffset(f"{color}:N"),
        color=alt.Color(f"{color}:N", scale=_color_scale(alt, colors), title="group"),
        tooltip=[alt.Tooltip(f"{y}:N"), alt.Tooltip(f"{color}:N"), alt.Tooltip(f"{x}:Q", format=x_format),
                 alt.Tooltip(f"{low}:Q", format=x_format), alt.Tooltip(f"{high}:Q", format=x_format)])
    opacity = (alt.condition(highlight, alt.value(1.0), alt.value(0.35)) if highlight else alt.value(1.0))
    rules = base.mark_rule(strokeWidth=2).encode(x=alt.X(f"{low}:Q", title=title), x2=f"{high}:Q", opacity=opacity)
    points = base.mark_point(filled=True, size=40).encode(x=f"{x}:Q", opacity=opacity)
    n_colors = table[color].nunique()
    return (rules + points).properties(height=len(sort) * max(30, 5 * n_colors))  # compact with many groups


def prevalence_chart(by_group: pd.DataFrame, colors: dict[str, str], *, first_topic: int, ci_percent: str) -> dict:
    """Topic prevalence by group with intervals; the topic shown is drawn opaque."""
    alt = _alt()
    chart = _interval_view(by_group.assign(topic_name=by_group["name"] + ": " + by_group["label"]), y="topic_name",
                           x="mean", low="ci_low", high="ci_high", color="group", colors=colors,
                           title=f"mean passage share ({ci_percent} interval)", highlight="datum.topic == topic",
                           x_format=".3f")
    return chart.add_params(_topic_param(alt, first_topic)).properties(width=_WIDTH - 80).to_dict()


def difference_chart(difference: pd.DataFrame, *, first_topic: int, ci_percent: str) -> dict:
    """Prevalence difference between groups (``group_a − group_b``) with intervals and a zero line."""
    alt = _alt()
    table = difference.assign(topic_name=difference["name"] + ": " + difference["label"],
                              contrast=difference["group_a"].astype(str) + " − " + difference["group_b"].astype(str))
    sort = list(dict.fromkeys(table["topic_name"]))
    base = alt.Chart(alt.Data(values=_records(table))).encode(
        y=alt.Y("topic_name:N", sort=sort, title=None, axis=alt.Axis(labelLimit=220)),
        yOffset=alt.YOffset("contrast:N"),
        opacity=alt.condition("datum.topic == topic", alt.value(1.0), alt.value(0.35)),
        tooltip=["topic_name:N", "contrast:N", alt.Tooltip("difference:Q", format="+.3f"),
                 alt.Tooltip("ci_low:Q", format="+.3f"), alt.Tooltip("ci_high:Q", format="+.3f")])
    zero = alt.Chart(alt.Data(values=[{"zero": 0}])).mark_rule(color="#888888", strokeDash=[3, 3]).encode(x="zero:Q")
    rules = base.mark_rule(strokeWidth=2, color="#333333").encode(
        x=alt.X("ci_low:Q", title=f"difference in share ({ci_percent} interval)"), x2="ci_high:Q")
    points = base.mark_point(filled=True, size=45, color="#333333").encode(x="difference:Q")
    chart = (zero + rules + points).add_params(_topic_param(alt, first_topic)).properties(width=_WIDTH - 80)
    return chart.to_dict()


def frames_chart(frames: pd.DataFrame, colors: dict[str, str], *, ci_percent: str) -> dict:
    """Frame share by group with intervals (click a frame for its passages)."""
    chart = _interval_view(frames, y="frame", x="mean", low="ci_low", high="ci_high", color="group", colors=colors,
                           title=f"share of tokens matching the frame ({ci_percent} interval)", highlight=None,
                           x_format=".4f")
    return chart.properties(width=_WIDTH - 80).to_dict()


def keyness_chart(keyness: pd.DataFrame, colors: dict[str, str], *, ci_percent: str) -> dict:
    """Key terms: log-odds with bootstrap intervals, coloured by the group they are key for."""
    alt = _alt()
    table = keyness.sort_values("log_odds", ascending=False)
    sort = list(dict.fromkeys(table["label"].astype(str)))
    base = alt.Chart(alt.Data(values=_records(table))).encode(
        y=alt.Y("label:N", sort=sort, title=None, axis=alt.Axis(labelLimit=160)),
        color=alt.Color("key_for:N", scale=_color_scale(alt, colors), title="key for"),
        tooltip=[alt.Tooltip("label:N", title="term"), "key_for:N", alt.Tooltip("log_odds:Q", format="+.2f"),
                 alt.Tooltip("ci_low:Q", format="+.2f"), alt.Tooltip("ci_high:Q", format="+.2f"),
                 alt.Tooltip("z:Q", format="+.1f"), alt.Tooltip("q_perm:Q", format=".3f"),
                 alt.Tooltip("count_group:Q", format=",d")])
    zero = alt.Chart(alt.Data(values=[{"zero": 0}])).mark_rule(color="#888888", strokeDash=[3, 3]).encode(x="zero:Q")
    rules = base.mark_rule(strokeWidth=2).encode(x=alt.X("ci_low:Q", title=f"log-odds ({ci_percent} interval)"),
                                                 x2="ci_high:Q")
    points = base.mark_point(filled=True, size=45).encode(x="log_odds:Q")
    return (zero + rules + points).properties(width=_WIDTH - 120, height=alt.Step(13)).to_dict()
