"""Alert triage in real headless Chromium at 1366×768, on the small world analysed and seeded as ``make run``
does (the server of ``test_workspace``): filter the list, tick two alerts and assign them to an officer of
the unit, acknowledge them with a closed one (reported per alert, the closed one refused), comment on one,
and open its evidence on the analysis centre's canvas. Screenshots go to test-artifacts/dashboards/."""

from __future__ import annotations

from typing import Any

import pytest
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from alerts.findings import Finding
from alerts.raising import STATUSES, close, raise_alert
from graph.store import GraphStore
from tests.dashboards.test_journey import Site, choose, no_console_errors, shot, sign_in, tab, wait_text
from tests.dashboards.test_workspace import SMALL, browser, canvas_nodes, outside, server, site_settings

pytestmark = pytest.mark.browser
__all__ = ["browser", "server", "site_settings"]  # the workspace journeys' Chromium and seeded server

OFFICER, COLLEAGUE = "demo_investigator", "demo_analyst"  # both of unit GZ


def raise_three(store: GraphStore) -> dict[str, dict[str, Any]]:
    """Three severity-5 alerts for the officer (the last one closed), each on an enterprise and one of its
    declarations: what the journey triages, by name."""
    rows = store.query(
        "MATCH (d:Declaration)-[:CONSIGNEE]->(e:Enterprise) WITH e, min(d.id) AS entry "
        "RETURN e.id AS firm, entry ORDER BY e.id LIMIT 3",
        read_only=True,
    )
    watch = {"id": "watch_triage", "owner": OFFICER, "unit": "GZ"}
    out = {}
    for name, found in zip(("A", "B", "C"), rows, strict=True):
        evidence = {"Enterprise": {found["firm"]}, "Declaration": {found["entry"]}}
        finding = Finding("new_port", f"triage:{name}", 5, f"分诊 triage {name}", evidence)
        alert = raise_alert(store, watch, finding, scan_id="triage")[0]
        out[name] = {**alert, "keys": {f"Enterprise|{found['firm']}", f"Declaration|{found['entry']}"}}
    close(store, out["C"]["id"], "checked: a known forwarder")
    return out


def texts(driver: webdriver.Chrome, css: str) -> list[str]:
    """The texts of the elements ``css`` selects, read at once (the list redraws while it is read)."""
    found = driver.execute_script(
        "return Array.from(document.querySelectorAll(arguments[0])).map(e => e.innerText.trim());", css
    )
    return list(found)


def listed(driver: webdriver.Chrome) -> list[str]:
    """The titles of the list's rows, as drawn."""
    return texts(driver, "#alerts-table td[data-dash-column='title']")


def expected(store: GraphStore, statuses: list[str], severity: int, assignee: str | None = None) -> list[str]:
    """The titles the list should show for these filters, newest first (the graph's answer)."""
    rows = store.query(
        "MATCH (a:Alert) WHERE a.unit = 'GZ' AND a.status IN $statuses AND a.severity >= $severity "
        "AND ($assignee IS NULL OR a.assignee = $assignee) "
        "RETURN a.title AS title ORDER BY a.raised_at DESC, a.id LIMIT 15",
        {"statuses": statuses, "severity": severity, "assignee": assignee},
        read_only=True,
    )
    return [r["title"] for r in rows]


def click(driver: webdriver.Chrome, xpath: str) -> None:
    """Click the element ``xpath`` finds, finding it again if the list redrew it meanwhile."""

    def clicked(d: webdriver.Chrome) -> bool:
        d.find_element(By.XPATH, xpath).click()
        return True

    WebDriverWait(driver, 20, ignored_exceptions=(StaleElementReferenceException,)).until(clicked)


def tick(driver: webdriver.Chrome, title: str) -> None:
    click(
        driver, f"//*[@id='alerts-table']//tr[td[@data-dash-column='title'][contains(., '{title}')]]//input"
    )


