"""One help style for the three commands: what the command is for, its uses, the other two.

Admin syntax is listed only when an admin asks; everyone else sees what they can use.
"""

from __future__ import annotations

from handlers import ids

Usage = tuple[str, str]

ABOUT = {
    ids.LEVERAGE_COMMAND: "the quarterly question: one example of AI leverage in your work",
    ids.DISCLOSE_COMMAND: "tell us, anonymously and without blame, about AI used out of sight",
    ids.STAGE_COMMAND: "the organisation's AI maturity stage, in plain words",
}


def help_text(command: str, uses: list[Usage], admin_uses: list[Usage], *, admin: bool) -> str:
    """`*/cmd*: what it is for`, a bullet per use, admin uses for admins, the other commands."""
    lines = [f"*{command}*: {ABOUT[command]}"]
    lines += [f"• `{usage}`: {what}" for usage, what in uses]
    if admin and admin_uses:
        lines.append("*For admins*")
        lines += [f"• `{usage}`: {what}" for usage, what in admin_uses]
    others = " · ".join(f"`{other}` {ABOUT[other]}" for other in ABOUT if other != command)
    lines.append(f"Also: {others}")
    return "\n".join(lines)
