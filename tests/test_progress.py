"""Tests for textlab._progress: bars on terminals, one-line reports in logs, silence on request."""

from __future__ import annotations

import io
import re

import pytest

from textlab import _progress
from textlab._progress import counter, progress


class _Log(io.StringIO):
    """A stderr that is not a terminal (a log file)."""

    def isatty(self) -> bool:
        return False


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def log(monkeypatch, capsys):
    """stderr as a log file: pytest's capture, which is not a terminal."""
    monkeypatch.delenv("TEXTLAB_PROGRESS", raising=False)

    class Reader:
        def getvalue(self) -> str:
            return capsys.readouterr().err

    return Reader()


def test_log_gets_a_line_per_tenth_and_one_at_the_end(log):
    assert list(progress(range(20), desc="model selection", unit="fit")) == list(range(20))
    lines = log.getvalue().splitlines()
    assert len(lines) == 10  # after 2, 4, ..., 18 items, and the final line
    assert lines[0].startswith("textlab: model selection: 2/20 fits (10%), elapsed 0:00:0")
    assert [int(re.search(r": (\d+)/20", line).group(1)) for line in lines] == [2, 4, 6, 8, 10, 12, 14, 16, 18, 20]
    assert lines[-1].endswith(" - done") and "(100%)" in lines[-1]


def test_log_line_every_30_seconds_without_a_total(log):
    ticks = iter(range(0, 1000, 20))  # the clock advances 20 s per reading
    stream = _Log()
    items = list(_progress._log_lines(iter(range(5)), "reading", None, "doc", stream, clock=lambda: next(ticks)))
    assert items == [0, 1, 2, 3, 4]
    lines = stream.getvalue().splitlines()
    # readings at 20, 40, 60, 80, 100 s after a start at 0: lines when >= 30 s passed since the last one
    assert [line.split(": ")[2].split(" ")[0] for line in lines] == ["2", "4", "5"]
    assert "elapsed 0:00:40" in lines[0] and lines[-1].endswith(" - done")


def test_stopping_early_still_reports(log):
    for i in progress(range(100), desc="sweeps", unit="step"):
        if i == 4:
            break
    import gc

    gc.collect()
    # items 0-3 were finished when the loop stopped during item 4
    assert log.getvalue().splitlines()[-1].startswith("textlab: sweeps: 4/100 steps (4%)")


@pytest.mark.parametrize("how", ["env", "argument"])
def test_silenced_by_env_and_argument(log, monkeypatch, how):
    if how == "env":
        monkeypatch.setenv("TEXTLAB_PROGRESS", "0")
        out = list(progress(range(30), desc="x"))
    else:
        out = list(progress(range(30), desc="x", disable=True))
    with counter("y", total=3, disable=True if how == "argument" else None) as bar:
        bar.update(3)
    assert out == list(range(30)) and log.getvalue() == ""


def test_terminal_gets_a_bar_not_lines(monkeypatch):
    stream = _Terminal()
    monkeypatch.setattr("sys.stderr", stream)
    monkeypatch.delenv("TEXTLAB_PROGRESS", raising=False)
    wrapped = progress(range(3), desc="bar", unit="fit")
    assert list(wrapped) == [0, 1, 2]
    assert "textlab: bar" not in stream.getvalue()  # tqdm draws, no log lines


def test_counter_writes_log_lines(log):
    with counter("tokenising", total=10, unit="doc") as bar:
        bar.update(5)
        bar.update(5)
    lines = log.getvalue().splitlines()
    assert lines[0].startswith("textlab: tokenising: 1/10 docs (10%)")
    assert lines[-1].startswith("textlab: tokenising: 10/10 docs (100%)") and lines[-1].endswith("done")
