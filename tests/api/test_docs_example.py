"""The Python client example of docs/api.md runs against a running server."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from tests.api.conftest import ApiServer

DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"


def test_the_documented_client_example_runs(api: ApiServer, tmp_path: Path, monkeypatch: Any) -> None:
    code = re.search(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S).group(1)  # type: ignore[union-attr]
    tokens = tmp_path / "var" / "demo-tokens.json"
    tokens.parent.mkdir()
    tokens.write_text(json.dumps({"demo_investigator": {"api_key": api.keys["inv_gz"]}}))
    monkeypatch.chdir(tmp_path)
    code = code.replace("http://127.0.0.1:8000", api.url)
    namespace: dict[str, Any] = {}
    exec(compile(code, "docs/api.md", "exec"), namespace)  # noqa: S102 - the documentation's own example
    assert namespace["hit"]["label"] == "Enterprise" and "declarationCount" in namespace["profile"]["profile"]
