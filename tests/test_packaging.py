"""The operator's packaging: compose.yaml parses and wires two bot replicas to one healthy
PostgreSQL; the Dockerfile is slim, non-root, checks health and copies all it installs. (No
container can be built or run on the project's machines, so these are read, not run: see
bench/RESULTS.md, "Containers".)"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]


def compose() -> dict[str, Any]:
    data = yaml.safe_load((ROOT / "compose.yaml").read_text())
    assert isinstance(data, dict)
    return data


def test_compose_runs_two_bot_replicas_on_one_healthy_postgres() -> None:
    services = compose()["services"]
    bots = {name: s for name, s in services.items() if name.startswith("bot-")}
    assert len(bots) == 2
    postgres = services["postgres"]
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])
    urls = {s["environment"]["DATABASE_URL"] for s in bots.values()}
    assert len(urls) == 1 and "@postgres:5432/" in next(iter(urls))
    for bot in bots.values():
        assert bot["depends_on"]["postgres"]["condition"] == "service_healthy"
        assert bot["build"] == "." and bot["stop_grace_period"] == "30s"
        assert {"SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"} <= set(bot["environment"])
    ports = [p for bot in bots.values() for p in bot["ports"]]
    assert len(set(ports)) == 2  # each replica on its own host port
    assert "pgdata" in compose()["volumes"]


def test_dockerfile_is_slim_non_root_with_a_healthcheck() -> None:
    lines = [line.strip() for line in (ROOT / "Dockerfile").read_text().splitlines()]
    froms = [line for line in lines if line.startswith("FROM ")]
    assert froms and all("-slim" in line for line in froms)
    users = [line for line in lines if line.startswith("USER ")]
    assert users and users[-1] not in ("USER root", "USER 0")
    assert any(line.startswith("HEALTHCHECK") for line in lines)
    assert "/healthz" in (ROOT / "Dockerfile").read_text()
    assert 'ENTRYPOINT ["leverage-bot"]' in lines


def test_the_image_copies_every_package_the_project_installs() -> None:
    """`pip install .` in the build stage sees only what was copied: a package pyproject.toml
    installs (bot, handlers, storage: the migrations live in storage) but the Dockerfile did
    not copy would build an image whose `serve` fails at its first import."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    packages = {p.rstrip("*") for p in project["tool"]["setuptools"]["packages"]["find"]["include"]}
    copied = {
        line.split()[1]
        for line in (ROOT / "Dockerfile").read_text().splitlines()
        if line.startswith("COPY ") and "--from" not in line
    }
    assert packages and packages <= copied, packages - copied
    assert {"pyproject.toml", project["project"]["readme"]} <= set(
        " ".join(line for line in (ROOT / "Dockerfile").read_text().splitlines()
                 if line.startswith("COPY ")).split()
    )  # fmt: skip
