"""The province borders' npm tarball read without the network: a crafted tarball with the file missing,
or not JSON, and an npm that never answers, are each a MapDataError that says what went wrong."""

from __future__ import annotations

import io
import json
import os
import tarfile
from pathlib import Path

import pytest

from tianji.cli.mapdata import MapDataError, npm_tarball, packed_json

SOURCE = {"package": "borders-demo", "version": "1.0.0", "path": "data/provinces.json"}


def _tarball(folder: Path, files: dict[str, bytes]) -> Path:
    path = folder / "borders-demo-1.0.0.tgz"
    with tarfile.open(path, "w:gz") as archive:
        for name, content in files.items():
            info = tarfile.TarInfo(f"package/{name}")
            info.size = len(content)
            archive.addfile(info, io.BytesIO(content))
    return path


def test_the_packed_file_is_read(tmp_path: Path) -> None:
    collection = {"type": "FeatureCollection", "features": []}
    tarball = _tarball(tmp_path, {"data/provinces.json": json.dumps(collection).encode()})
    assert packed_json(tarball, SOURCE) == collection


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    tarball = _tarball(tmp_path, {"data/other.json": b"{}"})
    with pytest.raises(MapDataError, match="borders-demo@1.0.0 has no file data/provinces.json"):
        packed_json(tarball, SOURCE)


@pytest.mark.parametrize("content", [b"{not json", b"\xff\xfe\x00"])
def test_a_file_that_is_not_json_is_said_so(tmp_path: Path, content: bytes) -> None:
    tarball = _tarball(tmp_path, {"data/provinces.json": content})
    with pytest.raises(MapDataError, match="data/provinces.json is not JSON"):
        packed_json(tarball, SOURCE)


def test_a_file_that_is_no_tarball_is_said_so(tmp_path: Path) -> None:
    path = tmp_path / "broken.tgz"
    path.write_bytes(b"not a tarball")
    with pytest.raises(MapDataError, match="the tarball cannot be read"):
        packed_json(path, SOURCE)


def test_an_npm_that_never_answers_is_a_map_data_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tools = tmp_path / "bin"
    tools.mkdir()
    npm = tools / "npm"
    npm.write_text("#!/bin/sh\nsleep 30\n", encoding="utf-8")
    npm.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tools}{os.pathsep}{os.environ['PATH']}")
    with pytest.raises(MapDataError, match="gave no answer in 0.5 s"):
        npm_tarball("borders-demo", "1.0.0", "sha512-x", tmp_path, timeout_s=0.5)
