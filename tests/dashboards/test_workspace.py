"""The investigator's workspace in real headless Chromium at 1366×768 (and 1600×1057 for the layout), on
the small world analysed as ``make run`` analyses it, demo watches and alerts seeded.

Each test asserts what is drawn: the canvas's nodes and their classes (read from the page's cytoscape
instance), the panels' contents, and that no panel reaches past the window's edge. Screenshots go to
test-artifacts/dashboards/.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from selenium import webdriver
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from algorithms.service import run_drift, run_gangs
from dashboards import board as b
from dashboards.views.history import MOVE, RECORD
from dashboards.views.history import start as fresh_history
from graph.embedded import EmbeddedServer
from graph.store import GraphStore
from tagging.service import run_tagging
from tests.api.conftest import free_port
from tests.conftest import settings_for
from tests.dashboards.site import ARTIFACTS, Site, browser, chromium, serve
from tests.dashboards.test_journey import choose, no_console_errors, shot, sign_in, tab, wait_text
from tianji.bootstrap import demo_users
from tianji.cli.assets import fetch
from tianji.cli.demo import seed_watches
from tianji.core.settings import Settings

pytestmark = pytest.mark.browser
__all__ = ["browser"]  # the headless Chromium fixture (tests/dashboards/site.py), shared from here as before

SMALL = (1366, 768)
LARGE = (1600, 1057)
WIDE = (1920, 1080)


@pytest.fixture(scope="module")
def site_settings(graph_server: EmbeddedServer, world_store: GraphStore) -> Settings:
    return settings_for(graph_server, world_store.settings.graph_name, api_port=free_port())


@pytest.fixture(scope="module")
def server(site_settings: Settings, world_store: GraphStore) -> Iterator[Site]:
    settings = site_settings
    for step in (demo_users, run_tagging, run_gangs, run_drift, seed_watches):
        step(world_store, settings, Path("."))  # type: ignore[operator]
    fetch(settings)  # GraphiQL's files, as make run fetches them
    with serve(settings) as site:
        yield site


def cy(driver: webdriver.Chrome, script: str) -> Any:
    """Run ``script`` with ``cy`` bound to the canvas's cytoscape instance."""
    return driver.execute_script(f"const cy = document.getElementById('canvas')._cyreg.cy; {script}")


def canvas_nodes(driver: webdriver.Chrome) -> list[dict[str, Any]]:
    """The canvas's nodes (none while the analysis centre is not the tab shown)."""
    found = driver.execute_script(
        "const el = document.getElementById('canvas'); if (!el || !el._cyreg) { return []; }"
        "return el._cyreg.cy.nodes().map(n => ({id: n.id(), kind: n.data('kind'), classes: n.classes()}));"
    )
    return list(found)


def outside(driver: webdriver.Chrome, *selectors: str) -> list[str]:
    """The elements (by selector) that reach past the window's left or right edge, and whether the page
    scrolls sideways."""
    found = driver.execute_script(
        "const w = document.documentElement.clientWidth; const out = [];"
        "for (const s of arguments[0]) { for (const e of document.querySelectorAll(s)) {"
        "  const r = e.getBoundingClientRect(); if (r.width && (r.left < -1 || r.right > w + 1)) {"
        "    out.push(s + ' ' + Math.round(r.left) + '..' + Math.round(r.right) + ' > ' + w); } } }"
        "if (document.documentElement.scrollWidth > w + 1) { out.push('page ' + document.documentElement.scrollWidth); }"
        "return out;",
        list(selectors),
    )
    return list(found)


def drifting_gang(store: GraphStore) -> dict[str, Any]:
    return store.query(
        "MATCH (:DriftEvent)-[:DRIFT_OF]->(g:Gang) WITH DISTINCT g MATCH (m)-[r:MEMBER_OF]->(g) "
        "RETURN g.id AS id, g.size AS size, g.risk AS risk, collect(labels(m)[0] + '|' + m.id) AS members, "
        "collect(CASE WHEN r.role = 'core' THEN labels(m)[0] + '|' + m.id END) AS core "
        "ORDER BY risk DESC, id LIMIT 1",
        read_only=True,
    )[0]


def open_drifting_gang(driver: webdriver.Chrome, site: Site, store: GraphStore) -> dict[str, Any]:
    """At 1366×768, signed in as the demo investigator, choose the drifting gang in the analysis centre."""
    driver.set_window_size(*SMALL)
    sign_in(driver, site, "demo_investigator")
    tab(driver, "Analysis centre", "gang-select")
    gang = drifting_gang(store)
    choose(driver, "gang-select", gang["id"])
    return gang


