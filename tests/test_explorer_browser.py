"""The explorer in a real browser: headless Debian chromium, network blocked, as a new user would use it.

Skipped only when chromium, its driver or selenium is absent (``.ci/run`` installs them).  The
screenshot is kept in pytest's ``tmp_path`` and copied to ``benchmarks/out/`` (gitignored).
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

CHROMIUM, DRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
HOSTILE = "<script>window.__pwned = 1</script><img src=x onerror=\"window.__pwned = 2\"> injected text"

pytestmark = pytest.mark.skipif(not (CHROMIUM.exists() and DRIVER.exists()),
                                reason="Debian chromium and chromedriver are not installed")


@pytest.fixture(scope="module")
def page(seeds_study_fast, tmp_path_factory):
    """The seeds explorer, with a passage of topic 2 holding markup that must not run."""
    from textlab.explorer import Explorer, explore

    explorer = explore(seeds_study_fast)
    target = explorer.topic_passages.loc[explorer.topic_passages["key"] == 2, "passage_id"].iloc[0]
    passages = explorer.passages.copy()
    passages.loc[passages["passage_id"] == target, "text"] = HOSTILE
    explorer = Explorer(**{**{n: getattr(explorer, n) for n in explorer.tables()}, "passages": passages},
                        params=explorer.params)
    return explorer, explorer.save(tmp_path_factory.mktemp("explorer") / "explorer.html")


@pytest.fixture(scope="module")
def browser():
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1500,2000", "--host-resolver-rules=MAP * ~NOTFOUND"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(str(DRIVER)), options=options)
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd("Network.setBlockedURLs", {"urls": ["*"]})
    yield driver
    driver.quit()


def _wait(driver, script: str, timeout: float = 15.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = driver.execute_script(script)
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for: {script}")


def _term_labels(driver) -> list[str]:
    return driver.execute_script(
        "return Array.from(document.querySelectorAll('.tlx-view-terms .role-axis-label text'))"
        ".map(t => t.textContent).filter(t => isNaN(Number(t.replace(/,/g, ''))));")


@pytest.fixture(scope="module")
def loaded(browser, page):
    explorer, path = page
    browser.get(path.as_uri())
    assert _wait(browser, "return document.querySelector('.tlx').dataset.ready") == "1"
    return browser, explorer


def test_loads_offline_without_errors_or_requests(loaded):
    driver, explorer = loaded
    assert driver.execute_script("return performance.getEntriesByType('resource').length") == 0
    errors = [e for e in driver.get_log("browser") if e["level"] in ("SEVERE", "WARNING")]
    assert errors == []
    # the six views drew (SVG renderer), topic 1 is shown first
    assert driver.execute_script("return document.querySelectorAll('.tlx-view svg.marks').length") == 6
    assert driver.execute_script("return document.querySelector('.tlx').dataset.topic") == "1"
    assert len(_term_labels(driver)) == explorer.params["n_terms"]
    menus = driver.execute_script("return Array.from(document.querySelectorAll('.tlx-view .vega-actions'))"
                                  ".map(m => Array.from(m.querySelectorAll('a')).map(a => a.textContent))")
    assert len(menus) == 6 and all("Save as SVG" in m and "Save as PNG" in m for m in menus)  # every view exports


def test_moving_lambda_changes_the_term_bars(loaded):
    driver, _ = loaded
    before = _term_labels(driver)
    slider = driver.find_element("css selector", ".tlx-view-terms input[type=range]")
    driver.execute_script("arguments[0].value = '0'; arguments[0].dispatchEvent(new Event('input'));", slider)
    _wait(driver, f"return {before!r}.join('|') !== Array.from(document.querySelectorAll("
                  "'.tlx-view-terms .role-axis-label text')).map(t => t.textContent).filter(t => "
                  "isNaN(Number(t.replace(/,/g, '')))).join('|')")
    after = _term_labels(driver)
    assert after != before and len(after) == len(before)


def test_clicking_a_topic_shows_its_passages_and_corpus_text_stays_text(loaded, tmp_path, repo_root):
    from selenium.webdriver.common.action_chains import ActionChains

    driver, explorer = loaded
    circles = driver.find_elements("css selector", ".tlx-view-map .mark-symbol path")
    ActionChains(driver).move_to_element(circles[1]).click().perform()  # topic 2 (data order)
    _wait(driver, "return document.querySelector('.tlx').dataset.topic === '2'")
    evidence = driver.find_element("css selector", ".tlx-evidence-body").text
    assert evidence.startswith("Topic 2")
    second = explorer.topic_passages[explorer.topic_passages["key"] == 2].iloc[1]
    first_words = " ".join(explorer.passages.set_index("passage_id").loc[second["passage_id"], "text"].split()[:6])
    assert first_words in evidence and f"passage {second['passage_id']}" in evidence
    assert HOSTILE in evidence  # shown as text ...
    assert driver.execute_script("return window.__pwned === undefined")  # ... never run
    assert driver.execute_script("return document.querySelectorAll('.tlx-evidence-body img, "
                                 ".tlx-evidence-body script').length") == 0
    shot = tmp_path / "explorer_seeds.png"
    driver.save_screenshot(str(shot))
    assert shot.stat().st_size > 10_000
    out = repo_root / "benchmarks" / "out"
    out.mkdir(parents=True, exist_ok=True)
    shutil.copy(shot, out / shot.name)
    assert [e for e in driver.get_log("browser") if e["level"] == "SEVERE"] == []


def test_clicking_a_term_shows_its_contexts(loaded):
    driver, explorer = loaded
    driver.find_elements("css selector", ".tlx-view-terms .mark-rect path[fill='#D55E00']")[0].click()
    _wait(driver, "return document.querySelector('.tlx-evidence-body h3').textContent.startsWith('Term: ')")
    rows = driver.find_elements("css selector", ".tlx-evidence-body table.tlx-kwic tr")
    heading = driver.find_element("css selector", ".tlx-evidence-body h3").text
    term = heading.removeprefix("Term: ")
    assert term in _term_labels(driver)
    stored = explorer.kwic[explorer.kwic["term"].isin(explorer.terms.loc[explorer.terms["label"] == term, "term"])]
    assert len(rows) == len(stored) > 0
    assert stored["match"].iloc[0] in rows[0].text


def test_clicking_a_frame_shows_its_passages(loaded):
    from selenium.webdriver.common.action_chains import ActionChains

    driver, explorer = loaded
    point = driver.find_elements("css selector", ".tlx-view-frames .mark-symbol path")[0]
    ActionChains(driver).move_to_element(point).click().perform()
    _wait(driver, "return document.querySelector('.tlx-evidence-body h3').textContent.startsWith('Frame: ')")
    frame = driver.find_element("css selector", ".tlx-evidence-body h3").text.removeprefix("Frame: ")
    shown = driver.find_elements("css selector", ".tlx-evidence-body .tlx-passage")
    expected = explorer.frame_passages[explorer.frame_passages["key"] == frame]
    assert len(shown) == len(expected) > 0
    assert [e.get_attribute("data-passage") for e in shown] == expected["passage_id"].tolist()


def test_notebook_display_renders_inside_its_iframe(browser, page, tmp_path):  # last: it leaves the page
    explorer, _ = page
    notebook = tmp_path / "notebook_output.html"
    notebook.write_text(f"<!DOCTYPE html><html><body><div class='output'>{explorer._repr_html_()}</div></body></html>",
                        encoding="utf-8")
    browser.get(notebook.as_uri())
    browser.switch_to.frame(browser.find_element("css selector", "iframe"))
    try:
        assert _wait(browser, "return document.querySelector('.tlx') && document.querySelector('.tlx').dataset.ready") \
            == "1"
        assert len(_term_labels(browser)) == explorer.params["n_terms"]
    finally:
        browser.switch_to.default_content()
    assert [e for e in browser.get_log("browser") if e["level"] == "SEVERE"] == []
