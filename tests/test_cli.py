"""The command line: every command documents itself, and mistakes get a plain message."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

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


@pytest.mark.parametrize(
    "variable, value, expected",
    [
        ("LEVERAGE_MIN_GROUP_SIZE", "2", "may not be below 3"),
        ("LEVERAGE_CAMPAIGN_SCHEDULE", "every tuesday", "not a five-field crontab"),
        ("PORT", "not-a-port", "PORT"),
    ],
)
def test_bad_configuration_is_a_plain_message(
    variable: str, value: str, expected: str, tmp_path: Path
) -> None:
    env = {**os.environ, variable: value, "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "stage"],
        capture_output=True, text=True, timeout=60, env=env, cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 2
    assert "configuration error" in result.stderr and expected in result.stderr
    assert "Traceback" not in result.stderr
