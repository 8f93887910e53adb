"""Browser journeys in real headless Chromium against a running server with the analysed small world.

Screenshots of each step go to test-artifacts/dashboards/; any SEVERE browser console entry fails the test.
Each journey signs in first, as the demo officer whose work it is (``sign_in``).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from alerts.conditions import Finding
from alerts.raising import raise_alert
from algorithms.service import run_drift, run_gangs
from graph.embedded import EmbeddedServer
from graph.store import GraphStore
from tagging.service import run_tagging
from tests.api.conftest import free_port
from tests.conftest import settings_for
from tests.dashboards.site import ARTIFACTS, Site, browser, serve
from tianji.bootstrap import demo_users

pytestmark = pytest.mark.browser
__all__ = ["browser"]  # the headless Chromium fixture (tests/dashboards/site.py), shared from here as before


@pytest.fixture(scope="module")
def server(graph_server: EmbeddedServer, world_store: GraphStore, small_world: Path) -> Iterator[Site]:
    from tracks.service import run_tracks

    settings = settings_for(graph_server, world_store.settings.graph_name, api_port=free_port())
    demo_users(world_store, settings, Path("."))
    run_tracks(world_store, settings, small_world)
    run_tagging(world_store, settings, Path("."))
    run_gangs(world_store, settings)
    run_drift(world_store, settings)
    from alerts.watches import WatchSpec, create_watch

    drifted = world_store.query("MATCH (:DriftEvent)-[:DRIFT_OF]->(g:Gang) RETURN g.id AS id LIMIT 1")[0][
        "id"
    ]
    create_watch(
        world_store, WatchSpec(owner="demo_investigator", unit="GZ", target_label="Gang", target_id=drifted)
    )
    _certificate(world_store, settings)
    finding = Finding("new_port", "new_port:5200", 4, "异地申报 Declaring at a new port 5200")
    raise_alert(
        world_store, {"id": "watch_demo", "owner": "demo_investigator", "unit": "GZ"}, finding, scan_id="t"
    )
    with serve(settings) as site:
        yield site


def _certificate(store: GraphStore, settings: Any) -> str:
    """A certificate read for the first declaration (its origin deliberately wrong): what the journey opens."""
    entry = store.query("MATCH (d:Declaration)-[:CONSIGNEE]->() RETURN d.id AS id ORDER BY d.id LIMIT 1")[0][
        "id"
    ]
    certificate_of_wrong_origin(store, settings, entry)
    return entry


def certificate_of_wrong_origin(store: GraphStore, settings: Any, entry: str) -> None:
    """Render and read a certificate of origin for the declaration ``entry`` that names origin XX."""
    import io
    import random

    from imaging.certificate_pages import render, sample_fields
    from imaging.service import declaration_facts, read_certificate

    facts = declaration_facts(store, entry)
    fields = sample_fields(
        random.Random(4), "origin", {**facts, "quantity": int(facts["quantity"] or 1), "origin": "XX"}
    )
    buffer = io.BytesIO()
    render("origin", fields, random.Random(4)).save(buffer, format="PNG")
    read_certificate(store, settings, buffer.getvalue(), entry)


def sign_in(driver: webdriver.Chrome, site: Site, name: str) -> None:
    """Sign in on the sign-in page as the demo officer ``name`` and land on the dashboards."""
    driver.delete_all_cookies()
    driver.get(site.url)  # not signed in: sent to the sign-in page
    WebDriverWait(driver, 20).until(EC.presence_of_element_located((By.ID, "username")))
    driver.find_element(By.ID, "username").send_keys(name)
    driver.find_element(By.ID, "password").send_keys(site.passwords[name])
    driver.find_element(By.ID, "sign-in").click()
    wait_text(driver, "h2", "天机 Tianji")
    wait_text(driver, "#officer-name", name)


def shot(driver: webdriver.Chrome, name: str) -> None:
    driver.save_screenshot(str(ARTIFACTS / f"{name}.png"))


def no_console_errors(driver: webdriver.Chrome) -> None:
    severe = [
        e for e in driver.get_log("browser") if e["level"] == "SEVERE" and "favicon" not in e["message"]
    ]
    assert severe == [], severe


def wait_text(driver: webdriver.Chrome, css: str, text: str, timeout: float = 40) -> Any:
    return WebDriverWait(driver, timeout).until(
        EC.text_to_be_present_in_element((By.CSS_SELECTOR, css), text)
    )


def tab(driver: webdriver.Chrome, label: str, expect: str) -> None:
    """Open the tab whose title holds ``label`` and wait for the element ``expect`` (an id) to render."""
    driver.find_element(By.XPATH, f"//*[@id='tabs']//*[contains(text(), '{label}')]").click()
    WebDriverWait(driver, 40).until(EC.presence_of_element_located((By.ID, expect)))


def choose(driver: webdriver.Chrome, dropdown: str, text: str) -> None:
    """Open a Dash dropdown, type into its search box and click the option holding ``text``."""
    driver.find_element(By.ID, dropdown).click()
    search = WebDriverWait(driver, 20).until(
        EC.presence_of_element_located((By.CSS_SELECTOR, "input.dash-dropdown-search"))
    )
    search.send_keys(text)
    # the list is drawn again as the typed text filters it: an option found just before may be replaced
    # by the time it is looked at or clicked, so the wait and the click look it up again
    wait = WebDriverWait(driver, 20, ignored_exceptions=(StaleElementReferenceException,))
    wait.until(lambda d: _click_option(d, text))


def _click_option(driver: webdriver.Chrome, text: str) -> bool:
    option = EC.element_to_be_clickable((By.XPATH, f"//*[@role='option' and contains(., '{text}')]"))(driver)
    if not option:
        return False
    option.click()
    return True


def test_investigator_journey(server: Site, browser: webdriver.Chrome, world_store: GraphStore) -> None:
    driver = browser
    sign_in(driver, server, "demo_investigator")
    tab(driver, "Workbench", "search-text")
    box = driver.find_element(By.ID, "search-text")
    box.send_keys("贸易", Keys.ENTER)
    wait_text(driver, "#search-results", "Enterprise")
    shot(driver, "01-search")
    driver.find_element(By.CSS_SELECTOR, "#search-results button").click()
    WebDriverWait(driver, 40).until(lambda d: d.find_element(By.ID, "tabs").is_displayed())
    time.sleep(2)
    shot(driver, "02-expand")
    gang = world_store.query("MATCH (d:DriftEvent)-[:DRIFT_OF]->(g:Gang) RETURN g.id AS id LIMIT 1")[0]["id"]
    tab(driver, "Analysis centre", "gang-select")
    choose(driver, "gang-select", gang)
    wait_text(driver, "#gang-panel", gang)
    wait_text(driver, "#gang-panel", "Key members")
    shot(driver, "03-gang")
    events = driver.find_elements(By.CSS_SELECTOR, "#gang-panel .drift-event")
    assert events and ("change_of_vest" in events[0].text or "port_drift" in events[0].text)
    events[0].click()  # follow the drift event: it joins the canvas, drawn as a star, with its evidence
    wait_text(driver, "#canvas-notice", "")
    WebDriverWait(driver, 40).until(lambda d: _canvas_has(d, "DriftEvent"))
    shot(driver, "04-drift")
    # open a declaration's certificate: search its entry number, open it, read the certificate and its image
    entry = world_store.query("MATCH (:Certificate)-[:CERTIFIES]->(d:Declaration) RETURN d.id AS id LIMIT 1")[
        0
    ]["id"]
    tab(driver, "Workbench", "search-text")
    box = driver.find_element(By.ID, "search-text")
    box.send_keys(Keys.CONTROL, "a")  # React keeps its own value: select and overwrite, not clear()
    box.send_keys(entry, Keys.ENTER)
    try:
        wait_text(driver, "#search-results", "Declaration")
    finally:
        shot(driver, "05-search-entry")
    driver.find_element(By.XPATH, "//*[@id='search-results']//button[contains(., 'Declaration')]").click()
    wait_text(driver, "#details", "Certificate origin")
    wait_text(driver, "#details", "Mismatches")
    WebDriverWait(driver, 40).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, "#details img.image-certificate")
    )
    image = driver.find_element(By.CSS_SELECTOR, "#details img.image-certificate")
    assert driver.execute_script("return arguments[0].naturalWidth", image) > 100  # the page, rendered
    shot(driver, "05-certificate")
    no_console_errors(driver)


def _canvas_has(driver: webdriver.Chrome, kind: str) -> bool:
    """Whether the cytoscape canvas holds a node of this kind (read from the page's cytoscape instance)."""
    script = (
        "const el = document.getElementById('canvas');"
        "const cy = el && (el._cyreg ? el._cyreg.cy : null);"
        "if (!cy) { return null; }"
        f"return cy.nodes('[kind = \"{kind}\"]').length;"
    )
    found = driver.execute_script(script)
    if found is None:  # no handle on the instance: fall back to the exported elements in the Dash store
        return kind in driver.page_source
    return bool(found)


def test_alert_and_label_editor_journey(server: Site, browser: webdriver.Chrome) -> None:
    driver = browser
    sign_in(driver, server, "demo_investigator")
    tab(driver, "Alerts", "alerts-table")
    WebDriverWait(driver, 40).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, "#alerts-table input[type=checkbox]")
    )
    driver.find_elements(By.CSS_SELECTOR, "#alerts-table input[type=checkbox]")[0].click()
    driver.find_element(By.ID, "alerts-ack").click()
    wait_text(driver, "#alerts-msg", "acknowledged")
    choose(driver, "alerts-officer", "demo_analyst")  # an officer of the alert's unit
    driver.find_element(By.ID, "alerts-assign").click()
    wait_text(driver, "#alerts-msg", "assigned to demo_analyst")
    shot(driver, "06-alert-acknowledged")
    sign_in(driver, server, "demo_analyst")  # the label editor is an analyst's work
    tab(driver, "Label editor", "tag-pick")
    choose(driver, "tag-pick", "BL-II-OFFICER")
    WebDriverWait(driver, 40).until(
        lambda d: "BL-II-OFFICER" in (d.find_element(By.ID, "tag-yaml").get_attribute("value") or "")
    )
    driver.find_element(By.ID, "tag-dry").click()
    wait_text(driver, "#tag-result", "Dry run BL-II-OFFICER")
    shot(driver, "07-label-dry-run")
    no_console_errors(driver)


