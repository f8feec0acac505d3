"""Slash command listeners; every command here is declared in manifest.yml and vice versa."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from handlers import ids
from handlers.commands.disclose import handle_disclose_command
from handlers.commands.leverage import handle_leverage_command
from handlers.commands.stage import handle_stage_command
from handlers.failure import guarded

# Commands whose listener always acks with an empty body (it replies through `respond`, a
# modal or a DM): the HTTP edge answers these at once, before Bolt runs (bot.slack.early_ack).
# A test dispatches each through Bolt and checks the ack is indeed empty.
ACKED_EMPTY = frozenset({ids.LEVERAGE_COMMAND, ids.DISCLOSE_COMMAND, ids.STAGE_COMMAND})


def register(app: AsyncApp) -> None:
    app.command(ids.LEVERAGE_COMMAND)(guarded(handle_leverage_command))
    app.command(ids.DISCLOSE_COMMAND)(guarded(handle_disclose_command))
    app.command(ids.STAGE_COMMAND)(guarded(handle_stage_command))
