"""What every browser test of the dashboards stands on: the app served on a real port (``serve``) and one
headless Chromium per module (the ``browser`` fixture). Screenshots go to ``ARTIFACTS``."""

from __future__ import annotations

import json
import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service

from api.app import create_app
from tianji.core.settings import Settings

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "dashboards"


@dataclass(frozen=True)
class Site:
    """The running server: the dashboards' URL and the demo officers' passwords."""

    url: str
    passwords: dict[str, str]


@contextmanager
def serve(settings: Settings) -> Iterator[Site]:
    """The app of ``settings`` served by uvicorn on ``settings.api_port`` until the block ends; the demo
    officers are those ``demo_users`` wrote to the data directory."""
    uv = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=settings.api_port, log_level="warning")
    )
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    while not uv.started:
        time.sleep(0.05)
    officers = json.loads((settings.data_dir / "demo-officers.json").read_text())
    try:
        yield Site(
            f"http://127.0.0.1:{settings.api_port}/dash/", {n: o["password"] for n, o in officers.items()}
        )
    finally:
        uv.should_exit = True
        thread.join(timeout=10)


def chromium(*args: str) -> webdriver.Chrome:
    """Chromium started with the command-line ``args``, its whole console log kept (``no_console_errors``
    reads it)."""
    options = Options()
    for arg in args:
        options.add_argument(arg)
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(
        service=Service(shutil.which("chromedriver") or "/usr/bin/chromedriver"), options=options
    )


@pytest.fixture(scope="module")
def browser() -> Iterator[webdriver.Chrome]:
    if not shutil.which("chromium") or not shutil.which("chromedriver"):
        pytest.fail("chromium and chromium-driver are needed (make test installs them)")
    driver = chromium(
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1600,1100",
        "--disable-dev-shm-usage",
    )
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    yield driver
    driver.quit()
