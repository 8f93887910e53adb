"""The declaration view in real headless Chromium at 1366×768: a declaration with a controlled-goods scan,
a certificate that names another origin and an invoice, scored after they were read, opens on a card with
its score and level, reasons in Chinese and English naming the scan, the scan's verdicts beside the scan,
and the certificate and the document side by side. Screenshot: test-artifacts/dashboards/."""

from __future__ import annotations

import io
import random
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from graph.embedded import EmbeddedServer
from graph.store import GraphStore
from imaging import documents
from imaging.cargo import GROUPS, group_of_hs
from imaging.mentions import declaration_parties
from imaging.scan_images import generate_scan
from imaging.service import read_document
from imaging.verdicts import record_verdicts
from scoring import features as F
from scoring.model import train
from scoring.service import score_frame, write_scores
from tests.api.conftest import free_port
from tests.conftest import settings_for
from tests.dashboards.site import Site, serve
from tests.dashboards.test_journey import (
    certificate_of_wrong_origin,
    no_console_errors,
    shot,
    sign_in,
    tab,
    wait_text,
)
from tianji.bootstrap import demo_users
from tianji.core.settings import Settings

pytestmark = pytest.mark.browser


def _papers(store: GraphStore, settings: Settings) -> str:
    """A declaration with a certificate naming another origin, an invoice and a scan with a long-gun
    silhouette (the scan model's confidence fixed, as in tests/scoring/test_imaging_scores.py)."""
    row = store.query(
        "MATCH (d:Declaration)-[:CONSIGNEE]->(:Enterprise) MATCH (d)-[:OVERSEAS_PARTY]->() "
        "RETURN DISTINCT d.id AS id, d.hs_code AS hs ORDER BY id SKIP 30 LIMIT 1"
    )[0]
    entry = row["id"]
    certificate_of_wrong_origin(store, settings, entry)
    rng = random.Random(8)
    invoice = io.BytesIO()
    documents.render(
        "invoice", documents.sample_fields(rng, "invoice", declaration_parties(store, entry)), rng
    ).save(invoice, format="PNG")
    read_document(store, settings, invoice.getvalue(), entry)
    declared = group_of_hs(row["hs"]) or GROUPS[0]
    scan = generate_scan(np.random.default_rng(3), group=declared, controlled=True, vehicle="truck")
    prediction = {
        "concealment": 0.12,
        "empty": 0.01,
        "groups": [declared],
        "group_confidence": 0.9,
        "controlled": 0.97,
    }
    record_verdicts(store, settings, entry, scan.image, prediction, row["hs"])
    return entry


@pytest.fixture(scope="module")
def declared(graph_server: EmbeddedServer, world_store: GraphStore) -> Iterator[tuple[Site, str]]:
    settings = settings_for(graph_server, world_store.settings.graph_name, api_port=free_port())
    demo_users(world_store, settings, Path("."))
    entry = _papers(world_store, settings)
    frame = F.load_declarations(world_store)
    trained = train(world_store, frame, split_date="2025-04-01", iterations=60)
    write_scores(world_store, trained, score_frame(world_store, trained, frame))
    with serve(settings) as site:
        yield site, entry


def test_the_declaration_view_shows_score_reasons_scan_and_papers(
    declared: tuple[Site, str], browser: webdriver.Chrome
) -> None:
    site, entry = declared
    driver = browser
    driver.set_window_size(1366, 768)
    sign_in(driver, site, "demo_investigator")
    tab(driver, "Workbench", "search-text")
    box = driver.find_element(By.ID, "search-text")
    box.send_keys(Keys.CONTROL, "a")
    box.send_keys(entry, Keys.ENTER)
    wait_text(driver, "#search-results", "Declaration")
    driver.find_element(By.XPATH, "//*[@id='search-results']//button[contains(., 'Declaration')]").click()
    wait_text(driver, "#details", "扫描判读 Scan verdicts")
    card = driver.find_element(By.CSS_SELECTOR, "#details .declaration-view")
    # score and level: the controlled-goods rule lifts it to level 5
    assert float(card.find_element(By.CSS_SELECTOR, ".risk-score").text) > 0
    assert card.find_element(By.CSS_SELECTOR, ".risk-level").text == "5 级 Level 5"
    # reasons in both languages, the first naming the scan with what it read
    first = card.find_element(By.CSS_SELECTOR, ".reasons li").text
    assert "扫描图像疑似管制物品" in first and "Scan shows a controlled-goods silhouette" in first, first
    assert "0.97" in first and "至少 5 级 at least level 5" in first
    rules = [li.text for li in card.find_elements(By.CSS_SELECTOR, ".reasons li.reason-rule")]
    assert rules and rules[0] == first  # the expert rules, as the API names them, set apart
    reasons = [li.text for li in card.find_elements(By.CSS_SELECTOR, ".reasons li")]
    assert any("证书与申报不符" in r and "certificate disagrees" in r for r in reasons), reasons
    assert not any("-1.00" in r for r in reasons)
    # the scan's verdicts beside the scan
    suspect = card.find_element(By.CSS_SELECTOR, ".scan-verdicts .verdict-suspect").text
    assert "管制物品 Controlled goods" in suspect and "suspect" in suspect and "0.97" in suspect
    WebDriverWait(driver, 30).until(
        lambda d: d.execute_script(
            "const i = document.querySelector('#details img.image-scan'); return i && i.naturalWidth > 100"
        )
    )
    # the certificate and the document side by side, each with its page
    certificates = card.find_element(By.CSS_SELECTOR, ".declaration-certificates")
    papers = card.find_element(By.CSS_SELECTOR, ".declaration-documents")
    assert "Certificate origin" in certificates.text and "Mismatches" in certificates.text
    assert "无 none" not in certificates.find_element(By.CSS_SELECTOR, ".mismatches").text
    assert "Document invoice" in papers.text
    assert certificates.rect["y"] == papers.rect["y"] and papers.rect["x"] > certificates.rect["x"]
    assert card.find_elements(By.CSS_SELECTOR, "img.image-certificate") and card.find_elements(
        By.CSS_SELECTOR, "img.image-invoice"
    )
    # nothing of the card outside the window's width
    width = driver.execute_script("return window.innerWidth")
    right = driver.execute_script(
        "return Math.max(...[...arguments[0].querySelectorAll('*')].map(e => e.getBoundingClientRect().right))",
        card,
    )
    assert right <= width, (right, width)
    driver.execute_script("arguments[0].scrollIntoView()", card)
    shot(driver, "declaration-view")
    no_console_errors(driver)
