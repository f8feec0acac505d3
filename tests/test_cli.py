"""The command line: every command documents itself, and mistakes get a plain message."""

from __future__ import annotations

import subprocess
import sys

import pytest

from bot.cli import build_parser


def subcommand_paths() -> list[list[str]]:
    """Every command and sub-command the parser knows, discovered rather than listed by hand."""
    paths: list[list[str]] = []

    def walk(parser: object, prefix: list[str]) -> None:
        for action in getattr(parser, "_actions", []):
            choices = getattr(action, "choices", None)
            if isinstance(choices, dict):
                for name, child in choices.items():
                    paths.append([*prefix, name])
                    walk(child, [*prefix, name])

    walk(build_parser(), [])
    return paths


def test_the_documented_commands_exist() -> None:
    names = {" ".join(p) for p in subcommand_paths()}
    for expected in ("serve", "demo", "org import", "org sync", "campaign start", "stage",
                     "facts set", "export"):  # fmt: skip
        assert expected in names


@pytest.mark.parametrize("path", subcommand_paths(), ids=lambda p: " ".join(p))
def test_every_command_has_help(path: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        build_parser().parse_args([*path, "--help"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: leverage-bot " + " ".join(path))
    assert "--help" in out


def test_console_entry_point_prints_help() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "--help"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert "usage: leverage-bot" in result.stdout


def test_unknown_command_is_a_usage_error() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "frobnicate"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert "invalid choice" in result.stderr