def test_a_gang_with_drift_events_draws_marked_and_its_drift_joins_it(
    server: Site, browser: webdriver.Chrome, world_store: GraphStore
) -> None:
    driver = browser
    gang = open_drifting_gang(driver, server, world_store)
    wait_text(driver, "#gang-panel", "Key members")
    WebDriverWait(driver, 60).until(
        lambda d: {n["id"] for n in canvas_nodes(d)} >= set(gang["members"])
    )  # the drawing is not cancelled by the drift buttons the panel adds
    nodes = canvas_nodes(driver)
    ids = [n["id"] for n in nodes]
    assert len(ids) == len(set(ids))  # one node per id
    members = [n for n in nodes if "gang" in n["classes"]]
    unmarked = [n for n in nodes if n["id"] in gang["members"] and "gang" not in n["classes"]]
    assert unmarked == []  # every member marked, no plain copy
    assert sorted(n["id"] for n in members) == sorted(gang["members"])
    core = sorted(n["id"] for n in nodes if "core" in n["classes"])
    assert core == sorted(c for c in gang["core"] if c)
    panel = driver.find_element(By.ID, "gang-panel").text
    assert "PR None" not in panel and "None" not in panel.replace("无 None", "")
    assert f"{gang['size']} enterprises" in panel and f"{len(gang['members'])} members" in panel
    legend = {e.text.split()[-1] for e in driver.find_elements(By.CSS_SELECTOR, "#legend .legend-type")}
    assert legend == {n["kind"] for n in nodes}  # the legend lists the types on the canvas only
    assert outside(driver, "#canvas", "#canvas-column", "#side-column", "#gang-panel", "#details") == []
    shot(driver, "20-gang-with-drift-1366")
    button = driver.find_element(By.CSS_SELECTOR, "#gang-panel .drift-event")
    assert "20" in button.text  # dated (the drift's own date, a year of the world)
    button.click()
    WebDriverWait(driver, 60).until(
        lambda d: any(n["kind"] == "DriftEvent" and "drift" in n["classes"] for n in canvas_nodes(d))
    )
    after = canvas_nodes(driver)
    assert {n["id"] for n in after if "gang" in n["classes"]} == set(gang["members"])  # the gang stays
    assert outside(driver, "#canvas", "#canvas-column", "#side-column") == []
    shot(driver, "21-drift-event-1366")
    # the case report: one HTML file with the canvas picture, the findings and the subjects on it
    downloads = ARTIFACTS / "downloads"
    downloads.mkdir(parents=True, exist_ok=True)
    for old in downloads.glob("tianji-case-report*.html"):
        old.unlink()
    driver.execute_cdp_cmd(
        "Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)}
    )
    driver.find_element(By.ID, "report-go").click()
    WebDriverWait(driver, 90).until(lambda d: list(downloads.glob("tianji-case-report*.html")))
    time.sleep(1)  # the file is complete once written under its final name
    page = next(downloads.glob("tianji-case-report*.html")).read_text(encoding="utf-8")
    assert 'src="data:image/jpeg;base64,' in page or 'src="data:image/jpg;base64,' in page  # the picture
    assert f"{len(after)} nodes" in page and "DriftEvent" in page and gang["id"] in page
    timeline = page.split("class='timeline'>")[1].split("</table>")[0]
    assert timeline.count("<tr><td>") >= 2 and "DriftEvent" in timeline  # dated nodes, the drift among them
    assert ".csv:" in page.split("class='sources'>")[1]  # each subject's source file and line
    no_console_errors(driver)


def test_the_gang_panel_explains_its_risk_and_rescreens_it(
    server: Site, browser: webdriver.Chrome, world_store: GraphStore
) -> None:
    driver = browser
    gang = open_drifting_gang(driver, server, world_store)
    wait_text(driver, "#gang-panel", "Why this risk")
    bars = driver.find_elements(By.CSS_SELECTOR, "#gang-panel .gang-reason")
    contributions = [float(b.text.split()[0]) for b in bars]
    assert len(bars) >= 5 and contributions == sorted(contributions, reverse=True)
    assert sum(contributions) == pytest.approx(gang["risk"], abs=0.01)  # the reasons add up to the risk
    world_store.query("MATCH (g:Gang {id: $id}) SET g.risk = 0.999", {"id": gang["id"]})
    driver.find_element(By.ID, "gang-rescreen").click()
    wait_text(driver, "#gang-panel", "Re-screened: 风险 risk 0.999 → ")
    assert f"risk {gang['risk']}" in driver.find_element(By.CSS_SELECTOR, "#gang-panel .gang-summary").text
    assert outside(driver, "#gang-panel", "#side-column") == []
    shot(driver, "20b-gang-risk-explained-1366")
    no_console_errors(driver)


