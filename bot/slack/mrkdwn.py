"""Text that people typed, made safe to show in Slack's mrkdwn (message `text` and blocks).

Slack reads `<…>` as control sequences (`<!channel>`, `<@U123>`, `<https://x|a link>`) and
`*`, `_`, `~`, `` ` `` as formatting; it has no escape for the formatting characters. So user
text is escaped (`&`, `<`, `>` as Slack documents) and each formatting character is followed by
a zero-width space, which stops it pairing with another while looking the same; `quote` also
shows the text as a block quote, so a reader sees it is someone's words, not the bot's.
"""

from __future__ import annotations

ZERO_WIDTH_SPACE = "\u200b"
_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
_FORMATTING = str.maketrans({c: c + ZERO_WIDTH_SPACE for c in "*_~`"})


def escape(text: str) -> str:
    """Slack's three control characters escaped: no mention, channel ping or masked link."""
    return text.translate(_ESCAPES)


def user_text(text: str) -> str:
    """Escaped, and with formatting characters defused: safe inline in any mrkdwn."""
    return escape(text).translate(_FORMATTING)


def quote(text: str) -> str:
    """User text as a block quote, one `>` per line, safe as `user_text`."""
    return "\n".join("> " + user_text(line) for line in (text.splitlines() or [""]))