def test_triage_filter_bulk_assign_comment_and_open_evidence(
    server: Site, browser: webdriver.Chrome, world_store: GraphStore
) -> None:
    alerts = raise_three(world_store)
    driver = browser
    driver.set_window_size(*SMALL)
    sign_in(driver, server, OFFICER)
    tab(driver, "Alerts", "alerts-table")
    wait_text(driver, "#alerts-counts", "shown")
    # filters: severity 5 and every status (closed ticked too): the graph's alerts of GZ, newest first
    choose(driver, "alerts-severity", "5")
    click(driver, "//*[@id='alerts-status']//label[contains(., 'closed')]//input")
    want = expected(world_store, list(STATUSES), 5)
    assert {"分诊 triage A", "分诊 triage B", "分诊 triage C"} <= set(want)
    WebDriverWait(driver, 40).until(lambda d: listed(d) == want)
    counted = world_store.query(
        "MATCH (a:Alert) WHERE a.unit = 'GZ' AND a.severity >= 5 RETURN a.status AS status, count(a) AS n",
        read_only=True,
    )
    by_status = {r["status"]: r["n"] for r in counted}
    assert by_status["closed"] >= 1 and by_status["open"] >= 2
    assert texts(driver, "#alerts-counts")[0] == f"{len(want)} 条 shown · " + " · ".join(
        f"{s} {by_status.get(s, 0)}" for s in STATUSES
    )
    assert outside(driver, "#alerts-column", "#alert-side", "#alerts-table") == []
    shot(driver, "30-triage-filtered")
    # tick two and assign them to a colleague of the unit: one line per alert
    tick(driver, "分诊 triage A")
    tick(driver, "分诊 triage B")
    choose(driver, "alerts-officer", COLLEAGUE)
    driver.find_element(By.ID, "alerts-assign").click()
    WebDriverWait(driver, 40).until(lambda d: len(texts(d, "#alerts-results li")) == 2)
    results = texts(driver, "#alerts-results .bulk-ok")
    assert len(results) == 2 and all(f"assigned to {COLLEAGUE}" in r for r in results), results
    for name in ("A", "B"):
        stored = world_store.node("Alert", alerts[name]["id"])["properties"]  # type: ignore[index]
        assert (stored["assignee"], stored["status"]) == (COLLEAGUE, "assigned")
    # with the closed one too, acknowledged: the closed one is refused, saying so
    tick(driver, "分诊 triage C")
    driver.find_element(By.ID, "alerts-ack").click()
    WebDriverWait(driver, 40).until(lambda d: texts(d, "#alerts-results .bulk-failed"))
    failed = texts(driver, "#alerts-results .bulk-failed")
    assert len(failed) == 1 and alerts["C"]["id"] in failed[0] and "is closed" in failed[0]
    assert len(texts(driver, "#alerts-results .bulk-ok")) == 2
    shot(driver, "31-triage-bulk-results")
    # the officer filter: those assigned to the colleague
    choose(driver, "alerts-who", f"assigned to {COLLEAGUE}")
    want = expected(world_store, list(STATUSES), 5, COLLEAGUE)
    assert {"分诊 triage A", "分诊 triage B"} <= set(want)
    WebDriverWait(driver, 40).until(lambda d: listed(d) == want)
    ticked = driver.execute_script(
        "return Array.from(document.querySelectorAll('#alerts-table tr')).filter(r => r.querySelector("
        "'input:checked')).map(r => r.querySelector(\"td[data-dash-column='title']\").innerText.trim());"
    )
    assert sorted(ticked) == ["分诊 triage A", "分诊 triage B"]  # the ticks follow their alerts
    # comment on A: listed on its card with the officer's name
    click(driver, "//*[@id='alerts-table']//td[@data-dash-column='title'][contains(., '分诊 triage A')]")
    wait_text(driver, "#alert-detail .alert-title", "分诊 triage A")
    note = "与上周同一货代 same forwarder as last week"
    driver.find_element(By.ID, "alert-comment-text").send_keys(note)
    driver.find_element(By.ID, "alert-comment-add").click()
    wait_text(driver, "#alert-comments", note)
    assert OFFICER in texts(driver, "#alert-comments .comment")[0]
    written = world_store.query(
        "MATCH (c:Comment)-[:COMMENT_ON]->(:Alert {id: $id}) RETURN c.author AS author, c.text AS text",
        {"id": alerts["A"]["id"]},
        read_only=True,
    )
    assert written == [{"author": OFFICER, "text": note}]
    shot(driver, "32-triage-comment")
    # its evidence on the canvas, in the analysis centre
    click(driver, "//*[@id='alert-detail']//button[contains(@class, 'open-evidence')]")
    WebDriverWait(driver, 60).until(
        lambda d: {n["id"] for n in canvas_nodes(d)} >= alerts["A"]["keys"] | {f"Alert|{alerts['A']['id']}"}
    )
    assert driver.find_element(By.ID, "canvas").is_displayed()
    shot(driver, "33-triage-evidence-on-canvas")
    no_console_errors(driver)
