"""Many groups and one notion of "key": figures legible for 9-20 groups, key decided by q_perm everywhere,
one topic labelling, the keyness listing command, and the study's perspectives figures."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_hex  # noqa: E402

from textlab import plots  # noqa: E402
from textlab.analysis.keyness_groups import top_key_terms  # noqa: E402
from textlab.plots.heatmaps import keyness_heatmap_table, plot_keyness_heatmap  # noqa: E402

GROUPS = [f"outlet-{i:02d}-long-name" for i in range(9)]


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def _inside(fig, artist) -> bool:
    fig.canvas.draw()
    box = artist.get_window_extent(fig.canvas.get_renderer())
    frame = fig.bbox
    return box.x0 >= frame.x0 - 1 and box.x1 <= frame.x1 + 1 and box.y0 >= frame.y0 - 1 and box.y1 <= frame.y1 + 1


def test_distinctive_terms_nine_groups_wrap_into_readable_panels():
    rows = [(g, r, f"{g[:9]}_{r}", f"term number {r} of {g[-9:]}", 1.0 / r) for g in GROUPS for r in range(1, 11)]
    table = pd.DataFrame(rows, columns=["group", "rank", "term", "label", "tfidf"])
    from textlab.plots.terms import distinctive_terms_height

    fig = plt.figure(figsize=(plots.FULL_WIDTH, distinctive_terms_height(9)))
    axes = plots.plot_distinctive_terms(table, fig=fig)
    assert [ax.get_title(loc="left") for ax in axes] == sorted(GROUPS)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    boxes = [ax.get_window_extent(renderer) for ax in axes]
    for box in boxes:  # no collapsed panel: every axes at least an inch wide and tall at 100 dpi
        assert box.width > 0.8 * fig.dpi and box.height > 0.8 * fig.dpi
    for i in range(len(boxes)):
        for j in range(i + 1, len(boxes)):
            assert not boxes[i].overlaps(boxes[j])
    for ax in axes:  # bars of real width; labels and titles inside the figure
        assert min(p.get_window_extent(renderer).width for p in ax.patches) > 1
        assert _inside(fig, ax.title)
        assert all(_inside(fig, t) for t in ax.get_yticklabels())


def test_corpus_overview_legend_and_ticks_fit_with_nine_groups():
    rng = np.random.default_rng(0)
    n = 900
    raw = rng.integers(300, 1300, n)
    table = pd.DataFrame({"doc_id": [str(i) for i in range(n)], "group": np.repeat(GROUPS, 100),
                          "n_words_raw": raw, "n_words_clean": (raw * 0.97).astype(int)})
    ax = plots.plot_corpus_overview(table)
    fig = ax.figure
    assert _inside(fig, ax.get_legend())
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    ticks = [t for t in ax.get_xticklabels() if t.get_text() and _inside(fig, t)]
    visible = [t for t in ticks if ax.get_xlim()[0] <= t.get_position()[0] <= ax.get_xlim()[1]]
    boxes = [t.get_window_extent(r) for t in visible]
    assert len(boxes) >= 2
    assert not any(boxes[i].overlaps(boxes[j]) for i in range(len(boxes)) for j in range(i + 1, len(boxes)))


def _rest_table(n_groups: int = 12, n_terms: int = 60, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for g in range(n_groups):
        for t in range(n_terms):
            lo = rng.normal(0, 0.3) + (1.5 if t % n_groups == g else 0.0)
            rows.append({"term": f"w{t}", "label": f"word {t}", "group": f"g{g:02d}", "reference": "rest",
                         "log_odds": lo, "z": lo / 0.2, "q_perm": 0.001 if lo > 1.0 else 0.5})
    return pd.DataFrame(rows)


def test_keyness_heatmap_values_and_key_dots_match_the_table():
    table = _rest_table()
    heat = keyness_heatmap_table(table, n_terms=3)
    # each group's three highest-z key terms, chosen independently of the function
    for g, rows in table.groupby("group"):
        want = rows[rows.q_perm < 0.05].nlargest(3, "z")["term"]
        assert set(want) <= set(heat.loc[heat.selected_for == g, "term"])
    merged = heat.merge(table, on=["term", "group"])
    assert np.allclose(merged["value"], merged["log_odds"])
    assert (merged["key"] == (merged["q_perm"] < 0.05)).all()
    ax = plot_keyness_heatmap(heat)
    dots = ax.collections[0].get_offsets()
    assert len(dots) == int(heat["key"].sum())
    assert [t.get_text() for t in ax.get_xticklabels()] == sorted(table["group"].unique())
    assert len(ax.get_yticklabels()) == heat["row"].nunique()
    fig = ax.figure
    assert all(_inside(fig, t) for t in ax.get_yticklabels())
    # a large corpus: most cells key, so the few that are not are the ones marked (open circles)
    mostly = table.assign(q_perm=np.where(table["log_odds"].abs() < 0.05, 0.5, 0.001))
    heat2 = keyness_heatmap_table(mostly, n_terms=3)
    assert heat2["key"].mean() > 0.5
    ax2 = plot_keyness_heatmap(heat2)
    assert len(ax2.collections[0].get_offsets()) == int((~heat2["key"]).sum())
    assert "not key" in ax2.get_xlabel()


def test_fightin_words_colour_follows_the_permutation_test_not_z():
    table = pd.DataFrame({"term": ["high_z_not_key", "low_z_key", "neither"], "label": ["a", "b", "c"],
                          "group": "x", "reference": "y", "count_group": [50, 20, 30], "count_reference": [5, 8, 30],
                          "z": [5.0, 1.2, 0.1], "q_perm": [0.3, 0.01, 0.9]})
    ax = plots.plot_keyness(table, colors={"x": "#D55E00", "y": "#0072B2"}, z_threshold=1.96)
    offsets = ax.collections[0].get_offsets()
    colours = {round(float(y), 6): to_hex(c).upper() for (_, y), c in zip(offsets, ax.collections[0].get_facecolors())}
    assert colours[5.0] == plots.NEUTRAL.upper()
    assert colours[1.2] == "#D55E00"
    assert colours[0.1] == plots.NEUTRAL.upper()
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any("q_perm" in t for t in legend)


def test_top_key_terms_lists_each_comparison_by_z():
    table = _rest_table(n_groups=4)
    top = top_key_terms(table, n=2, key_only=True)
    for g, rows in table.groupby("group"):
        want = rows[rows.q_perm < 0.05].nlargest(2, "z")["term"].tolist()
        assert top.loc[top.group == g, "term"].tolist() == want
    assert top["rank"].tolist() == [1, 2] * 4


def test_topic_labels_are_the_top_frex_terms():
    from textlab.plots.topics import topic_labels

    terms = pd.DataFrame({"topic": [1, 1, 1, 1, 2, 2], "method": ["probability", "probability", "frex", "frex",
                                                                  "frex", "frex"],
                          "rank": [1, 2, 1, 2, 1, 2], "label": ["the", "ai", "chip", "fab", "cloud", "region"]})
    stability = pd.DataFrame({"topic": [1, 2], "stable": [True, False]})
    assert topic_labels(terms, stability) == {1: "chip · fab", 2: "cloud · region (unstable)"}


def test_study_figures_share_topic_labels_and_draw_perspectives(seeds_study_fast):
    from textlab.study.figures import _topic_labels, build_figures
    from textlab.study.report import render_report

    result = seeds_study_fast
    specs = build_figures(result)
    labels = _topic_labels(result)
    titles = [ax.get_title(loc="left").split("\n")[0] for ax in specs["06_topic_terms"].figure.axes]
    for k, label in labels.items():
        assert plots._common.shorten(f"{k}: {label}", 22) in titles
        assert any(t.get_text() == plots._common.shorten(f"{k}: {label}", 46)
                   or t.get_text().startswith(f"{k}: ") and label.startswith(t.get_text()[len(f"{k}: "):].rstrip("…"))
                   for t in specs["07_topic_prevalence"].figure.axes[0].get_yticklabels())
    for name in ("13_keyness_by_group", "14_perspectives", "15_frame_difference", "16_frame_wording"):
        assert name in specs, name
    # figure 14 draws exactly the rows its CSV holds, with the perspectives table's numbers
    drawn = specs["14_perspectives"].table
    table = result.tables["perspectives"]
    merged = drawn.merge(table, on=["topic", "term", "group", "reference"], suffixes=("", "_t"))
    assert len(merged) == len(drawn) and np.allclose(merged["log_odds"], merged["log_odds_t"])
    # 02 colours only key terms
    side = specs["02_keyness"].table
    n_key = int((side["q_perm"] < 0.05).sum())
    assert f"{n_key} of {len(side)} terms are key" in specs["02_keyness"].claim
    html = render_report(result, figures={})
    assert "Which column decides" in html and "Wording within topics" in html
    for label in labels.values():  # the report names topics as the figures do
        assert f"<td>{label}</td>" in html


def test_keyness_command_lists_top_terms_per_group(seeds_study_fast, tmp_path, capsys):
    from textlab.cli import main
    from textlab.study.results import write_results

    folder = write_results(seeds_study_fast, tmp_path / "results")
    assert main(["keyness", str(folder), "--reference", "rest", "-n", "3"]) == 0
    out = capsys.readouterr().out
    keyness = seeds_study_fast.tables["keyness"]
    for g, rows in keyness[keyness.reference == "rest"].groupby("group"):
        for label in rows.nlargest(3, "z")["label"]:
            assert label in out
    assert main(["keyness", str(folder), "--topic", "1", "-n", "2"]) == 0
    out = capsys.readouterr().out
    persp = seeds_study_fast.tables["perspectives"]
    assert persp[persp.topic == 1].nlargest(1, "z")["label"].iloc[0] in out


def test_passage_topics_strip_is_one_patch_per_group_run_for_many_passages():
    rng = np.random.default_rng(3)
    n = 3000
    passages = pd.DataFrame({"passage_id": [f"d{i // 3}:{i % 3:03d}" for i in range(n)],
                             "doc_id": [f"d{i // 3}" for i in range(n)],
                             "group": np.repeat(GROUPS[:4], n // 4)})
    ax = plots.plot_passage_topics(rng.dirichlet(np.ones(5), size=n), passages)
    strip = [p for p in ax.patches if p.get_x() < 0]
    assert len(strip) == 4  # one per group run, not one per passage
    assert sorted(round(p.get_height()) for p in strip) == [n // 4] * 4
    assert ax.images[0].get_array().shape == (n, 5)
