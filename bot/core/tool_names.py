"""One name per tool: "ChatGPT", "chat gpt", "CHAT-GPT!!" and "OpenAI ChatGPT" count as one.

Tool names are typed by people, so before a tool is counted (the demand queue, themes) or shown,
its spelling is reduced to a key (case, accents, spacing and punctuation dropped) and known
aliases are folded into one canonical tool. What is shown is never one person's own spelling:
a known tool gets its product name, any other tool a tidy form (words capitalised, punctuation
dropped) of the spelling most people used, so "CHAT-GPT!!" or "zorblax   WRITER??" never
appear as typed.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable

KEY_MAX = 200
UNNAMED = "unnamed"

# Canonical key -> (label shown, other keys that mean the same tool). Keys are what `base_key`
# makes of a spelling. Products that share a word but differ (GitHub Copilot and Microsoft
# Copilot) stay apart.
KNOWN_TOOLS: dict[str, tuple[str, tuple[str, ...]]] = {
    "chatgpt": ("ChatGPT", ("openaichatgpt", "chatgptplus", "chatgptenterprise", "chatgpt4",
                            "chatgpt4o", "gpt", "gpt4", "gpt4o", "openaigpt", "chatgpd")),
    "claude": ("Claude", ("claudeai", "anthropicclaude", "anthropic")),
    "gemini": ("Gemini", ("googlegemini", "geminiai", "bard", "googlebard")),
    "githubcopilot": ("GitHub Copilot", ("ghcopilot", "copilotgithub", "githubcopilotchat")),
    "microsoftcopilot": ("Microsoft Copilot", ("m365copilot", "microsoft365copilot",
                                               "mscopilot", "bingchat", "bingcopilot",
                                               "copilot365", "office365copilot")),
    "perplexity": ("Perplexity", ("perplexityai",)),
    "midjourney": ("Midjourney", ("midjourneyai",)),
    "deepl": ("DeepL", ("deeplwrite", "deepltranslate", "deepltranslator")),
    "grammarly": ("Grammarly", ("grammarlygo", "grammarlyai")),
    "notionai": ("Notion AI", ()),
    "mistral": ("Mistral", ("lechat", "mistralai", "mistrallechat")),
    "llama": ("Llama", ("metallama", "metaai")),
}  # fmt: skip
_ALIASES = {alias: key for key, (_, aliases) in KNOWN_TOOLS.items() for alias in aliases}


def base_key(name: str) -> str:
    """Case, accents, spacing and punctuation dropped: "Chat-GPT!!" -> "chatgpt"."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "", folded)[:KEY_MAX]


def tool_key(name: str) -> str:
    """The key a tool is counted and matched under, aliases folded into their tool."""
    key = base_key(name)
    return _ALIASES.get(key, key) or UNNAMED


def canonical_key(key: str) -> str:
    """Fold a stored key (made before an alias was known) into its tool."""
    return _ALIASES.get(key, key) or UNNAMED


def tidy(name: str) -> str:
    """Words capitalised, punctuation and extra spacing dropped: "zorblax  WRITER!!" ->
    "Zorblax Writer"."""
    words = re.findall(r"[^\W_]+", unicodedata.normalize("NFKC", name))
    return " ".join(w[:1].upper() + w[1:].lower() for w in words)[:KEY_MAX] or "Unnamed tool"


def label(key: str, spellings: Iterable[tuple[str, int]] = ()) -> str:
    """What to show for a tool: its product name if known, else the tidy form most used."""
    known = KNOWN_TOOLS.get(canonical_key(key))
    if known:
        return known[0]
    counts: Counter[str] = Counter()
    for spelling, count in spellings:
        counts[tidy(spelling)] += count
    if not counts:
        return tidy(key)
    return min(counts, key=lambda form: (-counts[form], form))
