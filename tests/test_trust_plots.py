"""Labels from data are drawn as written: ``$`` is a dollar sign, CJK/emoji get a font or one warning (issue 11, item 4)."""

from __future__ import annotations

import warnings

import matplotlib
import pandas as pd
import pytest
from matplotlib.text import Text

from textlab._errors import TextlabWarning
from textlab.plots import _style
from textlab.plots.frames import plot_frames
from textlab.plots.save import save_figure

matplotlib.use("Agg")


def _table(groups, frames=("security", "security")):
    return pd.DataFrame({"frame": list(frames) * 1 + list(frames), "group": list(groups) * 2,
                         "mean": [.01, .03, .02, .01], "ci_low": [.005, .02, .01, .0],
                         "ci_high": [.02, .04, .03, .02]}).iloc[:4]


def test_dollar_signs_in_group_and_frame_names_are_drawn_literally(tmp_path):
    groups = ["US$ 5 $ funds", r"$\frac{$"]
    ax = plot_frames(_table(groups, frames=("cost $ x $", "cost $ x $")))
    paths = save_figure(ax.figure, tmp_path / "dollars", formats=("png", "pdf"))  # mathtext would crash here
    assert all(p.stat().st_size > 0 for p in paths)
    texts = {t.get_text(): t for t in ax.figure.findobj(Text)}
    for label in (*groups, "cost $ x $"):
        assert label in texts and texts[label].get_parse_math() is False
        # drawn as plain text: its width is that of the literal string, not of a math expression
        assert texts[label]._get_layout(ax.figure.canvas.get_renderer())[1][0][0] == label


def test_labels_no_installed_font_covers_give_one_warning_naming_them(tmp_path, monkeypatch):
    monkeypatch.setattr(_style, "_WARNED", set())
    monkeypatch.setattr(_style, "_covering_family", lambda missing: None)
    groups = ["中文报道", "news 🚀"]
    ax = plot_frames(_table(groups))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        save_figure(ax.figure, tmp_path / "cjk", formats=("png",))
        save_figure(ax.figure, tmp_path / "cjk2", formats=("png",))  # said once, not per figure or glyph
    messages = [str(w.message) for w in caught]
    assert len(messages) == 1 and issubclass(caught[0].category, TextlabWarning), messages
    assert "'中文报道'" in messages[0] and "'news 🚀'" in messages[0] and "security" not in messages[0]


def test_a_covering_installed_font_is_added_for_the_labels_that_need_it(tmp_path, monkeypatch):
    from matplotlib import font_manager

    serif = font_manager.findfont(font_manager.FontProperties(family="DejaVu Serif"))
    if "Serif" not in serif:
        pytest.skip("DejaVu Serif is not installed")
    monkeypatch.setattr(_style, "_WARNED", set())
    monkeypatch.setattr(_style, "_covering_family", lambda missing: "DejaVu Serif")
    ax = plot_frames(_table(["中文", "plain"]))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        undrawable = _style.check_glyphs(ax.figure)
    assert undrawable == [] and not caught
    texts = {t.get_text(): t for t in ax.figure.findobj(Text)}
    assert texts["中文"].get_fontfamily()[-1] == "DejaVu Serif"
    assert "DejaVu Serif" not in texts["plain"].get_fontfamily()
