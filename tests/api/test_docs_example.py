"""The Python client example of docs/api.md runs against a running server."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tests.api.conftest import ApiServer

DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"


def test_the_documented_client_example_runs(api: ApiServer, tmp_path: Path, monkeypatch: Any) -> None:
    client, subscription = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    tokens = tmp_path / "var" / "demo-tokens.json"
    tokens.parent.mkdir()
    tokens.write_text(json.dumps({"demo_investigator": {"api_key": api.keys["inv_gz"]}}))
    monkeypatch.chdir(tmp_path)
    address = urlsplit(api.url)
    monkeypatch.setenv("TIANJI_API_HOST", address.hostname or "")
    monkeypatch.setenv("TIANJI_API_PORT", str(address.port))
    assert "8000" not in client  # the port comes from the settings
    namespace: dict[str, Any] = {"__name__": "docs"}
    exec(compile(client, "docs/api.md", "exec"), namespace)  # noqa: S102 - the documentation's own example
    assert namespace["hit"]["label"] == "Enterprise" and "declarationCount" in namespace["profile"]["profile"]
    exec(compile(subscription, "docs/api.md", "exec"), namespace)  # noqa: S102 - its subscription example

    async def handshake() -> str:
        socket, ack = await namespace["connect"]()
        await socket.close()
        return str(ack["type"])

    assert asyncio.run(handshake()) == "connection_ack"  # the token in connection_init was accepted
