"""The trajectory view's offline map in real headless Chromium at 1366×768: the base map draws coastline,
country and province border traces (read from the page's Plotly figure and its SVG paths), the target's
track, and a change of target shows its loading state before the new track, never the old count as
current. Screenshots go to test-artifacts/dashboards/."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from graph.embedded import EmbeddedServer
from graph.store import GraphStore
from tests.api.conftest import free_port
from tests.conftest import settings_for
from tests.dashboards.site import Site, serve
from tests.dashboards.test_journey import no_console_errors, shot, sign_in, tab, wait_text
from tests.dashboards.test_workspace import SMALL, outside
from tianji.bootstrap import demo_users
from tianji.cli.mapdata import fetch_provinces
from tracks.service import run_tracks

pytestmark = pytest.mark.browser

#: every trace's layer, and how many of its points and SVG path characters are drawn
LAYERS = """const g = document.querySelector('#traj-map .js-plotly-plot');
if (!g || !g.data) { return null; }
const drawn = g.querySelectorAll('.scatterlayer .trace');
return g.data.map((t, i) => {
  const line = drawn[i] && drawn[i].querySelector('path.js-line');
  return {meta: t.meta, name: t.name, points: (t.x || []).filter(x => x !== null).length,
          path: line ? (line.getAttribute('d') || '').length : 0};
});"""
#: every text the notice shows from now on, and whether the map's loading spinner came up
WATCH_NOTICE = """window.trajNotices = [];
window.trajSpinner = false;
const notice = document.getElementById('traj-notice');
new MutationObserver(() => {
  window.trajSpinner = window.trajSpinner || !!document.querySelector('#traj-loading .dash-spinner');
}).observe(document.getElementById('traj-loading'), {childList: true, subtree: true});
new MutationObserver(() => window.trajNotices.push(notice.innerText))
  .observe(notice, {childList: true, subtree: true, characterData: true});"""


@pytest.fixture(scope="module")
def server(graph_server: EmbeddedServer, world_store: GraphStore, small_world: Path) -> Iterator[Site]:
    settings = settings_for(graph_server, world_store.settings.graph_name, api_port=free_port())
    demo_users(world_store, settings, Path("."))
    run_tracks(world_store, settings, small_world)
    fetch_provinces(settings)  # as make run derives them at setup
    with serve(settings) as site:
        yield site


def layers(driver: webdriver.Chrome) -> list[dict[str, Any]]:
    return list(driver.execute_script(LAYERS) or [])


def track(driver: webdriver.Chrome) -> dict[str, Any]:
    return next(t for t in layers(driver) if t["meta"] == "track")


def options(driver: webdriver.Chrome) -> list[str]:
    """The target dropdown's option labels (opened, read, closed)."""
    driver.find_element(By.ID, "traj-target").click()
    WebDriverWait(driver, 20).until(lambda d: d.find_elements(By.XPATH, "//*[@role='option']"))
    labels = [o.text for o in driver.find_elements(By.XPATH, "//*[@role='option']")]
    driver.find_element(By.TAG_NAME, "h2").click()
    return labels


def test_the_map_draws_real_borders_a_track_and_shows_loading_on_a_change(
    server: Site, browser: webdriver.Chrome
) -> None:
    driver = browser
    driver.set_window_size(*SMALL)
    sign_in(driver, server, "demo_investigator")
    tab(driver, "Trajectories", "traj-map")
    wait_text(driver, "#traj-notice", "tracks")
    first = driver.find_element(By.ID, "traj-notice").text.split(":")[0]
    WebDriverWait(driver, 20).until(lambda d: track(d)["path"] > 0)
    shot(driver, "30-map-track")
    drawn = layers(driver)
    by_layer: dict[str, list[dict[str, Any]]] = {}
    for trace in drawn:
        by_layer.setdefault(trace["meta"], []).append(trace)
    for layer, least in (("coast", 500), ("country", 20), ("province", 50), ("land", 500)):
        (trace,) = by_layer[layer]
        assert trace["points"] >= least, (layer, trace)
        assert trace["path"] > 0, (layer, "not drawn")  # an SVG path on the page
    assert len(by_layer["zone"]) >= 4 and by_layer["port"][0]["points"] >= 2
    target = track(driver)
    assert target["name"] == first and target["points"] > 1
    assert outside(driver, "#traj-map", "#traj-notice") == []
    bottom, height = driver.execute_script(
        "return [document.getElementById('traj-map').getBoundingClientRect().bottom, window.innerHeight]"
    )
    assert bottom <= height + 1  # the whole map in the window, no scrolling to reach its lower half
    # a different target: the notice says it is loading at once, then the new track and count come
    labels = options(driver)
    other = next(label for label in labels if first not in label)
    value = other.split(" ")[2]  # "车 Truck PLATE · …" or "船 Vessel MMSI …"
    old = driver.find_element(By.ID, "traj-notice").text
    driver.execute_script(WATCH_NOTICE)
    # a slow answer, as at scale (the companion scan takes seconds): every request waits 1.5 s
    driver.execute_cdp_cmd("Network.enable", {})
    slow = {"offline": False, "latency": 1500, "downloadThroughput": -1, "uploadThroughput": -1}
    driver.execute_cdp_cmd("Network.emulateNetworkConditions", slow)
    driver.find_element(By.ID, "traj-target").click()
    WebDriverWait(driver, 20).until(
        lambda d: d.find_elements(By.XPATH, f"//*[@role='option' and contains(., '{other}')]")
    )
    driver.find_element(By.XPATH, f"//*[@role='option' and contains(., '{other}')]").click()
    try:
        WebDriverWait(driver, 60).until(lambda d: track(d)["name"] == value)
        wait_text(driver, "#traj-notice", value + ":")
    finally:
        driver.execute_cdp_cmd("Network.emulateNetworkConditions", {**slow, "latency": 0})
    shot(driver, "31-map-new-target")
    notices = driver.execute_script("return window.trajNotices")
    assert notices and notices[0].startswith("加载中 Loading " + value), notices
    assert old not in notices, notices  # the old count never shown again as current
    assert driver.execute_script("return window.trajSpinner")  # the old track dimmed under a spinner
    assert notices[-1].startswith(value + ":") and ("tracks" in notices[-1] or "No points" in notices[-1])
    assert track(driver)["path"] > 0
    assert {t["meta"] for t in layers(driver)} >= {"coast", "country", "province"}  # the base map stays
    # a fence drawn on the map still reports, and stays when the hours change
    driver.execute_script(
        "const g = document.querySelector('#traj-map .js-plotly-plot');"
        "Plotly.relayout(g, {shapes: [{type: 'path', path: 'M112.0,21.0L115.0,21.0L115.0,24.0L112.0,24.0Z'}]});"
    )
    wait_text(driver, "#traj-fence", "entered")
    shot(driver, "32-map-fence")
    no_console_errors(driver)