def right_click_menu(driver: webdriver.Chrome, node: str, item: str) -> None:
    """Right-click the canvas node ``node`` where it is drawn and choose the context menu's ``item``."""
    canvas = driver.find_element(By.ID, "canvas")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", canvas)
    x, y = cy(
        driver, f"const p = cy.getElementById({json.dumps(node)}).renderedPosition(); return [p.x, p.y];"
    )
    size = canvas.size
    ActionChains(driver).move_to_element_with_offset(
        canvas, int(x - size["width"] / 2), int(y - size["height"] / 2)
    ).context_click().perform()
    WebDriverWait(driver, 10).until(lambda d: d.find_element(By.ID, item).is_displayed())
    driver.find_element(By.ID, item).click()


def test_paths_from_one_node_to_another_are_drawn_from_the_context_menu(
    server: Site, browser: webdriver.Chrome, world_store: GraphStore
) -> None:
    driver = browser
    gang = open_drifting_gang(driver, server, world_store)
    WebDriverWait(driver, 60).until(lambda d: {n["id"] for n in canvas_nodes(d)} >= set(gang["members"]))
    cy(driver, "cy.stop(); cy.nodes().stop();")
    time.sleep(1)  # the layout's animation has settled where the nodes are drawn
    ends = sorted(m for m in gang["members"] if m.startswith("Enterprise|"))[:2]
    right_click_menu(driver, ends[1], "path-to")
    wait_text(driver, "#canvas-notice", "Paths from here")  # no start yet: the officer is told what to do
    right_click_menu(driver, ends[0], "path-from")
    wait_text(driver, "#canvas-notice", "right-click the end")
    right_click_menu(driver, ends[1], "path-to")
    wait_text(driver, "#canvas-notice", "hops")
    on_path = cy(driver, "return cy.elements('.path').map(e => [e.id(), e.isEdge()]);")
    nodes = {i for i, edge in on_path if not edge}
    assert set(ends) <= nodes and any(edge for _, edge in on_path)
    assert "paths from" in driver.find_element(By.ID, "canvas-notice").text
    shot(driver, "22b-paths-drawn-1366")
    no_console_errors(driver)


@pytest.mark.parametrize("size", [SMALL, LARGE, WIDE], ids=["1366x768", "1600x1057", "1920x1080"])
def test_the_right_hand_column_fits_the_window(
    server: Site, browser: webdriver.Chrome, size: tuple[int, int]
) -> None:
    driver = browser
    driver.set_window_size(*size)
    sign_in(driver, server, "demo_investigator")
    tab(driver, "Analysis centre", "side-column")
    driver.find_element(By.ID, "canvas-search").send_keys("贸易", Keys.ENTER)
    driver.find_element(By.ID, "canvas-go").click()
    WebDriverWait(driver, 60).until(lambda d: len(canvas_nodes(d)) > 1)
    selectors = ("#canvas", "#side-column", "#details", "#pair", "#strength", "#gang-panel", "#case-pick")
    assert outside(driver, *selectors) == []
    canvas, column = (driver.find_element(By.ID, i).rect for i in ("canvas", "canvas-column"))
    assert canvas["x"] + canvas["width"] <= column["x"] + column["width"] + 1  # never wider than its column
    wrapped = driver.execute_script(
        "return Array.from(document.querySelectorAll('#canvas-toolbar .toolbar-row')).map(row => {"
        "  const boxes = Array.from(row.children).filter(c => c.offsetParent).map(c => c.getBoundingClientRect());"
        "  return Math.round(row.getBoundingClientRect().height - Math.max(...boxes.map(b => b.height)));"
        "});"
    )
    assert len(wrapped) == 2 and all(extra <= 2 for extra in wrapped), wrapped  # two rows, neither wraps
    shot(driver, f"22-layout-{size[0]}x{size[1]}")


