"""Refresh docs/report-sample.png: the sample run's report in headless Chromium.

make run && .venv/bin/python docs/make_screenshot.py
"""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
report = (ROOT / "out" / "report.html").resolve()
if not report.exists():
    sys.exit("run 'make run' first")
subprocess.run(
    [
        "chromium",
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--hide-scrollbars",
        "--window-size=1280,2600",
        f"--screenshot={ROOT / 'docs' / 'report-sample.png'}",
        report.as_uri(),
    ],
    check=True,
    capture_output=True,
)
print("docs/report-sample.png written")
