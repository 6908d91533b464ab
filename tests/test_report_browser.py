"""The report in a real browser: headless Chromium loads it with no console error.

Needs Debian's ``chromium`` and ``chromium-driver`` (``.ci/run`` installs them);
skips with the reason where they are absent, and fails in CI instead.
"""

import shutil

import pytest

from tests.conftest import IN_CI, ROOT
from tests.helpers import d2r


def _browser():
    chromium, driver = shutil.which("chromium") or shutil.which("chromium-browser"), shutil.which("chromedriver")
    if not (chromium and driver):
        message = "headless Chromium not installed (apt-get install chromium chromium-driver)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--window-size=1280,2400",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(driver), options=options)


def test_report_loads_without_console_errors(tmp_path, sample_dir):
    out = tmp_path / "out"
    d2r("run", sample_dir, "--out", out, "-q")
    browser = _browser()
    try:
        browser.get((out / "report.html").resolve().as_uri())
        from selenium.webdriver.common.by import By

        for section in ("summary", "stances", "network", "clauses", "votes", "evidence", "errors"):
            element = browser.find_element(By.ID, section)
            assert element.is_displayed(), section
        assert browser.find_elements(By.CSS_SELECTOR, "#stances svg rect")
        rows = browser.find_elements(By.CSS_SELECTOR, "#evidence-table tbody tr")
        assert len(rows) >= 5
        box = browser.find_element(By.ID, "filter")
        box.send_keys("Turkey")
        visible = [r for r in rows if r.is_displayed()]
        assert 0 < len(visible) < len(rows)
        errors = [e for e in browser.get_log("browser") if e["level"] in ("SEVERE", "ERROR")]
        assert errors == []
        browser.save_screenshot(str(tmp_path / "report.png"))
    finally:
        browser.quit()


def test_docs_keep_a_screenshot_of_the_sample_report():
    assert (ROOT / "docs" / "report-sample.png").stat().st_size > 10_000


def test_marks_made_in_the_report_download_as_corrections_a_rerun_applies(tmp_path, sample_dir):
    import time

    import pandas as pd
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    out = tmp_path / "out"
    d2r("run", sample_dir, "--out", out, "-q")
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    browser = _browser()
    try:
        browser.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
        browser.get((out / "report.html").resolve().as_uri())
        rows = browser.find_elements(By.CSS_SELECTOR, "#evidence-table tbody tr")
        ids = [r.get_attribute("data-id") for r in rows[:2]]
        Select(rows[0].find_element(By.CSS_SELECTOR, "select.mark")).select_by_value("confirm")
        Select(rows[1].find_element(By.CSS_SELECTOR, "select.mark")).select_by_value("reject")
        browser.find_element(By.ID, "reviewer").send_keys("R. Viewer")
        assert browser.find_element(By.ID, "marked").text == "2 rows marked"
        Select(browser.find_element(By.ID, "review-filter")).select_by_value("confirmed")
        assert not [r for r in rows if r.is_displayed()]  # nothing is confirmed before the rerun
        browser.find_element(By.ID, "download-marks").click()
        deadline = time.monotonic() + 20
        while not (downloads / "corrections.csv").exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert [e for e in browser.get_log("browser") if e["level"] in ("SEVERE", "ERROR")] == []
    finally:
        browser.quit()
    marks = downloads / "corrections.csv"
    rerun = d2r("run", sample_dir, "--out", out, "-q", "--corrections", marks)
    assert "0 processed" in rerun.stdout and "2 corrections applied" in rerun.stdout
    evidence = pd.read_csv(out / "evidence.csv", keep_default_na=False).set_index("evidence_id")
    assert evidence.loc[ids[0], "review"] == "confirmed" and ids[1] not in evidence.index
    assert pd.read_csv(out / "rejected.csv")["evidence_id"].tolist() == [ids[1]]
    assert set(pd.read_csv(marks)["reviewer"]) == {"R. Viewer"}