def test_first_start_shows_watches_alerts_and_a_node_can_be_watched(
    server: Site, browser: webdriver.Chrome, world_store: GraphStore
) -> None:
    driver = browser
    driver.set_window_size(*SMALL)
    sign_in(driver, server, "demo_investigator")
    tab(driver, "Workbench", "my-tasks")
    WebDriverWait(driver, 40).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#watched-gangs button"))
    WebDriverWait(driver, 40).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#my-tasks li"))
    WebDriverWait(driver, 40).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#recent-alerts li"))
    for panel in ("my-tasks", "my-watches", "watched-gangs", "recent-alerts"):
        assert "暂无" not in driver.find_element(By.ID, panel).text
    gangs = [b.text for b in driver.find_elements(By.CSS_SELECTOR, "#watched-gangs button")]
    assert len(gangs) == len(set(gangs))  # one entry a gang, however many officers watch it
    assert outside(driver, "#my-tasks", "#my-watches", "#watched-gangs", "#recent-alerts") == []
    shot(driver, "23-workbench-first-start")
    # a task opens on the canvas with its evidence
    driver.find_element(By.CSS_SELECTOR, "#my-tasks .alert-entry").click()
    WebDriverWait(driver, 60).until(lambda d: any(n["kind"] == "Alert" for n in canvas_nodes(d)))
    assert {"Gang", "DriftEvent"} <= {n["kind"] for n in canvas_nodes(driver)}
    shot(driver, "23b-task-opened")
    tab(driver, "Workbench", "gang-list")
    # a gang of the list opens in the analysis centre
    entry = driver.find_element(By.CSS_SELECTOR, "#gang-list .gang-entry")
    gang_id = entry.text.split(" · ")[0]
    entry.click()
    wait_text(driver, "#gang-panel", gang_id)
    # the designed card: name, key facts, tags, sources; raw properties folded; watch this
    name = world_store.query(
        "MATCH (e:Enterprise)-[:HAS_TAG]->(:Tag) RETURN e.name AS name, e.id AS id ORDER BY e.id LIMIT 1",
        read_only=True,
    )[0]
    tab(driver, "Workbench", "search-text")
    driver.find_element(By.ID, "search-text").send_keys(name["name"], Keys.ENTER)
    wait_text(driver, "#search-results", name["name"])
    driver.find_element(By.XPATH, f"//*[@id='search-results']//button[contains(., '{name['name']}')]").click()
    try:
        wait_text(driver, "#details .card-name", name["name"], timeout=120)
    finally:
        shot(driver, "24a-details-card")
    card = driver.find_element(By.ID, "details")
    assert len(card.find_elements(By.CSS_SELECTOR, ".key-facts .fact")) >= 3
    labels = [td.text for td in card.find_elements(By.CSS_SELECTOR, ".key-facts .fact td:first-child")]
    assert labels and not [
        label for label in labels if " (" in label
    ]  # short labels; the rest in the tooltip
    assert card.find_elements(By.CSS_SELECTOR, ".tags .tag")  # tags with their levels
    assert "L" in card.find_element(By.CSS_SELECTOR, ".tags .tag").text
    assert "source" in card.find_element(By.CSS_SELECTOR, ".sources").text
    raw = card.find_element(By.CSS_SELECTOR, "details.raw pre")
    assert not raw.is_displayed()  # raw properties behind the toggle
    assert "ingested_at" not in card.find_element(By.CSS_SELECTOR, ".key-facts").text
    driver.find_element(By.ID, "watch-this").click()
    wait_text(driver, "#watch-msg", "Watching")
    watched = world_store.query(
        "MATCH (w:Watch)-[:WATCHES]->(e:Enterprise {id: $id}) WHERE w.owner = 'demo_investigator' "
        "RETURN count(w) AS n",
        {"id": name["id"]},
        read_only=True,
    )[0]["n"]
    assert watched == 1
    assert outside(driver, "#details", "#side-column") == []
    shot(driver, "24-details-card-watch")
    no_console_errors(driver)


