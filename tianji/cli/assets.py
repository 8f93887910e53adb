"""Browser files the platform serves itself: ``tianji assets fetch`` puts GraphiQL's scripts and styles
under ``<data_dir>/assets/unpkg/`` so that GraphiQL works with no network (``api.routes.graphiql``), and
derives the trajectory map's province borders (``tianji.cli.mapdata``).

A file comes from an installed Python package when one ships it byte for byte (Dash ships React), else
from the npm registry (``npm pack``); every file is checked against the integrity hash the page pins
before it is kept.
"""

from __future__ import annotations

import base64
import hashlib
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

import typer
from rich.console import Console

from api.routes.graphiql import Asset, folder, missing
from tianji.cli.mapdata import MapDataError, fetch_provinces
from tianji.core.resources import package_path
from tianji.core.settings import Settings, get_settings

app = typer.Typer(no_args_is_help=True)
console = Console()


class AssetError(RuntimeError):
    """A file that could not be fetched or did not match its integrity hash."""


def graphiql_page() -> str:
    return package_path("strawberry", "static", "graphiql.html").read_text(encoding="utf-8")


def matches(content: bytes, asset: Asset) -> bool:
    digest = base64.b64encode(hashlib.new(asset.algorithm, content).digest()).decode()
    return digest == asset.digest


def from_python(asset: Asset) -> bytes | None:
    """The file from an installed package that ships it (Dash's React builds), if one does."""
    name = asset.package.rsplit("/", 1)[-1]
    shipped = package_path("dash", "deps", f"{name}@{asset.version}.min.js")
    if shipped.is_file() and matches(content := shipped.read_bytes(), asset):
        return content
    return None


def from_npm(asset: Asset, cache: Path) -> bytes:
    """The file from the package's tarball on the npm registry (``npm pack``, cached per version)."""
    npm = shutil.which("npm")
    if npm is None:
        raise AssetError(f"{asset.local}: npm is not installed (apt-get install npm)")
    spec = f"{asset.package}@{asset.version}"
    tarball = cache / (spec.lstrip("@").replace("/", "-").replace("@", "-") + ".tgz")
    if not tarball.exists():
        done = subprocess.run(
            [npm, "pack", spec, "--silent", "--pack-destination", str(cache)],
            capture_output=True,
            text=True,
            timeout=300,
        )
        if done.returncode != 0:
            raise AssetError(f"npm pack {spec} failed: {done.stderr.strip()[-300:]}")
        named = cache / done.stdout.strip().splitlines()[-1]
        named.rename(tarball)
    with tarfile.open(tarball) as archive:
        member = archive.extractfile(f"package/{asset.path}")
        if member is None:
            raise AssetError(f"{spec} has no file {asset.path}")
        return member.read()


def fetch(settings: Settings) -> list[str]:
    """Put every file the GraphiQL page loads in place; return the ones written."""
    written = []
    todo = missing(settings, graphiql_page())
    with tempfile.TemporaryDirectory() as tmp:
        for number, asset in enumerate(todo, 1):
            console.print(f"  GraphiQL asset {number}/{len(todo)} {asset.local}")
            content = from_python(asset) or from_npm(asset, Path(tmp))
            if not matches(content, asset):
                raise AssetError(f"{asset.local} does not match the integrity hash the page pins")
            target = folder(settings) / asset.local
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
            written.append(asset.local)
    return written


@app.command("fetch")
def fetch_command() -> None:
    """Fetch GraphiQL's files and the map's province borders (from the npm registry) into the data folder."""
    settings = get_settings()
    try:
        written = fetch(settings)
        made = fetch_provinces(settings)
    except (AssetError, MapDataError) as exc:
        raise typer.BadParameter(str(exc)) from None
    console.print(f"GraphiQL assets in place ({len(written)} fetched)")
    console.print(f"map province borders {'made' if made else 'in place'}")
