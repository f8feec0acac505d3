"""Event listeners; every event here is subscribed in manifest.yml and vice versa."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from handlers.events.home import publish_home
from handlers.failure import guarded

EVENTS = {"app_home_opened": publish_home}


def register(app: AsyncApp) -> None:
    for event_type, listener in EVENTS.items():
        app.event(event_type)(guarded(listener))