def _plotly(driver: webdriver.Chrome, graph: str, script: str) -> Any:
    """Run ``script`` with ``g`` bound to the Plotly graph div inside the Dash graph ``graph``."""
    return driver.execute_script(f"const g = document.querySelector('#{graph} .js-plotly-plot'); {script}")


def test_timeline_case_file_and_trajectory_journey(
    server: Site, browser: webdriver.Chrome, world_store: GraphStore
) -> None:
    busiest = world_store.query(
        "MATCH (d:Declaration)-[:CONSIGNEE]->(e:Enterprise) WHERE e.name CONTAINS $word "
        "RETURN e.name AS name, count(d) AS n ORDER BY n DESC, name LIMIT 1",
        {"word": "贸易"},
        read_only=True,
    )[0]["name"]
    driver = browser
    sign_in(driver, server, "demo_investigator")
    tab(driver, "Analysis centre", "canvas-search")
    driver.find_element(By.ID, "canvas-search").send_keys("贸易", Keys.ENTER)
    driver.find_element(By.ID, "canvas-go").click()
    WebDriverWait(driver, 40).until(lambda d: _canvas_has(d, "Enterprise"))
    # the subject's timeline: pick it through the workbench search (details, then its timeline)
    tab(driver, "Workbench", "search-text")
    driver.find_element(By.ID, "search-text").send_keys(busiest, Keys.ENTER)
    wait_text(driver, "#search-results", busiest)
    driver.find_element(By.XPATH, f"//*[@id='search-results']//button[contains(., '{busiest}')]").click()
    WebDriverWait(driver, 40).until(
        lambda d: (_plotly(d, "timeline", "return g && g.data ? g.data.length : 0") or 0) > 0
    )
    # the investigator's own tag on the picked subject, listed in the workbench
    tab(driver, "Workbench", "custom-tag-text")
    driver.find_element(By.ID, "custom-tag-text").send_keys("待复查 revisit")
    driver.find_element(By.ID, "custom-tag-add").click()
    wait_text(driver, "#custom-tags", "待复查 revisit")
    wait_text(driver, "#watched-gangs", "Gang")  # the gang under watch, one click from its view
    driver.find_element(By.CSS_SELECTOR, "#watched-gangs button").click()
    tab(driver, "Analysis centre", "gang-panel")
    wait_text(driver, "#gang-panel", "Key members")
    shot(driver, "08-timeline")
    # select the first half of its time span: the canvas nodes outside it fade
    _plotly(
        driver,
        "timeline",
        "const xs = g.data.flatMap(t => t.x).sort(); const mid = xs[Math.floor(xs.length / 2)];"
        "Plotly.relayout(g, {'xaxis.range[0]': xs[0], 'xaxis.range[1]': mid});",
    )
    wait_text(driver, "#timeline-range", "nodes faded")
    shot(driver, "09-timeline-filters-canvas")
    # save the canvas as a case file, clear it, reopen the case file
    driver.find_element(By.ID, "case-name").send_keys("贸易 first look")
    driver.find_element(By.ID, "case-save").click()
    wait_text(driver, "#case-msg", "Saved case file")
    driver.find_element(By.ID, "clear").click()
    WebDriverWait(driver, 20).until(lambda d: not _canvas_has(d, "Enterprise"))
    choose(driver, "case-pick", "贸易 first look")
    wait_text(driver, "#canvas-notice", "Case file 贸易 first look")
    WebDriverWait(driver, 40).until(lambda d: _canvas_has(d, "Enterprise"))
    shot(driver, "10-case-file-reopened")
    # the officer's home lists it among the recent case files
    driver.find_element(By.ID, "clear").click()
    WebDriverWait(driver, 20).until(lambda d: not _canvas_has(d, "Enterprise"))
    tab(driver, "Workbench", "recent-cases")
    wait_text(driver, "#recent-cases", "贸易 first look")
    # trajectories: a convoy vehicle's track with its companions on the offline map, then a drawn fence
    tab(driver, "Trajectories", "traj-map")
    try:
        wait_text(driver, "#traj-notice", "tracks")
    finally:
        shot(driver, "11-trajectory")
    assert (
        _plotly(
            driver,
            "traj-map",
            "return g.data.filter(t => t.meta === 'track' || t.meta === 'companion')"
            ".filter(t => t.x && t.x.length > 0).length",
        )
        or 0
    ) >= 2  # the target's track and a companion's
    shot(driver, "11-trajectory-companions")
    _plotly(
        driver,
        "traj-map",
        "Plotly.relayout(g, {shapes: [{type: 'path', path: 'M113.0,22.0L114.4,22.0L114.4,23.3L113.0,23.3Z'}]});",
    )
    wait_text(driver, "#traj-fence", "entered")
    shot(driver, "12-trajectory-fence")
    no_console_errors(driver)


