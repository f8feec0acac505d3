"""Submitting the disclosure modal: validate, store at most once, show the claim code privately.

The confirmation is a `response_action: update` of the same modal. A modal is visible only to
the person who opened it, it leaves no message in any conversation history, and it needs no
further Web API call that would carry the code with a user ID (chat.postEphemeral would). The
code therefore exists in exactly one place: this HTTP response to Slack.

Nothing about the submission is logged at any level; a database failure logs only its type.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from bot.core import disclosures
from bot.slack.errors import DATABASE_DOWN, is_database_error
from handlers.blocks.disclosure_form import (
    ACTION,
    BLOCKS,
    CONTACT_OK,
    REPLY_BLOCK,
    confirmation_view,
    reply_sent_view,
)
from handlers.context import services_of
from handlers.events.home import publish_home_for

logger = logging.getLogger("leverage.disclosure")
STALE_FORM = "This form is out of date. Please close it and open a new one with /ai-disclose."


def _value(values: dict[str, Any], field: str) -> Any:
    return (values.get(BLOCKS[field]) or {}).get(ACTION) or {}


def _selected(values: dict[str, Any], field: str) -> str | None:
    option = _value(values, field).get("selected_option") or {}
    return option.get("value")


def _chosen(values: dict[str, Any], field: str) -> tuple[str, ...]:
    options = _value(values, field).get("selected_options") or []
    return tuple(str(o.get("value")) for o in options if isinstance(o, dict))


def read_form(view: dict[str, Any]) -> disclosures.RawDisclosure:
    values = (view.get("state") or {}).get("values") or {}
    return disclosures.RawDisclosure(
        tool=_value(values, "tool").get("value"),
        tool_kind=_selected(values, "tool_kind"),
        work_kind=_selected(values, "work_kind"),
        frequency=_selected(values, "frequency"),
        data_class=_selected(values, "data_class"),
        reasons=_chosen(values, "reasons"),
        make_it_easy=_value(values, "make_it_easy").get("value"),
        contact_ok=CONTACT_OK in _chosen(values, "contact"),
    )


def read_metadata(view: dict[str, Any]) -> tuple[str, str | None] | None:
    """(nonce, campaign id) from private_metadata; None when the form was not one of ours."""
    try:
        meta = json.loads(view.get("private_metadata") or "")
        nonce, campaign = str(meta["n"]), str(meta.get("c") or "") or None
    except (ValueError, KeyError, TypeError):
        return None
    return (nonce, campaign) if 16 <= len(nonce) <= 64 else None


def _errors(errors: dict[str, str]) -> dict[str, Any]:
    return {
        "response_action": "errors",
        "errors": {BLOCKS.get(k, BLOCKS["tool"]): v[:150] for k, v in errors.items()},
    }


async def submit_disclosure_form(
    ack: Any, body: dict[str, Any], view: dict[str, Any], context: Any
) -> None:
    services = services_of(context)
    meta = read_metadata(view)
    if meta is None:
        await ack(**_errors({"tool": STALE_FORM}))
        return
    try:
        form = disclosures.validate(read_form(view))
    except disclosures.InvalidDisclosure as invalid:
        await ack(**_errors(invalid.errors))
        return
    user_id = (body.get("user") or {}).get("id")
    try:
        done = await disclosures.submit(
            services, form, chat_user_id=user_id, nonce=meta[0], campaign_id=meta[1]
        )
    except Exception as error:  # keep the modal open with the person's words in it
        logger.error("disclosure not stored: %s", type(error).__name__)
        message = DATABASE_DOWN if is_database_error(error) else STORE_FAILED
        await ack(**_errors({"tool": message}))
        return
    confirmation = confirmation_view(
        done.claim_code, duplicate=done.duplicate, contact=form.contact_ok
    )
    await ack(response_action="update", view=confirmation)


STORE_FAILED = "Sorry, something went wrong and nothing was saved. Please try again."


async def submit_reply(
    ack: Any, body: dict[str, Any], view: dict[str, Any], client: Any, context: Any
) -> None:
    """An admin's reply from App Home's queue: saved once, then the queue is redrawn."""
    services = services_of(context)
    user_id = str((body.get("user") or {}).get("id") or "")
    if not services.is_admin(user_id):
        await ack(response_action="errors", errors={REPLY_BLOCK: "Only admins can reply."})
        return
    values = (view.get("state") or {}).get("values") or {}
    text = str(((values.get(REPLY_BLOCK) or {}).get(ACTION) or {}).get("value") or "")
    try:
        await disclosures.reply(services, str(view.get("private_metadata") or ""), text, user_id)
    except disclosures.InvalidDisclosure as invalid:
        message = " ".join(invalid.errors.values())[:150]
        await ack(response_action="errors", errors={REPLY_BLOCK: message})
        return
    except disclosures.NotFound:
        await ack(response_action="errors", errors={REPLY_BLOCK: disclosures.UNKNOWN_REFERENCE})
        return
    await ack(response_action="update", view=reply_sent_view())
    await publish_home_for(services, client, user_id, notice="Reply saved.")
