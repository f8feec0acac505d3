"""How a listener reaches the core: the app factory puts `Services` into Bolt's context."""

from __future__ import annotations

from typing import Any

from bot.core.services import Services

SERVICES_KEY = "services"


def services_of(context: Any) -> Services:
    services = context.get(SERVICES_KEY)
    if services is None:  # only possible if the app was built without the factory
        raise RuntimeError("listener called without services in its context")
    return services