def test_relation_strength_is_the_pairs_and_clears_when_the_pair_changes(
    server: Site, browser: webdriver.Chrome, world_store: GraphStore
) -> None:
    driver = browser
    gang = open_drifting_gang(driver, server, world_store)
    WebDriverWait(driver, 60).until(lambda d: {n["id"] for n in canvas_nodes(d)} >= set(gang["members"]))
    firms = [m for m in gang["members"] if m.startswith("Enterprise|")]
    for key in firms[:2]:
        cy(driver, f"cy.getElementById({json.dumps(key)}).emit('tap');")
        wait_text(driver, "#pair", key.split("|")[0])
        time.sleep(1)
    WebDriverWait(driver, 40).until(lambda d: "↔" in d.find_element(By.ID, "pair").text)
    driver.find_element(By.ID, "strength-go").click()
    wait_text(driver, "#strength", "strength")
    text = driver.find_element(By.ID, "strength").text
    for finding in ("HAS_TAG", "MEMBER_OF", "DRIFT_OF", "DRIFT_EVIDENCE"):
        assert finding not in text  # only ties between subjects count
    shot(driver, "25-relation-strength")
    cy(driver, f"cy.getElementById({json.dumps(firms[2 % len(firms)])}).emit('tap');")
    WebDriverWait(driver, 40).until(lambda d: d.find_element(By.ID, "strength").text.strip() == "")
    no_console_errors(driver)


def test_graphiql_loads_from_local_files_with_no_network(server: Site, site_settings: Settings) -> None:
    """GraphiQL in a browser that cannot resolve any outside name: its editor still comes up."""
    driver = chromium(
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--window-size=1366,768",
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    )
    try:
        sign_in(driver, server, "demo_investigator")
        driver.get(server.url.replace("/dash/", "/graphql"))
        WebDriverWait(driver, 60).until(
            EC.presence_of_element_located((By.CSS_SELECTOR, ".graphiql-query-editor, .graphiql-editor"))
        )
        assert "unpkg.com" not in driver.page_source
        shot(driver, "26-graphiql-offline")
        no_console_errors(driver)
    finally:
        driver.quit()


def declaration_hub(store: GraphStore) -> dict[str, Any]:
    """The node with the most Declaration neighbours whose whole neighbourhood one expansion draws (the
    API's 300 nodes), with the entry number of one of its declarations (to reach it from a search)."""
    hub = store.query(
        "MATCH (h)--(d:Declaration) WHERE NOT h:Declaration WITH h, count(DISTINCT d) AS n "
        "MATCH (h)--(x) WITH h, n, count(DISTINCT x) AS around WHERE around < 300 "
        "MATCH (h)--(d:Declaration) WITH h, n, min(d.entry_no) AS entry "
        "RETURN labels(h)[0] + '|' + h.id AS key, n, entry ORDER BY n DESC, key LIMIT 1",
        read_only=True,
    )[0]
    return dict(hub)


def folded_groups(driver: webdriver.Chrome) -> list[dict[str, Any]]:
    found = cy(
        driver,
        "return cy.nodes('.folded').map(n => ({id: n.id(), label: n.data('label'), "
        "members: n.data('members'), hub: n.data('hub')}));",
    )
    return list(found)


