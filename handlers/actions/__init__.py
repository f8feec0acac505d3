"""Button listeners (campaign DM, App Home, confirmations)."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from handlers import ids
from handlers.actions.admin import close_campaign, remind_campaign
from handlers.actions.campaign import confirm_forget, not_this_quarter, open_answer_form
from handlers.actions.disclosure import open_disclosure_form, open_reply_form
from handlers.actions.usecases import USECASE_ACTIONS
from handlers.commands.stage import open_stage_evidence
from handlers.commands.team import open_full_team_view
from handlers.failure import guarded


def register(app: AsyncApp) -> None:
    app.action(ids.OPEN_ANSWER_FORM)(guarded(open_answer_form))
    app.action(ids.NOT_THIS_QUARTER)(guarded(not_this_quarter))
    app.action(ids.CONFIRM_FORGET)(guarded(confirm_forget))
    app.action(ids.OPEN_DISCLOSURE_FORM)(guarded(open_disclosure_form))
    app.action(ids.STAGE_EVIDENCE)(guarded(open_stage_evidence))
    app.action(ids.OPEN_TEAM_SUMMARY)(guarded(open_full_team_view))
    app.action(ids.ADMIN_REMIND)(guarded(remind_campaign))
    app.action(ids.ADMIN_CLOSE)(guarded(close_campaign))
    app.action(ids.DISCLOSURE_REPLY)(guarded(open_reply_form))
    for action_id, listener in USECASE_ACTIONS.items():
        app.action(action_id)(guarded(listener))
