"""Modal submission listeners."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from handlers import ids
from handlers.failure import guarded
from handlers.views.answer import submit_answer_details, submit_answer_form
from handlers.views.disclosure import submit_disclosure_form, submit_reply
from handlers.views.usecases import USECASE_VIEWS


def register(app: AsyncApp) -> None:
    app.view(ids.ANSWER_VIEW)(guarded(submit_answer_form))
    app.view(ids.ANSWER_DETAILS_VIEW)(guarded(submit_answer_details))
    app.view(ids.DISCLOSURE_VIEW)(guarded(submit_disclosure_form))
    app.view(ids.DISCLOSURE_REPLY_VIEW)(guarded(submit_reply))
    for callback_id, listener in USECASE_VIEWS.items():
        app.view(callback_id)(guarded(listener))