def test_a_hubs_declarations_fold_into_one_group_that_unfolds_and_undo_redo_step_through(
    server: Site, browser: webdriver.Chrome, world_store: GraphStore
) -> None:
    driver = browser
    hub = declaration_hub(world_store)
    above = b.config()["fold_above"]
    assert hub["n"] > above  # the small world has a hub worth folding
    driver.set_window_size(*SMALL)
    sign_in(driver, server, "demo_investigator")
    tab(driver, "Analysis centre", "canvas")
    assert driver.find_element(By.ID, "undo").get_attribute("disabled")  # nothing to undo yet
    driver.find_element(By.ID, "canvas-search").send_keys(hub["entry"], Keys.ENTER)
    driver.find_element(By.ID, "canvas-go").click()
    WebDriverWait(driver, 60).until(lambda d: hub["key"] in {n["id"] for n in canvas_nodes(d)})
    WebDriverWait(driver, 20).until(lambda d: d.find_element(By.ID, "undo").is_enabled())
    cy(driver, f"cy.getElementById({json.dumps(hub['key'])}).emit('tap');")  # expand the hub
    WebDriverWait(driver, 60).until(lambda d: folded_groups(d))
    groups = folded_groups(driver)
    assert len(groups) == 1 and groups[0]["hub"] == hub["key"]
    members = groups[0]["members"]
    assert members > above and groups[0]["label"].startswith(f"{members:,} ")
    assert "Declaration" in groups[0]["label"]
    assert not [n for n in canvas_nodes(driver) if n["kind"] == "Declaration"]  # all behind the group
    wait_text(driver, "#canvas-count", "1 组已折叠 groups folded")
    assert "Declaration" in driver.find_element(By.ID, "legend").text  # the group's kind is in the legend
    assert outside(driver, "#canvas", "#canvas-column", "#side-column") == []
    shot(driver, "27-hub-folded")
    cy(driver, f"cy.getElementById({json.dumps(groups[0]['id'])}).emit('tap');")  # unfold
    WebDriverWait(driver, 60).until(lambda d: not folded_groups(d))
    declarations = [n for n in canvas_nodes(driver) if n["kind"] == "Declaration"]
    assert len(declarations) == members <= hub["n"]  # the members drawn, one by one
    assert "groups folded" not in driver.find_element(By.ID, "canvas-count").text
    shot(driver, "28-hub-unfolded")
    driver.find_element(By.ID, "undo").click()  # back to the folded view
    WebDriverWait(driver, 60).until(lambda d: folded_groups(d))
    assert [g["id"] for g in folded_groups(driver)] == [groups[0]["id"]]
    assert not [n for n in canvas_nodes(driver) if n["kind"] == "Declaration"]
    WebDriverWait(driver, 20).until(lambda d: d.find_element(By.ID, "redo").is_enabled())
    shot(driver, "29-undo-folded")
    driver.find_element(By.ID, "redo").click()  # and forward to the unfolded one
    WebDriverWait(driver, 60).until(lambda d: not folded_groups(d))
    assert len([n for n in canvas_nodes(driver) if n["kind"] == "Declaration"]) == members
    WebDriverWait(driver, 20).until(lambda d: not d.find_element(By.ID, "redo").is_enabled())
    # a new action after an undo drops the redo branch
    driver.find_element(By.ID, "undo").click()
    WebDriverWait(driver, 60).until(lambda d: folded_groups(d))
    WebDriverWait(driver, 20).until(lambda d: d.find_element(By.ID, "redo").is_enabled())
    driver.find_element(By.ID, "clear").click()
    WebDriverWait(driver, 60).until(lambda d: not canvas_nodes(d))
    WebDriverWait(driver, 20).until(lambda d: not d.find_element(By.ID, "redo").is_enabled())
    driver.find_element(By.ID, "undo").click()  # Clear is undone too
    WebDriverWait(driver, 60).until(lambda d: folded_groups(d))
    cy(driver, f"cy.getElementById({json.dumps(groups[0]['id'])}).emit('tap');")  # the same group again
    WebDriverWait(driver, 60).until(lambda d: not folded_groups(d))
    driver.find_element(By.ID, "undo").click()
    WebDriverWait(driver, 60).until(lambda d: folded_groups(d))
    assert outside(driver, "#canvas", "#canvas-column", "#side-column") == []
    shot(driver, "30-clear-undone")
    no_console_errors(driver)


def test_the_history_steps_back_and_forth_drops_the_redo_branch_and_keeps_its_bound(
    browser: webdriver.Chrome,
) -> None:
    """The history's functions as the browser runs them, on boards of one node each."""
    driver = browser
    driver.get("about:blank")
    run = f"const record = ({RECORD}); const move = ({MOVE}); const h0 = arguments[0];"
    boards = [b.replaced([{"data": {"id": f"Enterprise|{i}", "kind": "Enterprise"}}]) for i in range(30)]
    out = driver.execute_script(
        run + "const one = record(h0, arguments[1][0]); const two = record(one, arguments[1][1]);"
        "const back = move(two, true);"
        "return {same: record(two, arguments[1][1]), back: back, again: record(back, back.present),"
        " forward: move(back, false), branch: record(back, arguments[1][2]), start: move(move(back, true), true),"
        " end: move(two, false)};",
        fresh_history(),
        boards,
    )
    assert out["same"] is None  # the present board again: nothing recorded
    assert out["back"]["present"] == boards[0] and out["back"]["future"] == [boards[1]]
    assert out["again"] is None  # the board an undo wrote is no new step
    assert out["forward"]["present"] == boards[1] and out["forward"]["future"] == []
    assert out["branch"]["present"] == boards[2] and out["branch"]["future"] == []  # redo branch dropped
    assert out["start"] is None and out["end"] is None  # nothing left to undo, nothing to redo
    kept = driver.execute_script(
        run
        + "let h = {...h0, keep: 4}; for (const board of arguments[1]) { h = record(h, board); } return h;",
        fresh_history(),
        boards,
    )
    assert len(kept["past"]) == 4 and kept["past"][0] == boards[25] and kept["present"] == boards[29]
