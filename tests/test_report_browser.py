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
