"""Match review in headless Chromium at 1366×768: the review queue that a real resolution run left (200
generated people, one of them split by an analyst and then matched again across the split), its
contradiction found by the filter, its waterfall of weights drawn, and a pair settled by the analyst
while an investigator may only read."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from graph.embedded import EmbeddedServer
from graph.open import open_store
from graph.store import GraphStore
from ingest.resolution.review import items, open_review, record_action
from ingest.resolution.subjects import resolve_records
from tests.api.conftest import free_port
from tests.conftest import settings_for
from tests.dashboards.site import Site, serve
from tests.dashboards.test_journey import no_console_errors, shot, sign_in, tab, wait_text
from tests.ingest.resolution.test_contradictions import strongly_matching_triple
from tianji.bootstrap import demo_users
from tianji.core.settings import Settings

pytestmark = pytest.mark.browser
SMALL = (1366, 768)


@pytest.fixture(scope="module")
def site_settings(graph_server: EmbeddedServer) -> Settings:
    return settings_for(graph_server, "review_site", api_port=free_port())


@pytest.fixture(scope="module")
def people_store(site_settings: Settings) -> Iterator[GraphStore]:
    store = open_store(settings=site_settings)
    store.clear()
    store.apply_schema()
    yield store
    store.close()


@pytest.fixture(scope="module")
def queue(site_settings: Settings, people_store: GraphStore) -> tuple[str, str]:
    """The review queue of a resolution run over generated people where an analyst had split a and b."""
    records, a, b, _ = strongly_matching_triple()
    rows = [{**r, "source": "case_file", "id_hash": ""} for r in records]
    record_action(
        open_review(site_settings), "person", "split", a, cannot=[(a, b)], payload={}, user="analyst"
    )
    resolve_records(people_store, site_settings, "person", rows)
    return a, b


@pytest.fixture(scope="module")
def server(site_settings: Settings, people_store: GraphStore, queue: tuple[str, str]) -> Iterator[Site]:
    demo_users(people_store, site_settings, Path("."))
    with serve(site_settings) as site:
        yield site


def press(driver: webdriver.Chrome, component: dict[str, object]) -> None:
    """Click the component of a pattern-matched id (Dash writes it as JSON with sorted keys)."""
    key = json.dumps(component, sort_keys=True, separators=(",", ":"))
    driver.find_element(By.XPATH, f"//*[@id='{key}']").click()


def entries(driver: webdriver.Chrome) -> list[str]:
    """The listed pairs' texts, read in one script call (the list may be redrawn between two reads)."""
    found = driver.execute_script(
        "return [...document.querySelectorAll('#review-list .review-entry')].map(e => e.innerText);"
    )
    return [str(t) for t in found]


def test_an_analyst_finds_the_contradiction_reads_its_weights_and_settles_a_pair(
    server: Site, browser: webdriver.Chrome, site_settings: Settings, queue: tuple[str, str]
) -> None:
    driver = browser
    driver.set_window_size(*SMALL)
    engine = open_review(site_settings)
    pending = items(engine, "person", limit=500)
    assert len(pending) > 1  # the run left pairs to review, the contradiction among them
    sign_in(driver, server, "demo_analyst")
    tab(driver, "Match review", "review-list")
    WebDriverWait(driver, 60).until(lambda d: len(entries(d)) == min(len(pending), 100))
    assert driver.find_element(By.ID, "review-count").text.startswith(f"{min(len(pending), 100)} 对 pairs")
    driver.find_element(By.CSS_SELECTOR, "#review-flag input").click()  # contradictions only
    a, b = queue
    WebDriverWait(driver, 40).until(lambda d: entries(d) and all("contradiction" in t for t in entries(d)))
    assert any(a in t and b in t for t in entries(driver))
    driver.find_element(By.CSS_SELECTOR, "#review-list .review-contradiction").click()
    wait_text(driver, ".review-contradiction-detail", "analyst")
    shot(driver, "30-match-review-contradiction")
    driver.find_element(By.CSS_SELECTOR, "#review-flag input").click()  # every open pair again
    WebDriverWait(driver, 40).until(lambda d: not all("contradiction" in t for t in entries(d)))
    plain = next(i for i in pending[:100] if i["flag"] is None and i["features"].get("explanation"))
    press(driver, {"type": "review-entry", "index": plain["id"]})
    wait_text(driver, ".review-title", f"#{plain['id']}")
    bars = WebDriverWait(driver, 40).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, "#review-waterfall g.point")
    )
    assert len(bars) == len(plain["features"]["explanation"]) + 1  # each field's weight, then the total
    shot(driver, "31-match-review-waterfall")
    press(driver, {"type": "review-decide", "index": "rejected"})
    wait_text(driver, "#review-msg", "rejected (demo_analyst)")
    decided = [i for i in items(engine, "person", status="rejected", limit=500) if i["id"] == plain["id"]]
    assert decided and decided[0]["decided_by"] == "demo_analyst"
    WebDriverWait(driver, 40).until(lambda d: not any(t.startswith(f"#{plain['id']} ") for t in entries(d)))
    shot(driver, "32-match-review-decided")
    no_console_errors(driver)


def test_an_investigator_reads_the_queue_but_cannot_decide(
    server: Site, browser: webdriver.Chrome, site_settings: Settings
) -> None:
    driver = browser
    driver.set_window_size(*SMALL)
    sign_in(driver, server, "demo_investigator")
    tab(driver, "Match review", "review-list")
    WebDriverWait(driver, 60).until(lambda d: entries(d))
    driver.find_element(By.CSS_SELECTOR, "#review-list .review-entry").click()
    wait_text(driver, ".review-title", "#")
    picked = int(driver.find_element(By.CSS_SELECTOR, ".review-title").text.split()[0].lstrip("#"))
    press(driver, {"type": "review-decide", "index": "confirmed"})
    (refusal,) = WebDriverWait(driver, 40).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, "#review-msg .review-error")
    )
    assert "may not" in refusal.text
    still = [i for i in items(open_review(site_settings), "person", limit=500) if i["id"] == picked]
    assert still and still[0]["status"] == "open"
    no_console_errors(driver)
