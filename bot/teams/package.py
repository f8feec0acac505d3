"""The Teams app package: `teams/manifest.json` and its two icons, zipped for upload.

The committed manifest carries placeholders (an all-zero app id, `leverage.example.com`); the
package gets the real Azure Bot app id and the public host of `serve`, so one command makes a
package an admin can upload to their tenant.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path
from typing import Any

from PIL import Image

PACKAGE_DIR = Path(__file__).resolve().parents[2] / "teams"
ICONS = {"color": (192, 192), "outline": (32, 32)}
PLACEHOLDER_HOST = "leverage.example.com"
GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)
HOST = re.compile(r"^[a-z0-9.-]+(:[0-9]+)?$", re.I)


class PackageError(Exception):
    """The package cannot be built as asked; `str()` says why in one line."""


def load_manifest(directory: Path = PACKAGE_DIR) -> dict[str, Any]:
    return json.loads((directory / "manifest.json").read_text(encoding="utf-8"))


def customise(manifest: dict[str, Any], app_id: str | None, host: str | None) -> dict[str, Any]:
    """The manifest for one deployment: its app id (bot id too) and its public host."""
    out = json.loads(json.dumps(manifest))
    if app_id:
        if not GUID.match(app_id):
            raise PackageError(f"app id {app_id!r} is not a GUID (the Azure Bot's app id)")
        out["id"] = app_id.lower()
        for bot in out.get("bots", []):
            bot["botId"] = app_id.lower()
    if host:
        if not HOST.match(host):
            raise PackageError(f"host {host!r} is not a host name (no scheme, no path)")
        text = json.dumps(out).replace(PLACEHOLDER_HOST, host)
        out = json.loads(text)
    return out


def check_icons(directory: Path, manifest: dict[str, Any]) -> None:
    for role, size in ICONS.items():
        path = directory / manifest["icons"][role]
        try:
            with Image.open(path) as image:
                if image.size != size or image.format != "PNG":
                    raise PackageError(f"{path.name} must be a {size[0]}x{size[1]} PNG")
        except OSError as error:
            raise PackageError(f"cannot read icon {path}: {error}") from None


def build_package(
    out: Path, *, app_id: str | None = None, host: str | None = None,
    directory: Path = PACKAGE_DIR,
) -> dict[str, Any]:  # fmt: skip
    """Write the zip (manifest.json and the icons at its root) and return the manifest."""
    manifest = customise(load_manifest(directory), app_id, host)
    check_icons(directory, manifest)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", json.dumps(manifest, indent=2) + "\n")
        for role in ICONS:
            name = manifest["icons"][role]
            archive.write(directory / name, arcname=name)
    out.write_bytes(buffer.getvalue())
    return manifest
