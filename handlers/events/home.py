"""Placeholder App Home until the pieces it shows exist."""

from typing import Any


async def publish_home(event: dict[str, Any], client: Any) -> None:
    return None
