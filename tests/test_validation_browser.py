"""The validation form in a real headless Chromium with the network blocked: answer, export, score."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
DRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
pytestmark = pytest.mark.skipif(not (Path(CHROMIUM).exists() and Path(DRIVER).exists()),
                                reason="Debian chromium and chromedriver are not installed (CI installs them)")


@pytest.fixture(scope="module")
def browser():
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--host-resolver-rules=MAP * ~NOTFOUND", "--no-proxy-server"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd("Network.setBlockedURLs", {"urls": ["http://*", "https://*", "ws://*", "wss://*"]})
    yield driver
    driver.quit()


def test_form_answers_export_and_score_offline(browser, tmp_path):
    import warnings

    import pandas as pd
    from selenium.webdriver.common.by import By

    from test_validation import HOSTILE, mini_result  # tests/ is on sys.path (pytest prepend import mode)
    from textlab.validation import ValidationItems, make_validation, score_validation, write_validation

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        validation = make_validation(mini_result(), n_word=1, n_topic=6, n_frame=6, random_state=0)
    items = validation.items.copy()
    items.loc[items.index[items["task"] == "topic_intrusion"][0], "text"] = HOSTILE
    validation = ValidationItems(items=items, key=validation.key, params=validation.params)
    folder = write_validation(validation, tmp_path / "validation")
    started = time.perf_counter()
    browser.get((folder / "form.html").resolve().as_uri())
    assert browser.title == "textlab validation"  # the hostile passage did not run
    texts = [e.text for e in browser.find_elements(By.CSS_SELECTOR, ".passage")]
    assert any("</script><script>document.title='owned'</script> <b>bold</b> &" in t for t in texts)
    key = validation.key
    for row in key.itertuples():  # a perfect coder
        values = row.answer.split(";")
        for value in values:
            browser.find_element(By.CSS_SELECTOR, f"input[name='{row.item_id}'][value='{value}']").click()
    assert browser.find_element(By.ID, "progress").text == f"{len(key)} of {len(key)} items answered"
    browser.find_element(By.ID, "coder").send_keys("ann, \"the\" coder")
    browser.find_element(By.ID, "export").click()
    csv = browser.find_element(By.ID, "csv").get_property("value")
    link = browser.find_element(By.ID, "download").get_attribute("href")
    assert link.startswith("data:text/csv")
    path = tmp_path / "ann.csv"
    path.write_text(csv, encoding="utf-8")
    answers = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert set(answers["coder"]) == {'ann, "the" coder'} and len(answers) == len(key)
    score = score_validation(folder, [path])
    assert (score.model["precision"] == 1).all()
    assert (score.frames[["precision", "recall"]].fillna(1) == 1).all().all()
    logs = [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    assert logs == []
    print(f"browser round trip {time.perf_counter() - started:.1f} s")
