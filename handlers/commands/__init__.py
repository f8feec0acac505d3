"""Slash command listeners; every command here is declared in manifest.yml and vice versa."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from handlers import ids
from handlers.commands.disclose import handle_disclose_command
from handlers.commands.leverage import handle_leverage_command
from handlers.commands.stage import handle_stage_command
from handlers.failure import guarded


def register(app: AsyncApp) -> None:
    app.command(ids.LEVERAGE_COMMAND)(guarded(handle_leverage_command))
    app.command(ids.DISCLOSE_COMMAND)(guarded(handle_disclose_command))
    app.command(ids.STAGE_COMMAND)(guarded(handle_stage_command))
