"""teams/manifest.json validates against Microsoft's 1.29 schema, lists the commands the bot
answers, and `leverage-bot teams package` zips it with its two icons."""

from __future__ import annotations

import json
import zipfile
from io import BytesIO
from pathlib import Path

import jsonschema
import pytest
from PIL import Image

from bot.cli import main
from bot.teams.package import PackageError, build_package
from handlers.teams.commands import COMMANDS

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = ROOT / "schemas" / "teams-manifest" / "MicrosoftTeams.schema.1.29.json"
APP_ID = "6f1c2d3e-4a5b-4c6d-8e7f-901a2b3c4d5e"


def _validator() -> jsonschema.Draft4Validator:
    return jsonschema.Draft4Validator(json.loads(SCHEMA.read_text(encoding="utf-8")))


def _errors(manifest: dict) -> list[str]:
    return [e.message for e in _validator().iter_errors(manifest)]


def test_manifest_is_valid_against_the_teams_schema() -> None:
    manifest = json.loads((ROOT / "teams" / "manifest.json").read_text(encoding="utf-8"))
    assert _errors(manifest) == []
    broken = {k: v for k, v in manifest.items() if k != "developer"}
    assert _errors(broken)  # the validator really checks
    assert _errors({**manifest, "bots": [{"botId": "x", "scopes": ["nowhere"]}]})


def test_manifest_commands_are_the_ones_the_bot_answers() -> None:
    manifest = json.loads((ROOT / "teams" / "manifest.json").read_text(encoding="utf-8"))
    [bot] = manifest["bots"]
    assert bot["scopes"] == ["personal"]
    [commands] = bot["commandLists"]
    assert [c["title"] for c in commands["commands"]] == list(COMMANDS)
    assert {c["title"]: c["description"] for c in commands["commands"]} == COMMANDS


def test_icons_have_the_sizes_teams_requires() -> None:
    with Image.open(ROOT / "teams" / "color.png") as color:
        assert color.size == (192, 192) and color.format == "PNG"
    with Image.open(ROOT / "teams" / "outline.png") as outline:
        assert outline.size == (32, 32) and outline.mode == "RGBA"
        pixels = [p for p in outline.get_flattened_data() if p[3] > 0]
        assert pixels and all(min(p[:3]) > 200 for p in pixels if p[3] > 128)  # white on clear


def test_package_command_zips_a_valid_manifest_for_this_app(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "app.zip"
    code = main(["teams", "package", "--out", str(out), "--app-id", APP_ID.upper(),
                 "--host", "bot.acme.test"])  # fmt: skip
    assert code == 0 and "wrote" in capsys.readouterr().out
    with zipfile.ZipFile(out) as archive:
        assert sorted(archive.namelist()) == ["color.png", "manifest.json", "outline.png"]
        manifest = json.loads(archive.read("manifest.json"))
        with Image.open(BytesIO(archive.read("color.png"))) as color:
            assert color.size == (192, 192)
    assert _errors(manifest) == []
    assert manifest["id"] == APP_ID and manifest["bots"][0]["botId"] == APP_ID
    assert manifest["validDomains"] == ["bot.acme.test"]
    assert "leverage.example.com" not in json.dumps(manifest)


def test_package_refuses_a_bad_app_id(tmp_path: Path) -> None:
    with pytest.raises(PackageError, match="not a GUID"):
        build_package(tmp_path / "x.zip", app_id="my-bot")
    assert not (tmp_path / "x.zip").exists()
    assert main(["teams", "package", "--out", str(tmp_path / "y.zip"), "--host", "a/b"]) != 0