def test_a_2000_node_view_renders_and_stays_interactive(server: Site, browser: webdriver.Chrome) -> None:
    driver = browser
    sign_in(driver, server, "demo_investigator")
    tab(driver, "Analysis centre", "canvas")
    nodes = [
        {
            "data": {"id": f"Enterprise|N{i}", "label": f"N{i}", "kind": "Enterprise", "nid": f"N{i}"},
            "classes": "Enterprise",
        }
        for i in range(2000)
    ]
    edges = [
        {
            "data": {
                "id": f"e{i}",
                "source": f"Enterprise|N{i}",
                "target": f"Enterprise|N{(i * 7 + 1) % 2000}",
                "label": "TRADES_WITH",
            },
            "classes": "TRADES_WITH",
        }
        for i in range(2000)
    ]
    started = time.monotonic()
    driver.execute_script(
        "const cy = document.getElementById('canvas')._cyreg.cy; cy.add(arguments[0]);"
        "cy.layout({name: 'fcose', animate: false, quality: 'draft', randomize: true}).run();",
        nodes + edges,
    )
    rendered = time.monotonic() - started
    assert driver.execute_script("return document.getElementById('canvas')._cyreg.cy.nodes().length") == 2000
    started = time.monotonic()  # still interactive: a zoom and a pan answer at once
    driver.execute_script(
        "const cy = document.getElementById('canvas')._cyreg.cy; cy.zoom(1.5); cy.panBy({x: 40, y: 20});"
    )
    answered = time.monotonic() - started
    shot(driver, "13-2000-nodes")
    assert rendered < 30 and answered < 2, (rendered, answered)
    no_console_errors(driver)
