"""Settings: one class, documented, refusing what is unsafe or unknown."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from tianji.core.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def test_every_setting_is_documented() -> None:
    doc = (ROOT / "docs" / "settings.md").read_text(encoding="utf-8")
    for name in Settings.model_fields:
        assert f"`TIANJI_{name.upper()}`" in doc, f"TIANJI_{name.upper()} missing from docs/settings.md"


def test_environment_variables_configure(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TIANJI_GRAPH_URI", "redis://127.0.0.1:7000")
    monkeypatch.setenv("TIANJI_GRAPH_APPENDFSYNC", "always")
    settings = Settings()
    assert settings.graph_uri == "redis://127.0.0.1:7000"
    assert settings.graph_appendfsync == "always"


def test_bad_values_are_refused() -> None:
    with pytest.raises(ValidationError, match="graph_uri must start with"):
        Settings(graph_uri="mysql://x")
    with pytest.raises(ValidationError, match="needs TIANJI_NEO4J_PASSWORD"):
        Settings(environment="production", graph_uri="neo4j://db:7687", auth_secret="s" * 40)
    with pytest.raises(ValidationError, match="needs TIANJI_AUTH_SECRET"):
        Settings(environment="production")


def test_the_table_names_only_settings_that_exist() -> None:
    import re

    doc = (ROOT / "docs" / "settings.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `TIANJI_([A-Z0-9_]+)`", doc, flags=re.M)) - {"ENV_FILE"}
    assert documented == {name.upper() for name in Settings.model_fields}


def test_oidc_needs_its_client(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValidationError, match="needs TIANJI_OIDC_CLIENT_ID"):
        Settings(oidc_issuer="https://idp.example")
    monkeypatch.setenv("TIANJI_OIDC_ROLE_MAP", '{"risk-analysts": "analyst"}')
    assert Settings().oidc_role_map == {"risk-analysts": "analyst"}
