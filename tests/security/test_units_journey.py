"""A browser journey in real headless Chromium: officers of two units sign in and see different data, and
the audit attributes every request of the journey to the officer who made it.

The small world plants restricted cases of two units: C00006 belongs to GZ, C00005 to TJ. Screenshots go
to test-artifacts/security/.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from api.audit import entries, open_audit
from graph.embedded import EmbeddedServer
from graph.store import GraphStore
from tests.api.conftest import free_port
from tests.conftest import settings_for
from tests.dashboards.site import Site, serve
from tests.dashboards.test_journey import browser, sign_in, tab, wait_text
from tianji.bootstrap import demo_users
from tianji.core.settings import Settings

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "security"
pytestmark = pytest.mark.browser
__all__ = ["browser"]  # the headless Chromium fixture of the dashboard journeys


@pytest.fixture(scope="module")
def site_settings(graph_server: EmbeddedServer, world_store: GraphStore) -> Settings:
    return settings_for(graph_server, world_store.settings.graph_name, api_port=free_port())


@pytest.fixture(scope="module")
def site(site_settings: Settings, world_store: GraphStore, small_world: Path) -> Iterator[Site]:
    demo_users(world_store, site_settings, small_world)
    with serve(site_settings) as served:
        yield served


def case_title(small_world: Path, case_id: str) -> str:
    with (small_world / "cases.csv").open(encoding="utf-8") as f:
        row = next(r for r in csv.DictReader(f) if r["id"] == case_id)
    assert row["restricted"] == "true"
    return row["title"]


def search(driver: webdriver.Chrome, text: str) -> str:
    """Search on the workbench and return the results once they answer this text (the answer names it)."""
    box = driver.find_element(By.ID, "search-text")
    box.send_keys(Keys.CONTROL, "a")
    box.send_keys(text, Keys.ENTER)
    answered = f"“{text}”"
    WebDriverWait(driver, 60).until(
        lambda d: d.find_element(By.ID, "search-results").text.strip().startswith(answered)
    )
    return str(driver.find_element(By.ID, "search-results").text)


def shot(driver: webdriver.Chrome, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(ARTIFACTS / f"{name}.png"))


def test_officers_of_two_units_see_their_own_restricted_cases(
    site: Site, site_settings: Settings, browser: webdriver.Chrome, small_world: Path
) -> None:
    driver = browser
    gz_case, tj_case = case_title(small_world, "C00006"), case_title(small_world, "C00005")
    audit = open_audit(site_settings)
    before = max((e["id"] for e in entries(audit, after_id=0, limit=100_000)), default=0)

    sign_in(driver, site, "demo_investigator")  # unit GZ
    tab(driver, "Workbench", "search-text")
    assert f"Case · {gz_case}" in search(driver, gz_case)
    assert f"Case · {tj_case}" not in search(driver, tj_case)
    assert f"Case · {gz_case}" in search(driver, gz_case)
    driver.find_element(By.XPATH, "//*[@id='search-results']//button[contains(., 'Case')]").click()
    try:  # the case opens in the analysis centre, its details beside the canvas
        wait_text(driver, "#details", "C00006")
    finally:
        shot(driver, "01-gz-case-opened")
    tab(driver, "Workbench", "custom-tag-text")
    driver.find_element(By.ID, "custom-tag-text").send_keys("复核 review")  # a write, on the unit's own case
    driver.find_element(By.ID, "custom-tag-add").click()
    wait_text(driver, "#custom-tags", "复核 review")
    shot(driver, "02-gz-case-tagged")
    driver.find_element(By.ID, "sign-out").click()
    WebDriverWait(driver, 20).until(EC.presence_of_element_located((By.ID, "signed-out")))
    shot(driver, "03-signed-out")

    sign_in(driver, site, "demo_investigator_tj")  # unit TJ
    tab(driver, "Workbench", "search-text")
    assert f"Case · {gz_case}" not in search(driver, gz_case)
    assert f"Case · {tj_case}" in search(driver, tj_case)
    shot(driver, "04-tj-officer")
    wait_text(driver, "#officer-name", "TJ")

    journey = entries(audit, after_id=before, limit=100_000)
    searches = [
        (e["user"], e["unit"], json.loads(e["variables"]).get("t"))
        for e in journey
        if "search(" in e["document"]
    ]
    assert {s[2] for s in searches if s[0] == "demo_investigator"} == {gz_case, tj_case}
    assert {s[2] for s in searches if s[0] == "demo_investigator_tj"} == {gz_case, tj_case}
    assert {(user, unit) for user, unit, _ in searches} == {
        ("demo_investigator", "GZ"),
        ("demo_investigator_tj", "TJ"),
    }
    tagged = [(e["user"], e["unit"]) for e in journey if "addCustomTag" in e["document"]]
    assert tagged == [("demo_investigator", "GZ")]
    # nobody else acted (requests before signing in, such as the sign-in page, are audited as anonymous)
    assert {e["user"] for e in journey} - {"anonymous"} <= {"demo_investigator", "demo_investigator_tj"}
