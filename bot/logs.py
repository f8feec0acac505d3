"""Logging set-up that keeps people's words out of the logs.

Slack's SDKs log whole request and response bodies at DEBUG, Bolt logs a refused request's body
at INFO, and library errors carry whatever they were handed in their message or traceback. A
disclosure's text, a form's values, a user ID or a claim code must never reach a log file,
whatever level an operator picks, so those loggers are capped here rather than trusted to stay
quiet: below their floor nothing passes, and what passes keeps only its leading words (the part
before any bracket, where libraries put the payload) and, for an error, its type.
"""

from __future__ import annotations

import logging
import re

BOLT_APP_LOGGER = "slack_bolt.leverage"

# Loggers whose records may carry payloads, and the lowest level each may log at.
_PAYLOAD_LOGGERS = {
    "slack_bolt": logging.WARNING,  # INFO: "Invalid request signature detected (… body: …)"
    "slack_sdk": logging.INFO,
    "sqlalchemy.engine": logging.WARNING,
    "aiohttp.client": logging.INFO,
    "aiohttp.server": logging.WARNING,  # "Error handling request" with the handler's traceback
    "aiohttp.web": logging.WARNING,
    "aiosqlite": logging.INFO,  # logs every statement with its bound parameters at DEBUG
    "asyncpg": logging.INFO,
    # Bolt copies this logger's level and filters to every listener and middleware logger it
    # creates, so the floor and the trimming below reach all of them.
    BOLT_APP_LOGGER: logging.WARNING,
}
_PAYLOAD_START = re.compile(r"[({\[<'\"]|\bbody\b|\bpayload\b", re.IGNORECASE)


class _PayloadFloor(logging.Filter):
    """Drops records below a floor, even if someone sets the logger to DEBUG later, and trims
    the rest to their leading words: library messages put bodies in brackets or after a colon
    naming them, and tracebacks quote arguments, so neither passes."""

    def __init__(self, floor: int) -> None:
        super().__init__()
        self.floor = floor

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < self.floor:
            return False
        message = withhold_payload(record.getMessage())
        if record.exc_info and record.exc_info[0] is not None:
            message = f"{message}: {record.exc_info[0].__name__}"
        record.msg, record.args = message, None
        record.exc_info, record.exc_text, record.stack_info = None, None, None
        return True


def withhold_payload(message: str) -> str:
    """The message up to where a payload could begin; the first line only."""
    first_line = message.split("\n", 1)[0]
    cut = _PAYLOAD_START.search(first_line)
    kept = (first_line[: cut.start()] if cut else first_line).rstrip(" :,(")
    return kept if kept == first_line else f"{kept} (details withheld)"


def cap_payload_loggers() -> None:
    """Cap each payload logger and every descendant that exists already: a filter only sees
    records logged on its own logger, not those a child propagates."""
    existing = list(logging.Logger.manager.loggerDict)
    for name, floor in _PAYLOAD_LOGGERS.items():
        family = [name, *(n for n in existing if n.startswith(name + "."))]
        for member in family:
            _cap(logging.getLogger(member), floor)


def _cap(logger: logging.Logger, floor: int) -> None:
    if not any(isinstance(f, _PayloadFloor) for f in logger.filters):
        logger.addFilter(_PayloadFloor(floor))
    if logger.level < floor:
        logger.setLevel(floor)


def configure_logging(level: str = "INFO", fmt: str = "text") -> None:
    """`fmt` "json" writes one JSON object per line (`bot.log_json`), else plain text."""
    logging.basicConfig(
        level=getattr(logging, level.upper(), logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if fmt == "json":
        from bot.log_json import JsonFormatter

        for handler in logging.getLogger().handlers:
            handler.setFormatter(JsonFormatter())
    cap_payload_loggers()
