"""Logging set-up that keeps people's words out of the logs.

Slack's SDKs log whole request and response bodies at DEBUG, and SQLAlchemy can echo bound
parameters. A disclosure's text or a claim code must never reach a log file, whatever level an
operator picks, so those loggers are capped here rather than trusted to stay quiet.
"""

from __future__ import annotations

import logging

BOLT_APP_LOGGER = "slack_bolt.leverage"

# Loggers whose DEBUG (and INFO for the engine) records may carry payloads.
_PAYLOAD_LOGGERS = {
    "slack_bolt": logging.INFO,
    "slack_sdk": logging.INFO,
    "sqlalchemy.engine": logging.WARNING,
    "aiohttp.client": logging.INFO,
    "aiosqlite": logging.INFO,  # logs every statement with its bound parameters at DEBUG
    "asyncpg": logging.INFO,
    BOLT_APP_LOGGER: logging.INFO,  # Bolt copies its level to per-listener loggers
}


class _PayloadFloor(logging.Filter):
    """Drops records below a floor, even if someone sets the logger to DEBUG later."""

    def __init__(self, floor: int) -> None:
        super().__init__()
        self.floor = floor

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= self.floor


def cap_payload_loggers() -> None:
    for name, floor in _PAYLOAD_LOGGERS.items():
        logger = logging.getLogger(name)
        if not any(isinstance(f, _PayloadFloor) for f in logger.filters):
            logger.addFilter(_PayloadFloor(floor))
        if logger.level < floor:
            logger.setLevel(floor)


def configure_logging(level: str = "INFO") -> None:
    logging.basicConfig(
        level=getattr(logging, level.upper(), logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    cap_payload_loggers()
