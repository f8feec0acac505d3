"""Slack as a `ChatDirectory`: e-mail look-ups, time zones and user groups for org sync."""

from __future__ import annotations

from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.ports import ChatGroup, ChatUser


def _to_chat_user(user: dict[str, Any]) -> ChatUser:
    profile = user.get("profile") or {}
    return ChatUser(
        chat_user_id=user["id"],
        email=(profile.get("email") or None),
        name=user.get("real_name") or profile.get("real_name") or user.get("name") or user["id"],
        tz=user.get("tz"),
        active=not user.get("deleted", False) and not user.get("is_bot", False),
    )


class SlackDirectory:
    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client

    async def lookup_by_email(self, email: str) -> ChatUser | None:
        try:
            response = await self.client.users_lookupByEmail(email=email)
        except SlackApiError as error:
            if error.response.get("error") == "users_not_found":
                return None
            raise
        return _to_chat_user(response["user"])

    async def user_info(self, chat_user_id: str) -> ChatUser | None:
        try:
            response = await self.client.users_info(user=chat_user_id)
        except SlackApiError as error:
            if error.response.get("error") == "user_not_found":
                return None
            raise
        return _to_chat_user(response["user"])

    async def list_groups(self) -> list[ChatGroup]:
        response = await self.client.usergroups_list(include_users=True)
        groups: list[ChatGroup] = []
        found: list[dict[str, Any]] = response.get("usergroups", [])
        for group in found:
            members = group.get("users")
            if members is None:
                listing = await self.client.usergroups_users_list(usergroup=group["id"])
                members = listing.get("users", [])
            groups.append(
                ChatGroup(group["id"], group.get("name") or group["handle"], tuple(members))
            )
        return groups
