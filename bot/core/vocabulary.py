"""The fixed answer options, shared by forms, storage and the aggregator.

Each list maps a stable key (stored in the database, never renamed) to the label people read.
Keeping them in one place means a form option can never drift away from what the aggregator counts.
"""

from __future__ import annotations

WORK_KINDS: dict[str, str] = {
    "drafting": "Drafting",
    "summarising": "Summarising",
    "analysis": "Analysis",
    "coding": "Coding",
    "research": "Research",
    "customer_communication": "Customer communication",
    "meeting_notes": "Meeting notes",
    "other": "Other",
}

TOOL_APPROVAL: dict[str, str] = {
    "approved": "Approved by the organisation",
    "not_approved": "Not approved",
    "unknown": "Don't know",
}

ESTABLISHMENT: dict[str, str] = {
    "one_off": "One-off",
    "regular": "I do it regularly",
    "team": "My team does it",
    "production": "It is in production in a documented process",
}

SPREAD: dict[str, str] = {
    "just_me": "Just me",
    "my_team": "People on my team",
    "several_teams": "Several teams",
}

CONTINUITY: dict[str, str] = {
    "yes": "Yes",
    "no": "No",
    "not_sure": "Not sure",
}

# Obstacles (answers) and reasons (disclosures) both map onto gates; the keys double as
# boolean column suffixes so that SQL can count them with SUM() instead of unpacking lists.
OBSTACLES: dict[str, str] = {
    "procurement": "Procurement has no path for the tool",
    "legal_review": "Legal or compliance review",
    "security_data": "Security or data access",
    "no_policy": "No policy or unclear rules",
    "review_credit": "Manager or performance review does not credit it",
    "no_time": "No time",
    "tool_quality": "Tool quality",
}

TOOL_KINDS: dict[str, str] = {
    "chat_assistant": "Chat assistant",
    "coding_assistant": "Coding assistant",
    "meeting_transcription": "Meeting / transcription",
    "writing": "Writing",
    "image": "Image",
    "browser_extension": "Browser extension",
    "other": "Other",
}

FREQUENCY: dict[str, str] = {
    "once": "Once or twice",
    "monthly": "A few times a month",
    "weekly": "Every week",
    "daily": "Most days",
}

DATA_CLASSES: dict[str, str] = {
    "public": "Public",
    "internal": "Internal",
    "confidential": "Confidential",
    "customer_personal": "Customer or personal data",
    "other": "Other",
    "not_said": "Prefer not to say",  # also stored when the question is skipped
}

COVERT_REASONS: dict[str, str] = {
    "no_approved_tool": "There is no approved tool for this",
    "procurement": "Procurement has no path for it",
    "review_slow": "Review takes too long",
    "rules_unclear": "The rules are unclear",
    "fear_of_blame": "I was afraid of blame",
    "did_not_matter": "I did not think it mattered",
}

# Offered beside the reasons but stored as no reason at all: there is no column for them, and
# "prefer not to say" must never be counted as a gate.
REASON_EXTRAS: dict[str, str] = {
    "other": "Something else",
    "not_said": "Prefer not to say",
}

# Which gate each obstacle or covert reason points at: the aggregator counts gates, not words.
GATES: dict[str, str] = {
    "procurement": "Procurement",
    "legal_review": "Legal / compliance review",
    "security_data": "Security / data access",
    "policy": "Policy",
    "review_credit": "Performance review credit",
    "time": "Time",
    "tool_quality": "Tool quality",
}

OBSTACLE_GATE: dict[str, str] = {
    "procurement": "procurement",
    "legal_review": "legal_review",
    "security_data": "security_data",
    "no_policy": "policy",
    "review_credit": "review_credit",
    "no_time": "time",
    "tool_quality": "tool_quality",
}

COVERT_REASON_GATE: dict[str, str] = {
    "no_approved_tool": "procurement",
    "procurement": "procurement",
    "review_slow": "legal_review",
    "rules_unclear": "policy",
    "fear_of_blame": "policy",
    "did_not_matter": "policy",
}
