"""One JSON object per log line (`LOG_FORMAT=json`), for log pipelines that index fields.

The fields are the record's own (time, level, logger, message) plus what the bot's own
loggers (`leverage.*`) pass in `extra=` (e.g. the request log's kind, status and duration);
their callers never put people's words or ids there. A library's extras are left out: they
are not trimmed by `bot.logs` the way its messages are (aiohttp's access log, for one, passes
the request line and headers), so JSON shows no more of a library's record than text does.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

# Attributes every LogRecord has; anything else on a record came from `extra=`.
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}
OWN_LOGGERS = "leverage"


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        own = record.name == OWN_LOGGERS or record.name.startswith(OWN_LOGGERS + ".")
        for key, value in vars(record).items() if own else ():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value if isinstance(value, str | int | float | bool) else str(value)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)
